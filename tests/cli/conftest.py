"""Every CLI test runs in its own empty folder, with no database URL from the environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
