"""Image selections: what the select stage reads (items, series) and writes (selections, images).

Selections and image rows are derived data: a selection whose key changed
is replaced whole (its image rows with it). Items and verifications are
never touched here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, tuple_

from qaforge.store.models import ImageSelection, ImageSeries, QAImage, QAItem, utc_now

CHUNK = 500


@dataclass(frozen=True)
class ItemToRoute:
    """An active item and what routing needs of it.

    Attributes:
        item_id: The item.
        study_id: Its study.
        sequence: The subtask's sequence (or ``overall``).
        views: The subtask's views, primary first (from the item's provenance).
    """

    item_id: str
    study_id: str
    sequence: str
    views: tuple[str, ...]


@dataclass(frozen=True)
class StoredSeries:
    """A series row as routing needs it."""

    series_id: str
    study_id: str
    sequence: str
    view: str
    absolute_path: str
    sha256: str


@dataclass(frozen=True)
class StoredSelection:
    """A stored selection's key and the files it points at.

    Attributes:
        selection_key: The key it was made with.
        images_root: The images folder it was written to.
        paths: Image and contact-sheet paths relative to ``images_root``.
        status: ``selected``, ``no_series`` or ``unreadable``.
    """

    selection_key: str
    images_root: str
    paths: tuple[str, ...]
    status: str = "selected"


@dataclass
class SelectionRecord:
    """A selection to store, with its images (rank order).

    ``images`` holds dicts with ``series_id, z, t, rank, path, sha256, windowing``.
    """

    item_id: str
    protocol: str
    budget: int
    seed: int
    selection_key: str
    status: str
    primary_view: str | None
    routed_series: list[str]
    missing_views: list[str]
    unreadable_series: list[str]
    images_root: str
    contact_sheet: str | None
    images: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        """Row id: one selection per (item, protocol, budget)."""
        return selection_id(self.item_id, self.protocol, self.budget)


def selection_id(item_id: str, protocol: str, budget: int) -> str:
    """The id of an item's selection under a protocol and budget."""
    return hashlib.sha256(f"{item_id}\x1f{protocol}\x1f{budget}".encode()).hexdigest()[:32]


def items_to_route(connection: Connection) -> list[ItemToRoute]:
    """Every active item, by study then id.

    Returns:
        The items; views come from the item's provenance (``views``), as
        generation recorded them from the catalogue.
    """
    rows = connection.execute(
        select(QAItem.id, QAItem.study_id, QAItem.sequence, QAItem.provenance)
        .where(QAItem.status == "active")
        .order_by(QAItem.study_id, QAItem.id)
    )
    return [
        ItemToRoute(row.id, row.study_id, row.sequence, tuple(row.provenance.get("views") or ()))
        for row in rows
    ]


def series_of_studies(connection: Connection, *, study_ids: Sequence[str]) -> list[StoredSeries]:
    """The image series of the given studies."""
    found: list[StoredSeries] = []
    for start in range(0, len(study_ids), CHUNK):
        chunk = list(study_ids[start : start + CHUNK])
        rows = connection.execute(
            select(
                ImageSeries.id,
                ImageSeries.study_id,
                ImageSeries.sequence,
                ImageSeries.view,
                ImageSeries.absolute_path,
                ImageSeries.sha256,
            ).where(ImageSeries.study_id.in_(chunk))
        )
        found.extend(StoredSeries(*row) for row in rows)
    return found


def stored_selections(
    connection: Connection, *, protocol: str, budget: int
) -> dict[str, StoredSelection]:
    """The stored selections of a protocol and budget, by item id."""
    selections = connection.execute(
        select(
            ImageSelection.item_id,
            ImageSelection.selection_key,
            ImageSelection.images_root,
            ImageSelection.contact_sheet,
            ImageSelection.status,
        ).where(and_(ImageSelection.protocol == protocol, ImageSelection.budget == budget))
    ).all()
    paths: dict[str, list[str]] = {}
    image_rows = connection.execute(
        select(QAImage.item_id, QAImage.path).where(
            and_(QAImage.protocol == protocol, QAImage.budget == budget)
        )
    )
    for item_id, path in image_rows:
        paths.setdefault(item_id, []).append(path)
    return {
        row.item_id: StoredSelection(
            row.selection_key,
            row.images_root,
            tuple(paths.get(row.item_id, ())) + ((row.contact_sheet,) if row.contact_sheet else ()),
            row.status,
        )
        for row in selections
    }


def replace_selections(connection: Connection, *, records: Sequence[SelectionRecord]) -> None:
    """Store selections and their images, replacing what the same (item, protocol, budget) had."""
    if not records:
        return
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        keys = [(r.item_id, r.protocol, r.budget) for r in chunk]
        connection.execute(
            delete(QAImage).where(
                tuple_(QAImage.item_id, QAImage.protocol, QAImage.budget).in_(keys)
            )
        )
        connection.execute(
            delete(ImageSelection).where(ImageSelection.id.in_([r.id for r in chunk]))
        )
    now = utc_now()
    connection.execute(
        insert(ImageSelection),
        [
            {
                "id": r.id,
                "item_id": r.item_id,
                "protocol": r.protocol,
                "budget": r.budget,
                "seed": r.seed,
                "selection_key": r.selection_key,
                "status": r.status,
                "primary_view": r.primary_view,
                "routed_series": r.routed_series,
                "missing_views": r.missing_views,
                "unreadable_series": r.unreadable_series,
                "n_images": len(r.images),
                "images_root": r.images_root,
                "contact_sheet": r.contact_sheet,
                "created_at": now,
            }
            for r in records
        ],
    )
    image_rows = [
        {
            "id": selection_id(r.item_id, r.protocol, r.budget) + f"{image['rank']:04d}",
            "item_id": r.item_id,
            "protocol": r.protocol,
            "budget": r.budget,
            "created_at": now,
            **image,
        }
        for r in records
        for image in r.images
    ]
    if image_rows:
        connection.execute(insert(QAImage), image_rows)


def selection_names(connection: Connection) -> list[tuple[str, int]]:
    """The stored (protocol, budget) pairs, sorted."""
    rows = connection.execute(
        select(ImageSelection.protocol, ImageSelection.budget)
        .distinct()
        .order_by(ImageSelection.protocol, ImageSelection.budget)
    )
    return [(protocol, int(budget)) for protocol, budget in rows]


def count_selections(connection: Connection) -> list[tuple[str, int, str, int, int]]:
    """Selections per (protocol, budget, status): rows of (protocol, budget, status, items, images)."""
    rows = connection.execute(
        select(
            ImageSelection.protocol,
            ImageSelection.budget,
            ImageSelection.status,
            func.count(),
            func.coalesce(func.sum(ImageSelection.n_images), 0),
        )
        .join(QAItem, QAItem.id == ImageSelection.item_id)
        .where(QAItem.status == "active")
        .group_by(ImageSelection.protocol, ImageSelection.budget, ImageSelection.status)
        .order_by(ImageSelection.protocol, ImageSelection.budget, ImageSelection.status)
    )
    return [(p, int(b), s, int(n), int(i)) for p, b, s, n, i in rows]


def selected_images(
    connection: Connection, *, item_ids: Sequence[str], protocol: str, budget: int
) -> dict[str, list[dict[str, Any]]]:
    """Item id -> the ``qa_images`` rows of its (protocol, budget) selection by rank, each with ``images_root``."""
    found: dict[str, list[dict[str, Any]]] = {}
    for row in connection.execute(
        select(QAImage.__table__, ImageSelection.images_root)
        .join(
            ImageSelection,
            and_(
                ImageSelection.item_id == QAImage.item_id,
                ImageSelection.protocol == QAImage.protocol,
                ImageSelection.budget == QAImage.budget,
            ),
        )
        .where(
            QAImage.item_id.in_(item_ids), QAImage.protocol == protocol, QAImage.budget == budget
        )
        .order_by(QAImage.item_id, QAImage.rank)
    ):
        found.setdefault(row.item_id, []).append(dict(row._mapping))
    return found
