"""The one place that finds qaforge's data folders.

``schemas/``, ``templates/``, ``annotation/`` and ``migrations/`` sit at the top
of the repository and ship inside the wheel as ``qaforge/_resources/<name>``.
In an editable checkout they are read from the repository itself.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from qaforge.errors import ConfigError

ResourceFolder = Literal["schemas", "templates", "annotation", "migrations"]


def resource_dir(name: ResourceFolder) -> Path:
    """Return the folder holding one kind of shipped data.

    Args:
        name: One of ``schemas``, ``templates``, ``annotation``, ``migrations``.

    Returns:
        An existing directory path.

    Raises:
        ConfigError: If the folder is in neither the wheel nor the checkout.
    """
    package_root = Path(str(resources.files("qaforge")))
    installed = package_root / "_resources" / name
    if installed.is_dir():
        return installed
    checkout = package_root.parent / name
    if checkout.is_dir() and (package_root.parent / "pyproject.toml").is_file():
        return checkout
    raise ConfigError(
        "E001",
        f"data folder {name!r} not found (looked in {installed} and {checkout})",
        "reinstall qaforge; the wheel is incomplete",
    )
