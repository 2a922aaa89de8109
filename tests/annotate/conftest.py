"""One real Label Studio server for the whole test session.

It runs from ``.venv-labelstudio`` (made by ``scripts/ensure-labelstudio.sh``)
on a free loopback port, with an admin and three annotators (rad1, rad2,
adjudicator). A missing install is a failure, never a skip: these tests are
the only proof that what we push really works in Label Studio.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from qaforge.annotate.server import LabelStudioServerError
from qaforge.sample import write_sample_data
from qaforge.testing.labelstudio import LabelStudioInstance, start_labelstudio_instance

REPO_ROOT = Path(__file__).resolve().parents[2]
LABELSTUDIO_VENV = REPO_ROOT / ".venv-labelstudio"
ARTIFACTS = REPO_ROOT / "test-artifacts"
STUDIES = ("STU-0001", "STU-0002", "STU-0003")


@pytest.fixture(scope="session")
def labelstudio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabelStudioInstance]:
    """The running server; stopped at the end of the session."""
    if not (LABELSTUDIO_VENV / "bin" / "label-studio").is_file():
        pytest.fail(
            f"Label Studio is not installed in {LABELSTUDIO_VENV}: run scripts/ensure-labelstudio.sh",
            pytrace=False,
        )
    try:
        instance = start_labelstudio_instance(
            LABELSTUDIO_VENV, tmp_path_factory.mktemp("labelstudio")
        )
    except LabelStudioServerError as exc:
        pytest.fail(f"{exc}\n{exc.hint}", pytrace=False)
    yield instance
    instance.stop()


@pytest.fixture(scope="session")
def small_source(tmp_path_factory) -> Path:
    """Three sample studies (reports and series)."""
    full = tmp_path_factory.mktemp("annotate-full")
    write_sample_data(full)
    out = tmp_path_factory.mktemp("annotate-source")
    lines = [
        line
        for line in (full / "reports.jsonl").read_text().splitlines()
        if json.loads(line)["study_id"] in STUDIES
    ]
    (out / "reports.jsonl").write_text("\n".join(lines) + "\n")
    for study in STUDIES:
        shutil.copytree(full / "series" / study, out / "series" / study)
    return out
