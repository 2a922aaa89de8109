"""Series names as the mapping sees them: a file's path (and description) normalised for matching.

Mapping rules are searched in :func:`normalise_series_name` (the path with its
folders, then the sidecar's description); skip and phase rules in
:func:`normalise_file_name` (the file's own name only).
"""

from __future__ import annotations

import re

DESCRIPTION_SEPARATOR = " | "
_NII_SUFFIX = re.compile(r"\.nii(\.gz)?$", re.IGNORECASE)
# ``_`` is a word character for ``\w`` but a separator in series names.
_SEPARATORS = re.compile(r"(?:[^\w/]|_)+")
_SEPARATORS_AND_SLASH = re.compile(r"(?:[^\w]|_)+")
_SPACED_SLASH = re.compile(r" ?/ ?")


def normalise_series_name(relative_path: str, description: str | None = None) -> str:
    """Build the name that mapping rules are matched against.

    The path loses its ``.nii`` / ``.nii.gz`` suffix and is lower-cased; ``*``
    becomes the word ``star`` (so ``T2*`` is not ``T2``); every run of
    characters other than letters, digits and ``/`` (``_``, ``-``, ``.``,
    spaces...) becomes one space, and ``/`` keeps separating folders. A
    non-empty description is normalised the same way (its ``/`` become spaces
    too) and appended after ``" | "``.

    Args:
        relative_path: The file's path relative to the scanned folder, POSIX separators.
        description: The sidecar's ``SeriesDescription``, if any.

    Returns:
        E.g. ``"stu 0001/la 2ch cine"`` or ``"stu 0002/sa cine | sa cine bssfp"``.
    """
    path = _NII_SUFFIX.sub("", relative_path.replace("\\", "/"))
    name = _SPACED_SLASH.sub("/", _words(path, _SEPARATORS)).strip("/ ")
    if description:
        described = _words(description, _SEPARATORS_AND_SLASH)
        if described:
            name = f"{name}{DESCRIPTION_SEPARATOR}{described}"
    return name


def normalise_file_name(relative_path: str) -> str:
    """Build the name that skip and phase rules are matched against: the file's own name.

    Normalised as by :func:`normalise_series_name`, without the folders (a
    study folder's name says nothing about whether a file is a segmentation).

    Args:
        relative_path: The file's path, POSIX or Windows separators.

    Returns:
        E.g. ``"seg la 2ch ed"`` for ``ukbb-1/seg_la_2ch_ED.nii.gz``.
    """
    return normalise_series_name(relative_path.replace("\\", "/").rsplit("/", 1)[-1])


def _words(text: str, separators: re.Pattern[str]) -> str:
    return separators.sub(" ", text.lower().replace("*", " star ")).strip()
