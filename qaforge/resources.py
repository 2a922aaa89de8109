"""The one place that finds qaforge's shipped data.

Two kinds of data ship with qaforge:

- the data folders ``schemas/``, ``templates/``, ``annotation/`` and
  ``migrations/`` (:func:`resource_dir`). They sit at the top of the
  repository and ship inside the wheel as ``qaforge/_resources/<name>``; in
  an editable checkout they are read from the repository itself;
- data files kept beside the code that reads them inside the package, such
  as the extractor's rule files ``extract/rules/*.yaml`` and the default
  series mapping ``ingest/default_series_mapping.yaml`` (:func:`package_data`).

Every read of shipped data goes through here, never through ``__file__``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Literal

from qaforge.errors import QaforgeError

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
    package_root = _package_root()
    installed = package_root / "_resources" / name
    if installed.is_dir():
        return installed
    checkout = package_root.parent / name
    if checkout.is_dir() and (package_root.parent / "pyproject.toml").is_file():
        return checkout
    raise QaforgeError.of("E001", name=name, looked_in=f"{installed} and {checkout}")


def package_data(relative: str) -> Path:
    """Return a data file or folder shipped inside the ``qaforge`` package.

    Args:
        relative: Its path below the package, with ``/`` separators, e.g.
            ``"extract/rules"`` or ``"ingest/default_series_mapping.yaml"``.

    Returns:
        The existing file or folder.

    Raises:
        ValueError: If ``relative`` is absolute, empty or leaves the package (``..``).
        ConfigError: E001 if it is not there.
    """
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or "\\" in relative:
        raise ValueError(f"expected a path inside the qaforge package, got {relative!r}")
    path = _package_root().joinpath(*parts)
    if not path.exists():
        raise QaforgeError.of("E001", name=relative, looked_in=path)
    return path


def _package_root() -> Path:
    return Path(str(resources.files("qaforge")))
