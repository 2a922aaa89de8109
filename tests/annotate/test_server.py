"""The local Label Studio server: accounts, local-files media, rendering, crash recovery."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from qaforge.annotate.server import (
    LabelStudioServerError,
    ServerSettings,
    labelstudio_executable,
    server_environment,
    whoami,
)
from qaforge.testing.labelstudio import LabelStudioInstance
from qaforge.testing.screenshot import screenshot_task

from ..conftest import ARTIFACTS  # noqa: TID252

QUESTION = "Is the LV dilated?"
LABEL_CONFIG = (
    '<View><Text name="q" value="$question"/><Image name="img" value="$image"/>'
    '<Choices name="v" toName="q"><Choice value="accept"/></Choices></View>'
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class PushedTask:
    project_id: int
    task_id: int
    image_path: str  # relative to the media root
    image_url: str  # as stored in the task


@pytest.fixture(scope="module")
def admin(labelstudio: LabelStudioInstance) -> Iterator[httpx.Client]:
    """An HTTP client authenticated with the admin's token."""
    token = labelstudio.accounts["admin"].token
    with httpx.Client(
        base_url=labelstudio.url, headers={"Authorization": f"Token {token}"}, timeout=60
    ) as client:
        yield client


@pytest.fixture(scope="module")
def pushed(labelstudio: LabelStudioInstance, admin: httpx.Client) -> PushedTask:
    """A project with local-files storage and one task whose image lives in the media root."""
    project = admin.post(
        "/api/projects", json={"title": "server smoke test", "label_config": LABEL_CONFIG}
    )
    assert project.status_code == 201, project.text
    project_id = project.json()["id"]

    folder = labelstudio.media_root / "smoke"
    folder.mkdir()
    # A gradient, so a blank render would show in the screenshot.
    image = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
    image.save(folder / "lv.png")
    storage = admin.post(
        "/api/storages/localfiles",
        json={"project": project_id, "path": str(folder), "title": "smoke", "use_blob_urls": False},
    )
    assert storage.status_code == 201, storage.text

    image_url = "/data/local-files/?d=smoke/lv.png"
    imported = admin.post(
        f"/api/projects/{project_id}/import",
        params={"return_task_ids": True},
        json=[{"data": {"question": QUESTION, "image": image_url}}],
    )
    assert imported.status_code == 201, imported.text
    (task_id,) = imported.json()["task_ids"]
    return PushedTask(project_id, task_id, "smoke/lv.png", image_url)


def settings_for(tmp_path: Path) -> ServerSettings:
    return ServerSettings(
        venv=tmp_path / "venv",
        data_dir=tmp_path / "data",
        media_root=tmp_path / "media",
        port=18080,
        admin_email="admin@example.com",
        admin_password="pw-not-shown",
        admin_token="token-not-shown",
    )


def test_settings_never_show_secrets(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    assert settings.url == "http://127.0.0.1:18080"
    assert "not-shown" not in repr(settings)
    assert "admin@example.com" in repr(settings)


def test_environment_drops_stray_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USERNAME", "PASSWORD", "HOST", "LABEL_STUDIO_DEBUG", "HEARTEX_X"):
        monkeypatch.setenv(name, "stray")
    env = server_environment(settings_for(tmp_path))
    assert not {"USERNAME", "PASSWORD", "HOST", "LABEL_STUDIO_DEBUG", "HEARTEX_X"} & env.keys()
    assert env["LABEL_STUDIO_BASE_DATA_DIR"] == str((tmp_path / "data").resolve())
    assert env["LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT"] == str((tmp_path / "media").resolve())
    assert env["LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN"] == "true"
    assert env["LABEL_STUDIO_USER_TOKEN"] == "token-not-shown"
    # Label Studio's per-user files stay inside the data directory.
    assert env["XDG_CONFIG_HOME"].startswith(env["LABEL_STUDIO_BASE_DATA_DIR"])


def test_missing_install_names_the_script(tmp_path: Path) -> None:
    with pytest.raises(LabelStudioServerError, match="ensure-labelstudio.sh") as caught:
        labelstudio_executable(tmp_path / "nowhere")
    assert caught.value.code == "E951"


def test_admin_token_works(labelstudio: LabelStudioInstance) -> None:
    assert whoami(labelstudio.url, labelstudio.accounts["admin"].token)["email"] == (
        "admin@example.com"
    )


@pytest.mark.parametrize("name", ["rad1", "rad2", "adjudicator"])
def test_annotator_token_works_and_user_is_in_the_organisation(
    labelstudio: LabelStudioInstance, name: str
) -> None:
    admin = whoami(labelstudio.url, labelstudio.accounts["admin"].token)
    user = whoami(labelstudio.url, labelstudio.accounts[name].token)
    assert user["email"] == f"{name}@example.com"
    assert user["active_organization"] == admin["active_organization"]


def test_wrong_token_is_refused(labelstudio: LabelStudioInstance) -> None:
    with pytest.raises(LabelStudioServerError, match="answered 401"):
        whoami(labelstudio.url, "0" * 40)


def test_local_file_is_served_with_a_token(admin: httpx.Client, pushed: PushedTask) -> None:
    response = admin.get("/data/local-files/", params={"d": pushed.image_path})
    assert response.status_code == 200
    assert response.content.startswith(PNG_SIGNATURE)


def test_task_renders_for_an_annotator(
    labelstudio: LabelStudioInstance, pushed: PushedTask, tmp_path: Path
) -> None:
    rad1 = labelstudio.accounts["rad1"]
    shot = screenshot_task(
        url=labelstudio.url,
        email=rad1.email,
        password=rad1.password,
        project_id=pushed.project_id,
        task_id=pushed.task_id,
        out_png=tmp_path / "task.png",
        expect_text=QUESTION,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot.path, ARTIFACTS / "labelstudio-task.png")

    assert QUESTION in shot.text
    png = shot.path.read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) > 10_000
    media_url = labelstudio.url + pushed.image_url
    assert any(r.url == media_url and r.status == 200 for r in shot.media), shot.media
    # The editor draws the image it fetched from a blob: URL; it must have decoded.
    assert any(image.in_editor and image.natural_width == 320 for image in shot.images), shot.images


def test_data_survives_a_crash(
    labelstudio: LabelStudioInstance, admin: httpx.Client, pushed: PushedTask
) -> None:
    labelstudio.kill()
    try:
        with pytest.raises(LabelStudioServerError, match="cannot reach"):
            whoami(labelstudio.url, labelstudio.accounts["admin"].token)
    finally:
        labelstudio.start()

    project = admin.get(f"/api/projects/{pushed.project_id}")
    assert project.status_code == 200
    assert project.json()["title"] == "server smoke test"
    tasks = admin.get("/api/tasks", params={"project": pushed.project_id}).json()["tasks"]
    assert [task["data"]["question"] for task in tasks] == [QUESTION]
    assert whoami(labelstudio.url, labelstudio.accounts["rad2"].token)["email"] == (
        "rad2@example.com"
    )

    labelstudio.restart()
    assert admin.get(f"/api/projects/{pushed.project_id}").status_code == 200
