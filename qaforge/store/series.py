"""Image series rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, insert, select, update

from qaforge.domain.series import ScannedSeries
from qaforge.store.models import ImageSeries, utc_now


@dataclass
class SeriesBatchOutcome:
    """What one batch of series did.

    Attributes:
        new: Series stored for the first time.
        updated: Known series whose file changed (new hash) or moved.
        unchanged: Known series, same file, nothing written.
    """

    new: int = 0
    updated: int = 0
    unchanged: int = 0


def store_series_batch(
    connection: Connection, *, series: Sequence[ScannedSeries]
) -> SeriesBatchOutcome:
    """Insert new series and refresh changed ones.

    A series is identified by its study and its path inside the study
    (``ScannedSeries.series_id``); a changed file keeps the id and gets the new
    hash and header, so the links of later stages stay valid.

    Args:
        connection: An open connection inside the caller's transaction.
        series: Scanned series, ids unique in the batch.

    Returns:
        Counts of new, updated and unchanged series.
    """
    outcome = SeriesBatchOutcome()
    if not series:
        return outcome
    by_id = {item.series_id: item for item in series}
    known = {
        row.id: row
        for row in connection.execute(
            select(ImageSeries.id, ImageSeries.sha256, ImageSeries.absolute_path).where(
                ImageSeries.id.in_(list(by_id))
            )
        )
    }
    now = utc_now()
    inserts, updates = [], []
    for series_id, item in by_id.items():
        values = _row_values(item)
        previous = known.get(series_id)
        if previous is None:
            outcome.new += 1
            inserts.append({"id": series_id, **values, "created_at": now, "updated_at": now})
        elif previous.sha256 != item.sha256 or previous.absolute_path != item.absolute_path:
            outcome.updated += 1
            updates.append({"s_id": series_id, **values, "updated_at": now})
        else:
            outcome.unchanged += 1
    if inserts:
        connection.execute(insert(ImageSeries), inserts)
    if updates:
        table = ImageSeries.__table__
        columns = [key for key in updates[0] if key != "s_id"]
        connection.execute(
            update(table)
            .where(table.c.id == bindparam("s_id"))
            .values({key: bindparam(key) for key in columns}),
            updates,
        )
    return outcome


def _row_values(item: ScannedSeries) -> dict:
    header = item.header
    return {
        "study_id": item.study_id,
        "path": item.study_path,
        "absolute_path": item.absolute_path,
        "sha256": item.sha256,
        "size_bytes": item.size_bytes,
        "sequence": item.sequence,
        "view": item.view,
        "classified_by": item.classified_by,
        "shape": list(header.shape),
        "spacing": list(header.spacing),
        "n_slices": header.n_slices,
        "n_frames": header.n_frames,
        "orientation": header.orientation,
        "affine": header.affine,
        "dtype": header.dtype,
        "description": header.description,
        "sidecar": item.sidecar,
        "phase": item.phase,
    }


def count_series_by_sequence(connection: Connection) -> dict[tuple[str, str], int]:
    """Series per (sequence, view)."""
    query = select(ImageSeries.sequence, ImageSeries.view, func.count()).group_by(
        ImageSeries.sequence, ImageSeries.view
    )
    return {(sequence, view): count for sequence, view, count in connection.execute(query)}
