"""``python -m qaforge`` is the ``qaforge`` command."""

from qaforge.cli.app import main

main()
