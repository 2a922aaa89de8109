"""Database URL settings: accepted schemes and the psycopg 3 driver."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qaforge.settings import Settings


@pytest.mark.parametrize(
    "given, expected",
    [
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_accepted_urls(given, expected):
    assert Settings(database_url=given).database_url == expected


@pytest.mark.parametrize("given", ["mysql://x/y", "qaforge.db"])
def test_other_urls_are_refused(given):
    with pytest.raises(ValidationError, match="unsupported database URL"):
        Settings(database_url=given)
