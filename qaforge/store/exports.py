"""The ``exports`` table: one row per export folder written."""

from __future__ import annotations

from sqlalchemy import Connection, Row, insert, select

from qaforge.domain.export import SCHEMA_VERSION
from qaforge.store.models import Export


def record_export(
    connection: Connection,
    *,
    outdir: str,
    export_format: str,
    n_items: int,
    counts: dict[str, int],
    manifest_sha256: str,
) -> int:
    """Store that an export was written (after it is swapped in); returns the row id.

    Args:
        connection: In a transaction.
        outdir: The folder, as given.
        export_format: ``benchmark``, ``vlmevalkit`` or ``lmms-eval``.
        n_items: Records exported.
        counts: Records per split, images, items left out by reason.
        manifest_sha256: The hash of what was written (see :class:`Export`).
    """
    result = connection.execute(
        insert(Export).values(
            outdir=outdir,
            export_format=export_format,
            schema_version=SCHEMA_VERSION,
            n_items=n_items,
            counts=counts,
            manifest_sha256=manifest_sha256,
        )
    )
    return int(result.inserted_primary_key[0])


def stored_exports(connection: Connection) -> list[Row]:
    """Every recorded export (rows of the table's columns), oldest first."""
    return list(connection.execute(select(Export.__table__).order_by(Export.id)))
