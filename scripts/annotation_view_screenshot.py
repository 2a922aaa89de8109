"""Draw docs/img/annotation-view.png: the radiologist's reading view at 1440x900.

.venv/bin/python scripts/annotation_view_screenshot.py [OUT_PNG]   (or `make docs-screenshot`)

Starts a throwaway Label Studio server from .venv-labelstudio (see
scripts/ensure-labelstudio.sh), runs one sample study (synthetic report,
code-generated phantoms: nothing real) through ingest, extract, generate and
select (clinical, K = 16), pushes its items and photographs the single-choice
cine task with the most slices as annotator ``rad1`` sees it, in Debian's
chromium. The PNG is reduced to 256 colours to keep the docs small.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from PIL import Image

from qaforge.annotate.client import LabelStudioClient
from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.annotate import push_items
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.sample import write_sample_data
from qaforge.store.engine import Engine, create_store_engine
from qaforge.store.schema import upgrade_database
from qaforge.testing.labelstudio import LabelStudioInstance, start_labelstudio_instance
from qaforge.testing.screenshot import screenshot_task

REPO = Path(__file__).resolve().parents[1]
STUDY = "STU-0003"
BUDGET = 16
VIEWPORT = (1440, 900)


def one_study(sample: Path, out: Path) -> Path:
    """A source folder with the sample's report and series of ``STUDY`` only."""
    lines = [
        line
        for line in (sample / "reports.jsonl").read_text().splitlines()
        if json.loads(line)["study_id"] == STUDY
    ]
    out.mkdir(parents=True)
    (out / "reports.jsonl").write_text("\n".join(lines) + "\n")
    shutil.copytree(sample / "series" / STUDY, out / "series" / STUDY)
    return out


def build_items(engine: Engine, source: Path, images_dir: Path) -> None:
    """The pipeline up to select, as a data engineer runs it before `annotate push`."""
    upgrade_database(engine)
    ingest_reports(engine, source / "reports.jsonl")
    ingest_series(engine, source / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    select_images(
        engine, protocols=["clinical"], budgets=[BUDGET], images_dir=images_dir, workers=1
    )


def photograph(server: LabelStudioInstance, engine: Engine, out_png: Path) -> None:
    """Push the items and save the view of the fullest single-choice cine task."""
    with LabelStudioClient(server.url, server.accounts["admin"].token) as admin:
        summary = push_items(
            engine, admin, name="qaforge", media_root=server.media_root, budget=BUDGET
        )
        project = next(p for p in summary.projects if p.title.endswith("single"))
        tasks = list(admin.iter_tasks(project.ls_project_id, with_annotations=False))
    cine = [t for t in tasks if t["data"]["header"].startswith("cine ")]
    task = max(cine, key=lambda t: (len(t["data"]["images"]), -t["id"]))
    rad1 = server.accounts["rad1"]
    shot = screenshot_task(
        url=server.url,
        email=rad1.email,
        password=rad1.password,
        project_id=project.ls_project_id,
        task_id=task["id"],
        out_png=out_png,
        expect_text=task["data"]["question"],
        viewport=VIEWPORT,
        full_page=False,
    )
    with Image.open(shot.path) as picture:
        small = picture.convert("RGB").quantize(colors=256)
    small.save(out_png, optimize=True)


def main(out_png: Path) -> None:
    """Make the picture in a temporary folder (server, store, images) and save it."""
    with tempfile.TemporaryDirectory(prefix="qaforge-view-") as tmp:
        work = Path(tmp)
        sample = work / "sample"
        write_sample_data(sample)
        source = one_study(sample, work / "source")
        server = start_labelstudio_instance(REPO / ".venv-labelstudio", work / "labelstudio")
        engine = create_store_engine(f"sqlite:///{work / 'qaforge.db'}")
        try:
            build_items(engine, source, server.media_root / "view" / "images")
            photograph(server, engine, out_png)
        finally:
            engine.dispose()
            server.stop()
    print(f"wrote {out_png} ({out_png.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "docs" / "img" / "annotation-view.png")
