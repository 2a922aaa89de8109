"""Settings: accepted database URLs and the psycopg 3 driver; the input limits shared by reports and series."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qaforge.settings import ReportLimits, SeriesLimits, Settings


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


@pytest.mark.parametrize("limits", [ReportLimits, SeriesLimits])
def test_json_depth_is_one_setting_for_reports_and_series(limits, monkeypatch):
    assert limits().max_json_depth == 32
    monkeypatch.setenv("QAFORGE_MAX_JSON_DEPTH", "7")
    assert limits().max_json_depth == 7
    for outside in ("0", "10001"):
        monkeypatch.setenv("QAFORGE_MAX_JSON_DEPTH", outside)
        with pytest.raises(ValidationError, match="max_json_depth"):
            limits()
