"""The HTTP client base: answers wrapped, no answer mapped to HttpUnavailable, secrets unshown."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from qaforge.libs.http import HttpClient, HttpStatusError, HttpUnavailable

from ..conftest import serve_on_loopback  # noqa: TID252

SECRET = "Token s3cret-value"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        status = 404 if self.path.startswith("/missing") else 200
        body = json.dumps({"path": self.path, "auth": self.headers.get("Authorization")}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Retry-After", "2")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with serve_on_loopback(_Handler) as url:
        yield url


def test_requests_carry_headers_and_answers_are_read(server_url: str) -> None:
    with HttpClient(server_url, timeout=5, headers={"Authorization": SECRET}) as client:
        answer = client.get("/api/x", params={"page": 2})
    assert answer.status_code == 200
    assert answer.json() == {"path": "/api/x?page=2", "auth": SECRET}
    assert answer.headers["retry-after"] == "2"
    assert answer.text_if_read() == answer.text
    answer.raise_for_status()


def test_error_status_is_refused_without_secrets(server_url: str) -> None:
    with HttpClient(server_url, timeout=5, headers={"Authorization": SECRET}) as client:
        answer = client.get("/missing")
        assert SECRET not in repr(client)
    with pytest.raises(HttpStatusError) as caught:
        answer.raise_for_status()
    assert caught.value.status_code == 404
    assert str(caught.value) == "HTTP 404 for GET /missing"


def test_no_answer_is_http_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when the block ends: nobody listens
    with HttpClient(
        f"http://127.0.0.1:{port}", timeout=5, headers={"Authorization": SECRET}
    ) as client:
        with pytest.raises(HttpUnavailable) as caught:
            client.get("/health")
    assert caught.value.kind == "ConnectError"
    assert SECRET not in str(caught.value)
