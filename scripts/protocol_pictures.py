"""Draw the pictures of docs/images.md: what each protocol picks on one sample study.

.venv/bin/python scripts/protocol_pictures.py [OUTDIR]   (default docs/img)

Writes the sample data to a temporary folder, routes two subtasks of study
STU-0022 (the cine LV-size question and the diagnosis question) and saves
the contact sheet of each protocol at K = 16, with each series analysed as
``qaforge series`` does (phases, slice order, LV extent, display).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from qaforge.images.routing import SeriesRef, route
from qaforge.images.series_facts import (
    SeriesToAnalyse,
    analyse_stack,
    lv_slices_by_position,
    routed_ref,
)
from qaforge.images.study_job import SelectionRequest, StudyJob, run_study_job
from qaforge.images.volume import load_volume
from qaforge.sample import write_sample_data

STUDY = "STU-0022"
SUBTASKS = {
    "cine": ("cine", ("sax", "4ch", "2ch")),
    "diagnosis": ("overall", ("sax", "4ch", "2ch", "3ch")),
}
PROTOCOLS = ("random", "clinical", "data-driven")
BUDGET = 16


def _analysed_ref(record: dict, sample: Path) -> SeriesRef:
    """A sample series with the facts ``qaforge series`` would store for it."""
    path = sample / "series" / record["path"]
    member = SeriesToAnalyse(
        series_id=record["path"],
        study_id=record["study_id"],
        sequence=record["sequence"],
        view=record["view"],
        path=str(path),
        sha256="",
        phase=None,
        shape=(),  # shape and affine only pair phase files; the voxels are read from path
        affine=(),
    )
    [facts], _ = analyse_stack([member])
    return routed_ref(member, facts)


def _with_lv_from_cine(refs: list[SeriesRef]) -> list[SeriesRef]:
    """Static short-axis stacks take their LV slices from the cine, as ``qaforge series`` does."""
    cine = next(r for r in refs if r.sequence == "cine" and r.view == "sax")
    reference = load_volume(Path(cine.path), "sax")
    placed = []
    for ref in refs:
        if (
            ref.view == "sax"
            and ref.sequence != "cine"
            and ref.lv_slices is None
            and cine.lv_slices
        ):
            volume = load_volume(Path(ref.path), "sax")
            found = lv_slices_by_position(
                volume.affine,
                volume.data.shape,
                reference.affine,
                reference.data.shape,
                cine.lv_slices,
            )
            ref = replace(ref, lv_slices=found)
        placed.append(ref)
    return placed


def main(outdir: Path) -> None:
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        write_sample_data(sample)
        records = [
            json.loads(line) for line in (sample / "series_truth.jsonl").read_text().splitlines()
        ]
        refs = _with_lv_from_cine(
            [_analysed_ref(r, sample) for r in records if r["study_id"] == STUDY]
        )
        for name, (sequence, views) in SUBTASKS.items():
            routing = route(sequence, views, refs)
            requests = tuple(
                SelectionRequest(protocol, routing.series, protocol, BUDGET)
                for protocol in PROTOCOLS
            )
            result = run_study_job(StudyJob(STUDY, requests, 0, None, str(Path(tmp) / "images")))
            for selection in result.selections:
                target = outdir / f"protocol-{name}-{selection.key}.png"
                shutil.copyfile(Path(tmp) / "images" / selection.contact_sheet, target)
                picks = ", ".join(
                    f"{Path(i.series_id).stem.split('.')[0]} z{i.z} t{i.t}"
                    for i in selection.images
                )
                print(f"{target}: {picks}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img"))
