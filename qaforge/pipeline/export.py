"""Export stage: verified items with no blocking flag (or every item with
``include_unverified``, marked), one JSONL per split, images, provenance apart,
the same records as one Parquet file per split with the images embedded (what
Hugging Face ``datasets`` loads through the card's YAML header), the record
schema, a manifest with hashes and a dataset card. Deterministic:
the same data gives byte-identical files.

What is written is decided in :mod:`qaforge.export` (pure); this module reads
the store, writes the files and hashes them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from pydantic import BaseModel

from qaforge.checks.leakage import CHECK_NAMES
from qaforge.checks.phi import redact_phi, scan_phi
from qaforge.domain.items import ItemView
from qaforge.errors import QaforgeError
from qaforge.export.card import DEFAULT_LICENSE, CardFacts, card_files
from qaforge.export.hf_features import hf_features, option_letters
from qaforge.export.manifest import (
    EXPORT_FILES,
    EXPORT_FOLDERS,
    MANIFEST_FILE,
    SCHEMA_FILE,
    build_manifest,
    manifest_bytes,
    schema_text,
)
from qaforge.export.records import ExportPlan, ItemVerification, item_verification, plan_export
from qaforge.libs.folder_swap import replace_folder
from qaforge.libs.parquet import parquet_bytes
from qaforge.pipeline.selections import require_selection
from qaforge.store.annotation import stored_outcomes
from qaforge.store.checks import (
    blocking_item_ids,
    flag_counts,
    latest_verifications,
    split_sizes,
    verification_counts,
)
from qaforge.store.engine import Connection, Engine
from qaforge.store.exports import record_export
from qaforge.store.item_views import item_views
from qaforge.store.schema import require_current_schema
from qaforge.store.secrets import stored_secret

__all__ = [
    "EXPORT_FOLDERS",
    "ExportSummary",
    "export_counts",
    "export_database",
    "plan_database_export",
    "provenance_hasher",
    "refuse_empty_plan",
]


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
    license_id: str = DEFAULT_LICENSE,
) -> ExportSummary:
    """Write the benchmark folder; see the module docstring and docs/export.md.

    Items with a blocking flag are never exported. The PHI scan runs again on each record
    and provenance line (evidence redacted), then on each text file to write (E704).

    Args:
        engine: The store.
        outdir: The export folder; it is replaced as a whole once the new export
            is complete (its :data:`OWNED_ENTRIES` by the new ones; the user's
            other files in it are carried over).
        protocol: The image selection protocol whose slices records show.
        budget: The selection's budget.
        include_unverified: Also export items without an accepted verification.
        license_id: The license of the card's YAML header (a Hub license id;
            ``other`` with a line that the data owner must set it by default).

    Returns:
        Records per split, images copied, items left out by reason, and the
        hash of ``manifest.json``.

    Raises:
        QaforgeError: E705 when no record is exportable (``outdir`` untouched),
            E706 when no selection ``protocol``/``budget`` is stored, E704 on PHI.
    """
    plan, card = plan_database_export(
        engine,
        protocol=protocol,
        budget=budget,
        include_unverified=include_unverified,
        license_id=license_id,
    )
    refuse_empty_plan(plan, outdir)
    manifest = _write_export(outdir, plan, card, _parquet_files(plan, card.features))
    summary = _summary(outdir, plan, manifest)
    counts = export_counts(plan)
    with engine.begin() as connection:
        record_export(
            connection,
            outdir=str(outdir),
            export_format="benchmark",
            n_items=len(plan.exported),
            counts=counts,
            manifest_sha256=summary.manifest_sha256,
        )
    return summary


def plan_database_export(
    engine: Engine,
    *,
    protocol: str,
    budget: int,
    include_unverified: bool,
    license_id: str = DEFAULT_LICENSE,
) -> tuple[ExportPlan, CardFacts]:
    """What an export of the store writes (also the input of the other formats).

    Args:
        engine: The store.
        protocol: The image selection protocol whose slices records show.
        budget: The selection's budget.
        include_unverified: Also export items without an accepted verification.
        license_id: The license of the card's YAML header.

    Returns:
        The plan (records per split, images, what was left out) and the card's facts.
    """
    require_current_schema(engine)
    with engine.connect() as connection:
        require_selection(connection, protocol=protocol, budget=budget)
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
        keyed_hash=provenance_hasher(engine),
    )
    card = CardFacts(
        exported=plan.exported,
        verification=verification,
        sizes=sizes,
        flags=flags,
        check_names=CHECK_NAMES,
        include_unverified=include_unverified,
        features=_features(plan),
        license=license_id,
    )
    return plan, card


def export_counts(plan: ExportPlan) -> dict[str, int]:
    """What the ``exports`` row counts: ``records_<split>``, ``images``, ``skipped_<reason>``."""
    counts = {f"records_{split}": n for split, n in plan.record_counts().items()}
    counts["images"] = len(plan.images)
    counts.update({f"skipped_{reason}": n for reason, n in sorted(plan.skipped.items())})
    return counts


PROVENANCE_SALT = "provenance_salt"
"""The ``store_secrets`` row whose value keys the hashes of ``provenance.jsonl``."""


def provenance_hasher(engine: Engine) -> Callable[[str], str]:
    """Text -> HMAC-SHA256 keyed with the database's salt (made at first use, kept in it).

    A bare SHA-256 of a study id can be confirmed by anyone who knows the id;
    the salt never leaves the database, and the same database hashes the same way.
    """
    with engine.begin() as connection:
        salt = stored_secret(connection, name=PROVENANCE_SALT, make=lambda: secrets.token_hex(32))
    key = salt.encode()
    return lambda text: hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def refuse_empty_plan(plan: ExportPlan, outdir: Path) -> None:
    """Raise E705 (with the counts left out by reason) when the plan has no record."""
    if plan.exported:
        return
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(plan.skipped.items()) if n)
    raise QaforgeError.of("E705", reasons=reasons or "no active item", outdir=outdir)


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


def _features(plan: ExportPlan) -> list[dict]:
    """The features of the Parquet files (for the card and the files): options by every letter used."""
    rows = (json.loads(line) for lines in plan.records.values() for line in lines)
    return hf_features(option_letters(rows))


def _parquet_files(plan: ExportPlan, features: list[dict]) -> dict[str, bytes]:
    """``data/<split>.parquet`` -> bytes: the split's records with each image's PNG embedded
    as the Image struct ``{bytes, path}`` (path relative to the export)."""
    pngs = {name: source.read_bytes() for name, source in plan.images.items()}
    files = {}
    for split, lines in plan.records.items():
        embedded = [
            {**row, "images": [{"bytes": pngs[name], "path": name} for name in row["images"]]}
            for row in map(json.loads, lines)
        ]
        files[f"data/{split}.parquet"] = parquet_bytes(embedded, features)
    return files


def _write_export(
    outdir: Path, plan: ExportPlan, card: CardFacts, parquet: dict[str, bytes]
) -> bytes:
    """Replace the export in ``outdir`` from a plan; returns the bytes of ``manifest.json``.

    The files are written to a folder beside ``outdir`` and swapped in when
    complete (:func:`~qaforge.libs.folder_swap.replace_folder`): a killed export
    leaves the previous export or the new one. Entries of ``outdir`` that export
    does not own are carried over into the new folder.

    Raises:
        QaforgeError: E704 (before anything is written) when a text file holds PHI.
    """
    files: dict[str, str | bytes] = {**plan.text_files(), SCHEMA_FILE: schema_text(), **parquet}
    files.update(card_files(card))
    refuse_files_with_phi(files)
    return replace_folder(
        outdir, lambda folder: _write_files(folder, plan, files), owned=OWNED_ENTRIES
    )


OWNED_ENTRIES = (*EXPORT_FOLDERS, *EXPORT_FILES, MANIFEST_FILE)
"""Top-level names in OUTDIR that each export replaces; the user's other entries stay."""


def _write_files(folder: Path, plan: ExportPlan, files: dict[str, str | bytes]) -> bytes:
    """Write the images, the files and the manifest into an empty folder; the manifest's bytes."""
    for sub in EXPORT_FOLDERS:
        (folder / sub).mkdir()
    for name, source in plan.images.items():
        shutil.copyfile(source, folder / name)
    for name, content in files.items():
        if isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8")
        else:
            (folder / name).write_bytes(content)
    manifest = manifest_bytes(build_manifest(_written_files(folder)))
    (folder / MANIFEST_FILE).write_bytes(manifest)
    return manifest


def refuse_files_with_phi(files: dict[str, str | bytes]) -> None:
    """Raise E704 naming the first text file (and the kinds and offsets, never the text)
    in which the PHI scan finds anything; PNG charts are not text, the Parquet files
    hold the records of the JSONL files (scanned as text) and their images, and the
    record schema is the same shipped text in every export (its ``$id`` URLs are no PHI)."""
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
