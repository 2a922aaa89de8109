"""Shipped data is found through qaforge.resources, in the package or the checkout."""

from __future__ import annotations

import pytest

from qaforge.errors import ConfigError
from qaforge.resources import package_data, resource_dir


@pytest.mark.parametrize(
    ("relative", "is_dir"),
    [
        ("ingest/default_series_mapping.yaml", False),
        ("extract/rules/lexicon.yaml", False),
        ("extract/rules", True),
    ],
)
def test_package_data_finds_shipped_files_and_folders(relative: str, is_dir: bool) -> None:
    path = package_data(relative)
    assert path.exists() and path.is_dir() == is_dir
    assert path.as_posix().endswith(f"qaforge/{relative}")


def test_missing_package_data_is_e001() -> None:
    with pytest.raises(ConfigError) as caught:
        package_data("ingest/no_such_mapping.yaml")
    assert caught.value.code == "E001"
    assert "'ingest/no_such_mapping.yaml'" in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize("relative", ["", "/etc/passwd", "../pyproject.toml", "ingest/../../x"])
def test_package_data_stays_inside_the_package(relative: str) -> None:
    with pytest.raises(ValueError, match="inside the qaforge package"):
        package_data(relative)


def test_resource_dir_finds_the_data_folders() -> None:
    for name in ("schemas", "templates", "annotation", "migrations"):
        assert resource_dir(name).is_dir()  # type: ignore[arg-type]
