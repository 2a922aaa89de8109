"""`qaforge annotate push|pull|status` as a data engineer runs them, against the real server."""

from __future__ import annotations

import re
import uuid

import pytest
from typer.testing import CliRunner

from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.tasks import purpose_title
from qaforge.cli.app import app
from qaforge.store.engine import create_store_engine
from qaforge.testing.labelstudio import free_loopback_port

from ..pipeline.test_annotate import build, choices  # noqa: TID252

runner = CliRunner()


@pytest.fixture
def folder(labelstudio, monkeypatch, small_source):
    """A working folder under the media root with a built store in qaforge.db."""
    work = labelstudio.media_root / f"cli-{uuid.uuid4().hex[:10]}"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    for variable in (
        "QAFORGE_LS_URL",
        "QAFORGE_LS_TOKEN",
        "QAFORGE_LS_PROJECT",
        "QAFORGE_LS_MEDIA_ROOT",
    ):
        monkeypatch.delenv(variable, raising=False)
    assert runner.invoke(app, ["init"]).exit_code == 0
    engine = create_store_engine(f"sqlite:///{work / 'qaforge.db'}")
    try:
        build(engine, small_source, work / "images")
    finally:
        engine.dispose()
    return work


def run(*args: str, token: str | None = None):
    env = {"QAFORGE_LS_TOKEN": token} if token else {}
    return runner.invoke(app, list(args), env=env)


def test_push_pull_status_from_the_command_line(labelstudio, folder):
    token = labelstudio.accounts["admin"].token
    url = labelstudio.url
    project = f"cli-{folder.name}"
    common = ("--url", url, "--project", project)
    pushed = run(
        "annotate",
        "push",
        *common,
        "--media-root",
        str(labelstudio.media_root),
        "--budget",
        "4",
        token=token,
    )
    assert pushed.exit_code == 0, pushed.output
    imported = int(re.search(r"(\d+) tasks imported", pushed.output).group(1))
    assert imported > 0
    assert "(new)" in pushed.output
    assert token not in pushed.output

    again = run(
        "annotate",
        "push",
        *common,
        "--media-root",
        str(labelstudio.media_root),
        "--budget",
        "4",
        token=token,
    )
    assert again.exit_code == 0 and "0 tasks imported, 0 updated" in again.output

    with LabelStudioClient(url, token) as admin:
        single = next(
            p
            for p in admin.projects()
            if p["title"] == purpose_title(project, "review", "single_choice")
        )
        tasks = list(admin.iter_tasks(single["id"], with_annotations=False))
    with LabelStudioClient(url, labelstudio.accounts["rad1"].token) as rad1:
        rad1.create_annotation(tasks[0]["id"], [choices("verdict", "accept")])
        rad1.create_annotation(tasks[1]["id"], [choices("verdict", "correct")])  # unreadable
    pulled = run("annotate", "pull", *common, token=token)
    assert pulled.exit_code == 1, pulled.output
    assert "2 annotations: 1 new" in pulled.output and "1 unreadable" in pulled.output
    assert f"task {tasks[1]['id']} annotation" in pulled.output
    assert "verified" not in pulled.output  # one read of the two push's default --overlap asks

    with LabelStudioClient(url, labelstudio.accounts["rad2"].token) as rad2:
        rad2.create_annotation(tasks[0]["id"], [choices("verdict", "accept")])
    pulled = run("annotate", "pull", *common, token=token)
    assert "3 annotations: 1 new" in pulled.output and "1 verified" in pulled.output

    status = run("annotate", "status", "--project", project)
    assert status.exit_code == 0, status.output
    assert "1 verified" in status.output and "rad1@example.com 1" in status.output
    assert "rad2@example.com 1" in status.output
    assert "agreement" in status.output


def test_user_errors_are_one_line_without_secrets(labelstudio, folder):
    wrong = "0123456789abcdef0123456789abcdef01234567"
    refused = run(
        "annotate",
        "push",
        "--url",
        labelstudio.url,
        "--media-root",
        str(labelstudio.media_root),
        "--budget",
        "4",
        token=wrong,
    )
    assert refused.exit_code != 0, refused.output
    assert "E904" in refused.output and "refused the token" in refused.output
    assert wrong not in refused.output and "Traceback" not in refused.output

    down = f"http://127.0.0.1:{free_loopback_port()}"
    silent = run(
        "annotate",
        "push",
        "--url",
        down,
        "--media-root",
        str(labelstudio.media_root),
        "--budget",
        "4",
        token=wrong,
    )
    assert silent.exit_code != 0
    assert (
        "E903" in silent.output and "did not answer" in silent.output and wrong not in silent.output
    )

    unselected = run(
        "annotate",
        "push",
        "--url",
        labelstudio.url,
        "--media-root",
        str(labelstudio.media_root),
        "--budget",
        "8",
        token=labelstudio.accounts["admin"].token,
    )
    assert unselected.exit_code != 0 and "E907" in unselected.output
    assert "qaforge select --protocol clinical --budget 8" in unselected.output

    missing = run("annotate", "push", "--url", labelstudio.url)
    assert missing.exit_code != 0 and "E906" in missing.output

    never = run(
        "annotate",
        "pull",
        "--url",
        labelstudio.url,
        "--project",
        "never-pushed",
        token=labelstudio.accounts["admin"].token,
    )
    assert never.exit_code != 0 and "E902" in never.output


def test_serve_without_its_venv_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["annotate", "serve", "--venv", str(tmp_path / "no-venv")])
    assert result.exit_code != 0
    assert "E951" in result.output and "scripts/ensure-labelstudio.sh" in result.output
    assert "Traceback" not in result.output
    secrets_file = tmp_path / "labelstudio-data" / "admin.env"
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    token = secrets_file.read_text().split("QAFORGE_LS_TOKEN=")[1].strip()
    assert token not in result.output
