"""The sample studies, one module per diagnosis group; :mod:`qaforge.sample.cases` joins them."""
