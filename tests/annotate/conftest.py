"""One real Label Studio server for the whole test session.

It runs from ``.venv-labelstudio`` (made by ``scripts/ensure-labelstudio.sh``)
on a free loopback port, with an admin and three annotators (rad1, rad2,
adjudicator). A missing install is a failure, never a skip: these tests are
the only proof that what we push really works in Label Studio.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qaforge.annotate.server import LabelStudioServerError
from qaforge.testing.labelstudio import LabelStudioInstance, start_labelstudio_instance

REPO_ROOT = Path(__file__).resolve().parents[2]
LABELSTUDIO_VENV = REPO_ROOT / ".venv-labelstudio"
ARTIFACTS = REPO_ROOT / "test-artifacts"


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
