"""Export stage: verified items with no blocking flag (or every item with
``include_unverified``, marked), one JSONL per split, images, provenance apart,
the record schema, a manifest with hashes and a dataset card. Deterministic:
the same data gives byte-identical files.

What is written is decided in :mod:`qaforge.export` (pure); this module reads
the store, writes the files and hashes them.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from qaforge.checks.leakage import CHECK_NAMES
from qaforge.checks.phi import redact_phi, scan_phi
from qaforge.domain.items import ItemView
from qaforge.errors import QaforgeError
from qaforge.export.card import CardFacts, card_files
from qaforge.export.manifest import (
    EXPORT_FILES,
    EXPORT_FOLDERS,
    SCHEMA_FILE,
    build_manifest,
    manifest_bytes,
    schema_text,
)
from qaforge.export.records import ExportPlan, ItemVerification, item_verification, plan_export
from qaforge.store.annotation import stored_outcomes
from qaforge.store.checks import (
    blocking_item_ids,
    flag_counts,
    latest_verifications,
    split_sizes,
    verification_counts,
)
from qaforge.store.engine import Connection, Engine
from qaforge.store.item_views import item_views
from qaforge.store.schema import require_current_schema

__all__ = ["EXPORT_FOLDERS", "ExportSummary", "export_database", "plan_database_export"]


class ExportSummary(BaseModel):
    """What :func:`export_database` wrote."""

    outdir: str
    records: dict[str, int]
    images: int
    skipped_unverified: int
    skipped_rejected: int
    skipped_in_adjudication: int
    skipped_blocked: int
    skipped_no_split: int
    manifest_sha256: str


def export_database(
    engine: Engine,
    outdir: Path,
    *,
    protocol: str = "clinical",
    budget: int = 16,
    include_unverified: bool = False,
) -> ExportSummary:
    """Write the benchmark folder; see the module docstring and docs/export.md.

    Items with a blocking flag are never exported. The PHI scan runs again on each record
    and provenance line (evidence redacted), then on each text file to write (E704).

    Args:
        engine: The store.
        outdir: The export folder; its :data:`EXPORT_FOLDERS` are rewritten,
            other files in it are left alone.
        protocol: The image selection protocol whose slices records show.
        budget: The selection's budget.
        include_unverified: Also export items without an accepted verification.

    Returns:
        Records per split, images copied, items left out by reason, and the
        hash of ``manifest.json``.
    """
    plan, card = plan_database_export(
        engine, protocol=protocol, budget=budget, include_unverified=include_unverified
    )
    manifest = _write_export(outdir, plan, card)
    return _summary(outdir, plan, manifest)


def plan_database_export(
    engine: Engine, *, protocol: str, budget: int, include_unverified: bool
) -> tuple[ExportPlan, CardFacts]:
    """What an export of the store writes (also the input of the other formats).

    Args:
        engine: The store.
        protocol: The image selection protocol whose slices records show.
        budget: The selection's budget.
        include_unverified: Also export items without an accepted verification.

    Returns:
        The plan (records per split, images, what was left out) and the card's facts.
    """
    require_current_schema(engine)
    with engine.connect() as connection:
        views = item_views(connection, protocol=protocol, budget=budget)
        blocked = blocking_item_ids(connection)
        verifications = _verifications(connection, views)
        verification = verification_counts(connection)
        sizes = split_sizes(connection)
        flags = flag_counts(connection)
    plan = plan_export(
        views,
        verifications=verifications,
        blocked=blocked,
        include_unverified=include_unverified,
        has_phi=lambda text: bool(scan_phi(text)),
        redact_text=lambda text: redact_phi(text)[0],
    )
    card = CardFacts(
        exported=plan.exported,
        verification=verification,
        sizes=sizes,
        flags=flags,
        check_names=CHECK_NAMES,
        include_unverified=include_unverified,
    )
    return plan, card


def _summary(outdir: Path, plan: ExportPlan, manifest: bytes) -> ExportSummary:
    """What was written, and what was left out by reason."""
    return ExportSummary(
        outdir=str(outdir),
        records=plan.record_counts(),
        images=len(plan.images),
        skipped_unverified=plan.skipped["unverified"],
        skipped_rejected=plan.skipped["rejected"],
        skipped_in_adjudication=plan.skipped["in_adjudication"],
        skipped_blocked=plan.skipped["blocked"],
        skipped_no_split=plan.skipped["no_split"],
        manifest_sha256=hashlib.sha256(manifest).hexdigest(),
    )


def _verifications(
    connection: Connection, views: Sequence[ItemView]
) -> dict[str, ItemVerification]:
    """Item id -> what its latest verification and its review outcome say, for some items."""
    verdicts = latest_verifications(connection)
    outcomes = stored_outcomes(connection)
    return {
        view.id: item_verification(verdicts.get(view.id), outcomes.get(view.id)) for view in views
    }


def _write_export(outdir: Path, plan: ExportPlan, card: CardFacts) -> bytes:
    """Rewrite the export folder from a plan; returns the bytes of ``manifest.json``.

    Raises:
        QaforgeError: E704 (before anything is written) when a text file holds PHI.
    """
    files: dict[str, str | bytes] = {**plan.text_files(), SCHEMA_FILE: schema_text()}
    files.update(card_files(card))
    refuse_files_with_phi(files)
    outdir.mkdir(parents=True, exist_ok=True)
    for sub in EXPORT_FOLDERS:
        shutil.rmtree(outdir / sub, ignore_errors=True)
        (outdir / sub).mkdir()
    for name, source in plan.images.items():
        shutil.copyfile(source, outdir / name)
    for name, content in files.items():
        if isinstance(content, str):
            (outdir / name).write_text(content, encoding="utf-8")
        else:
            (outdir / name).write_bytes(content)
    manifest = manifest_bytes(build_manifest(_written_files(outdir)))
    (outdir / "manifest.json").write_bytes(manifest)
    return manifest


def refuse_files_with_phi(files: dict[str, str | bytes]) -> None:
    """Raise E704 naming the first text file (and the kinds and offsets, never the text)
    in which the PHI scan finds anything; PNG charts are not text, and the record
    schema is the same shipped text in every export (its ``$id`` URLs are no PHI)."""
    for name, content in sorted(files.items()):
        if name == SCHEMA_FILE:
            continue
        if isinstance(content, bytes):
            if not name.endswith((".md", ".json", ".jsonl")):
                continue
            content = content.decode("utf-8")
        if hits := scan_phi(content):
            raise QaforgeError.of(
                "E704",
                kinds=", ".join(sorted({hit.kind for hit in hits})),
                path=name,
                offsets=", ".join(str(hit.start) for hit in hits[:5]),
            )


def _written_files(outdir: Path) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of every file export owns in the folder, as written to disk."""
    paths = [outdir / name for name in EXPORT_FILES]
    for folder in EXPORT_FOLDERS:
        paths.extend((outdir / folder).rglob("*"))
    for path in sorted(paths):
        if path.is_file():
            yield path.relative_to(outdir).as_posix(), path.read_bytes()
