"""The Label Studio client on label-studio-sdk: its calls against the real server, its errors.

Refusals become :class:`LabelStudioError` with the status, silences
:class:`LabelStudioUnavailable` naming the URL; neither says the token or any
text of the server's answer. Reads are retried on a 503, writes are not (a
loopback server that answers 503 counts the tries).
"""

from __future__ import annotations

import json
import socket
import traceback
import uuid
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from qaforge.annotate.client import (
    PAGE_SIZE,
    READ_RETRIES,
    LabelStudioClient,
    LabelStudioError,
    LabelStudioUnavailable,
)

from ..conftest import serve_on_loopback  # noqa: TID252

CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="verdict" toName="text" choice="single">
    <Choice value="accept"/><Choice value="reject"/>
  </Choices>
</View>"""


def verdict(value: str) -> list[dict]:
    return [
        {
            "from_name": "verdict",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [value]},
        }
    ]


@pytest.fixture
def admin(labelstudio) -> Iterator[LabelStudioClient]:
    with LabelStudioClient(labelstudio.url, labelstudio.accounts["admin"].token) as client:
        yield client


def new_project(client: LabelStudioClient) -> int:
    made = client.create_project(
        title=f"client {uuid.uuid4().hex[:8]}", label_config=CONFIG, overlap=2, description="t"
    )
    return int(made["id"])


def test_projects_are_created_found_and_changed(admin):
    project_id = new_project(admin)
    found = admin.project(project_id)
    assert found is not None and found["maximum_annotations"] == 2
    assert found["sampling"] == "Sequential sampling"
    assert project_id in {int(p["id"]) for p in admin.projects()}
    admin.update_project(project_id, description="changed")
    assert admin.project(project_id)["description"] == "changed"
    assert admin.project(10**9) is None


def test_tasks_are_listed_across_pages_and_exported_with_annotations(admin, labelstudio):
    project_id = new_project(admin)
    payloads = [{"data": {"text": f"task {n}"}} for n in range(PAGE_SIZE + 3)]
    payloads[0]["predictions"] = [{"result": verdict("accept"), "model_version": "m1"}]
    ids = admin.import_tasks(project_id, payloads)
    assert len(ids) == len(set(ids)) == PAGE_SIZE + 3

    listed = list(admin.iter_tasks(project_id, with_annotations=False))
    assert sorted(t["id"] for t in listed) == sorted(ids)
    assert {t["data"]["text"] for t in listed} == {p["data"]["text"] for p in payloads}

    admin.update_task(ids[1], {"text": "changed"})
    with LabelStudioClient(labelstudio.url, labelstudio.accounts["rad1"].token) as rad1:
        made = rad1.create_annotation(ids[1], verdict("accept"), lead_time=3.5)
        rad1.update_annotation(made["id"], verdict("reject"))
        gone = rad1.create_annotation(ids[2], verdict("accept"))
        rad1.delete_annotation(gone["id"])
    [annotation] = admin.task_annotations(ids[1])
    assert annotation["result"][0]["value"]["choices"] == ["reject"]
    assert admin.task_annotations(ids[2]) == []
    assert [p["model_version"] for p in admin.task_predictions(ids[0])] == ["m1"]

    exported = {t["id"]: t for t in admin.iter_tasks(project_id, with_annotations=True)}
    assert set(exported) == set(ids)
    assert exported[ids[1]]["data"]["text"] == "changed"
    [full] = exported[ids[1]]["annotations"]
    assert full["result"][0]["value"]["choices"] == ["reject"] and full["lead_time"] == 3.5
    users = admin.users()
    assert users[full["completed_by"]] == "rad1@example.com"


def test_local_storage_is_made_and_listed(admin, labelstudio):
    project_id = new_project(admin)
    folder = labelstudio.media_root / f"client-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    made = admin.create_local_storage(project_id=project_id, path=str(folder), title="imgs")
    assert [(s["id"], s["path"]) for s in admin.local_storages(project_id)] == [
        (made["id"], str(folder))
    ]


def test_whoami_names_the_tokens_user(admin):
    assert admin.whoami()["email"] == "admin@example.com"


def shown(error: BaseException) -> str:
    """What a user or a log sees of an error: its lines and repr; the SDK's error is not chained."""
    assert error.__cause__ is None and error.__suppress_context__
    return "".join(traceback.format_exception_only(error)) + repr(error)


def test_wrong_token_is_a_401_without_the_token(labelstudio):
    token = "f" * 40
    with LabelStudioClient(labelstudio.url, token) as client:
        with pytest.raises(LabelStudioError) as caught:
            client.projects()
        assert token not in repr(client)
    assert caught.value.status == 401
    assert not isinstance(caught.value, LabelStudioUnavailable)
    assert str(caught.value) == (
        f"Label Studio at {labelstudio.url} refused the token (401); check QAFORGE_LS_TOKEN"
    )
    assert token not in shown(caught.value)


def test_refusal_names_the_call_and_fields_but_no_text_of_the_answer(admin, labelstudio):
    # Label Studio quotes the offending config back ("toName=... not found"); the message must not.
    secret_text = "Sarah_Connor_Royal_Brompton"
    bad_config = (
        f'<View><Text name="t" value="$t"/><Choices name="c" toName="{secret_text}">'
        '<Choice value="a"/></Choices></View>'
    )
    with pytest.raises(LabelStudioError) as caught:
        admin.create_project(title="bad config", label_config=bad_config, overlap=1, description="")
    assert caught.value.status == 400
    assert str(caught.value) == (
        f"Label Studio at {labelstudio.url} answered 400 to projects.create (refused: label_config)"
    )
    assert secret_text not in shown(caught.value)
    assert labelstudio.accounts["admin"].token not in shown(caught.value)

    # A refused import quotes the task's data back ("... key is expected :: {data}").
    project_id = new_project(admin)
    with pytest.raises(LabelStudioError) as caught:
        admin.import_tasks(project_id, [{"data": {"report": "Pt: CONNOR, Sarah"}}])
    assert str(caught.value) == (
        f"Label Studio at {labelstudio.url} answered 400 to projects.import_tasks "
        "(refused: non_field_errors)"
    )
    assert "CONNOR" not in shown(caught.value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nobody listens


def test_server_down_is_unavailable_naming_the_url():
    url = f"http://127.0.0.1:{free_port()}"
    token = "s3cret-token-value"
    with LabelStudioClient(url, token, read_retries=0) as client:
        with pytest.raises(LabelStudioUnavailable) as caught:
            client.whoami()
        with pytest.raises(LabelStudioUnavailable):
            client.create_annotation(1, verdict("accept"))
        with pytest.raises(LabelStudioUnavailable):
            client.serves("/data/local-files/?d=x.png")
    assert str(caught.value) == f"Label Studio at {url} did not answer (ConnectError)"
    assert caught.value.url == url and caught.value.status is None
    assert token not in shown(caught.value)


class _Busy(BaseHTTPRequestHandler):
    """Answers 503 to the first two tries of each request, then 200 (a restarting server)."""

    tries: Counter[str] = Counter()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def _answer(self) -> None:
        key = f"{self.command} {self.path}"
        self.tries[key] += 1
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
        busy = self.tries[key] <= 2
        body = json.dumps({"detail": "busy"} if busy else {"id": 1, "email": "a@b.c"}).encode()
        self.send_response(503 if busy else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer  # noqa: N815
    do_POST = _answer  # noqa: N815


@pytest.fixture
def busy_url() -> Iterator[str]:
    _Busy.tries.clear()
    with serve_on_loopback(_Busy) as url:
        yield url


def test_reads_are_retried_and_writes_are_not(busy_url):
    assert READ_RETRIES >= 2
    with LabelStudioClient(busy_url, "t0ken-not-shown") as client:
        assert client.whoami()["email"] == "a@b.c"
        with pytest.raises(LabelStudioError) as caught:
            client.create_annotation(7, verdict("accept"))
    assert caught.value.status == 503
    assert str(caught.value) == f"Label Studio at {busy_url} answered 503 to annotations.create"
    assert _Busy.tries == Counter(
        {"GET /api/current-user/whoami": 3, "POST /api/tasks/7/annotations/": 1}
    )
