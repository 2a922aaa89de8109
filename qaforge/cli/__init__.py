"""The command line: a thin layer over ``qaforge.pipeline`` (Typer and rich live here only)."""
