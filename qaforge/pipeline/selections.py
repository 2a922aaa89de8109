"""The check every stage that reads one image selection shares: is it stored?"""

from __future__ import annotations

from qaforge.errors import QaforgeError
from qaforge.store.engine import Connection
from qaforge.store.images import selection_names


def require_selection(connection: Connection, *, protocol: str, budget: int) -> None:
    """Refuse a (protocol, budget) that names no stored selection.

    A store with no selection at all passes: text-only work (no ``select`` yet)
    reads no images, and an export of it is refused when it has no record.

    Raises:
        ConfigError: E706, naming the stored selections.
    """
    stored = selection_names(connection)
    if stored and (protocol, budget) not in stored:
        names = ", ".join(f"{name}/{size}" for name, size in stored)
        raise QaforgeError.of("E706", protocol=protocol, budget=budget, stored=names)
