"""The SQL store: the only package of qaforge that speaks SQL (SQLAlchemy 2.x).

Repository functions take a ``Connection`` and keyword-only arguments and never
commit: the caller (``qaforge.pipeline``) owns transaction boundaries, one
transaction per batch.
"""
