"""The export's manifest and record schema file (pure): what was written, by hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from qaforge.domain.export import SCHEMA_VERSION, export_record_json_schema

EXPORT_FOLDERS = ("data", "images", "card", "schema")
"""Folders export owns (rewritten each time); other files in OUTDIR are left alone and not in the manifest."""

EXPORT_FILES = ("README.md", "provenance.jsonl")
"""Files export writes at the top of OUTDIR (besides ``manifest.json``)."""

MANIFEST_FILE = "manifest.json"
"""The manifest at the top of OUTDIR: every other export file with its hash."""

SCHEMA_FILE = "schema/export_record.schema.json"


def schema_text() -> str:
    """The record's JSON Schema as written to :data:`SCHEMA_FILE` (keys sorted, indented)."""
    return json.dumps(export_record_json_schema(), indent=2, sort_keys=True) + "\n"


def build_manifest(files: Iterable[tuple[str, bytes]]) -> dict[str, Any]:
    """The manifest of some written files.

    Args:
        files: ``(path, bytes)`` of each file, the path relative to the export
            folder (POSIX); read one at a time, so an iterator keeps memory low.

    Returns:
        ``{"schema_version": ..., "files": {path: {"sha256": ..., "bytes": ...}}}``,
        paths sorted.
    """
    entries = {
        path: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for path, data in files
    }
    return {"schema_version": SCHEMA_VERSION, "files": dict(sorted(entries.items()))}


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """``manifest.json`` as written: keys sorted, indented, one final newline."""
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
