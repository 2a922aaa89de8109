"""A scripted OpenAI-compatible chat server on loopback, for tests and benchmarks.

It fakes only the model's *answers*: qaforge's own client, retries, parsing
and grounding run for real over real HTTP. The server runs in its own
process (so a benchmark measures the client, not the two sharing one
interpreter) and serves ``POST /v1/chat/completions``.

A request's report is the text between ``<report>`` and ``</report>`` in the
last user message (the shipped prompt puts it there); its key is the
SHA-256 of that text, or of the whole user text when there is no report
(multimodal questions: text parts joined by newlines; image parts are
counted per request in ``stats()["images"]``). The script maps keys to a list of replies, one per
attempt (the last repeats); reports not in the script get ``default``.

Replies (plain dicts, so they cross the process boundary):

- ``{"kind": "answer", "content": "..."}``: 200 with that message content
  (``"finish_reason": "length"`` added: an answer cut at ``max_tokens``);
- ``{"kind": "status", "status": 429, "headers": {"Retry-After": "1"}, "body": "..."}``;
- ``{"kind": "hang", "seconds": 30}``: answer nothing for that long;
- ``{"kind": "drop"}``: close the connection without answering.

``latency`` delays every reply; ``reject_json_schema`` answers 500 to a
``json_schema`` response format, as llama.cpp's server does; ``slots``
(0: unbounded) answers 503 to a request that finds every slot busy, as a
single-slot llama.cpp server overloaded does; ``owned_by`` is what
``GET /v1/models`` names as the model's owner. ``GET /stats`` returns
request counts (total, per key, per response format type, 503s for busy
slots, most requests in flight at once, ``max_tokens`` asked).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = dict[str, Any]
EMPTY_ANSWER: Reply = {"kind": "answer", "content": '{"findings": []}'}
_REPORT = re.compile(r"<report>\n?(.*?)\n?</report>", re.S)


def report_key(text: str) -> str:
    """The script key of a report text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def stated(findings: Iterable[Any]) -> list[dict[str, Any]]:
    """Findings (``qaforge.domain.vocabulary.Finding``) as a model would state them, quoting their evidence."""
    return [
        {
            "code": f.code,
            "value": f.value,
            "levels": list(f.levels),
            "walls": list(f.walls),
            "segments": list(f.segments),
            "certainty": f.certainty,
            "evidence": f.evidence.text,
        }
        for f in findings
    ]


def answer(findings: list[dict[str, Any]]) -> Reply:
    """An answer reply listing these findings."""
    return {"kind": "answer", "content": json.dumps({"findings": findings})}


class FakeLLMServer:
    """Start with ``with FakeLLMServer(script) as server:``; ``server.base_url`` is for the client.

    Args:
        script: Report key -> replies per attempt.
        default: Reply for reports not in the script.
        latency: Seconds before every reply.
        reject_json_schema: Answer 500 to ``response_format.type == "json_schema"``.
        slots: Requests served at once (0: any number); more are answered 503.
        owned_by: The ``owned_by`` of the one model ``GET /v1/models`` lists.
    """

    def __init__(
        self,
        script: dict[str, list[Reply]] | None = None,
        *,
        default: Reply = EMPTY_ANSWER,
        latency: float = 0.0,
        reject_json_schema: bool = False,
        slots: int = 0,
        owned_by: str = "fake",
    ) -> None:
        self.options = {"slots": slots, "owned_by": owned_by}
        self.script = script or {}
        self.default = default
        self.latency = latency
        self.reject_json_schema = reject_json_schema
        self.port = _free_port()
        self._process: multiprocessing.process.BaseProcess | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FakeLLMServer:
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(
            target=_serve,
            args=(
                self.port,
                self.script,
                self.default,
                self.latency,
                self.reject_json_schema,
                self.options,
            ),
            daemon=True,
        )
        self._process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self._process.is_alive():
            try:
                self.stats()
                return self
            except OSError:
                time.sleep(0.05)
        self.__exit__(None, None, None)
        raise RuntimeError("the fake LLM server did not start (died, or not up within 30 s)")

    def __exit__(self, *exc_info: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(5)
            self._process = None

    def stats(self) -> dict[str, Any]:
        """Requests received: ``{"total", "by_key", "formats", "images"}``."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=5) as reply:
            return json.loads(reply.read())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class _Script:
    """The server's script and what it has received so far (shared by its request threads)."""

    replies: dict[str, list[Reply]]
    default: Reply
    latency: float
    reject_json_schema: bool
    slots: int = 0
    owned_by: str = "fake"
    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    most_in_flight: int = 0
    busy: int = 0
    max_tokens: dict[str, int] = field(default_factory=dict)
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    formats: dict[str, int] = field(default_factory=dict)
    images: dict[str, int] = field(default_factory=dict)

    def enter(self) -> bool:
        """Take a slot for one request; False when every slot is busy (counted)."""
        with self.lock:
            if self.slots and self.in_flight >= self.slots:
                self.busy += 1
                return False
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            return True

    def leave(self) -> None:
        """Give the slot back."""
        with self.lock:
            self.in_flight -= 1

    def record(self, key: str, kind: str, images: int, max_tokens: object = None) -> int:
        """Count one request; returns its attempt number for that key (0 for the first)."""
        with self.lock:
            budget = str(max_tokens)
            self.max_tokens[budget] = self.max_tokens.get(budget, 0) + 1
            self.total += 1
            attempt = self.counts.get(key, 0)
            self.counts[key] = attempt + 1
            self.formats[kind] = self.formats.get(kind, 0) + 1
            self.images[str(images)] = self.images.get(str(images), 0) + 1
        return attempt

    def stats(self) -> dict[str, Any]:
        """Requests received: ``{"total", "by_key", "formats", "images"}``."""
        with self.lock:
            return {
                "total": self.total,
                "by_key": dict(self.counts),
                "formats": dict(self.formats),
                "images": dict(self.images),
                "busy": self.busy,
                "most_in_flight": self.most_in_flight,
                "max_tokens": dict(self.max_tokens),
            }

    def reply(self, key: str, attempt: int) -> Reply:
        """The scripted reply to this attempt for a key (the last one repeats)."""
        replies = self.replies.get(key) or [self.default]
        return replies[min(attempt, len(replies) - 1)]


def _request_key(request: dict[str, Any]) -> tuple[str, int]:
    """The script key of a chat request and how many image parts its last user message has."""
    messages = request.get("messages") or []
    user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    images = 0
    if isinstance(user, list):  # multimodal: text and image parts
        images = sum(1 for part in user if part.get("type") == "image_url")
        user = "\n".join(part.get("text", "") for part in user if part.get("type") == "text")
    found = _REPORT.search(user or "")
    key = report_key(found.group(1)) if found else report_key(user or "")
    return key, images


def _completion(
    request: dict[str, Any], content: str, attempt: int, finish_reason: str = "stop"
) -> dict[str, Any]:
    """An OpenAI chat completion answering with ``content``, usage counted at 4 characters a token."""
    messages = request.get("messages") or []
    prompt_chars = sum(len(str(m.get("content") or "")) for m in messages)
    return {
        "id": f"chatcmpl-{attempt}",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "fake"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": len(content) // 4,
            "total_tokens": prompt_chars // 4 + len(content) // 4,
        },
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without TCP_NODELAY, Nagle's
    # algorithm and the client's delayed ACK add ~40 ms to every reply
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet: requests carry report text

    def do_GET(self) -> None:  # noqa: N802
        script = self.server.script
        if self.path.rstrip("/").endswith("/models"):
            model = {"id": "fake", "object": "model", "owned_by": script.owned_by}
            self._send(200, json.dumps({"object": "list", "data": [model]}))
            return
        self._send(200, json.dumps(script.stats()))

    def do_POST(self) -> None:  # noqa: N802
        script = self.server.script
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        if not script.enter():
            self._send(503, json.dumps({"error": {"message": "no slot available"}}))
            return
        try:
            self._answer(script, request)
        finally:
            script.leave()

    def _answer(self, script: _Script, request: dict[str, Any]) -> None:
        key, images = _request_key(request)
        kind = (request.get("response_format") or {}).get("type", "none")
        attempt = script.record(key, kind, images, request.get("max_tokens"))
        if script.latency:
            time.sleep(script.latency)
        if script.reject_json_schema and kind == "json_schema":
            self._send(500, json.dumps({"error": {"message": "json_schema is not supported"}}))
            return
        reply = script.reply(key, attempt)
        if reply["kind"] == "hang":
            time.sleep(float(reply.get("seconds", 30)))
            self.close_connection = True
        elif reply["kind"] == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif reply["kind"] == "status":
            self._send(int(reply["status"]), reply.get("body", "{}"), reply.get("headers", {}))
        else:
            finish = reply.get("finish_reason", "stop")
            self._send(200, json.dumps(_completion(request, reply["content"], attempt, finish)))

    def _send(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, str(value))
        self.end_headers()
        self.wfile.write(data)


def _serve(
    port: int,
    script: dict[str, list[Reply]],
    default: Reply,
    latency: float,
    reject_json_schema: bool,
    options: dict[str, Any],
) -> None:
    server = _Server(("127.0.0.1", port), _Handler)
    server.script = _Script(script, default, latency, reject_json_schema, **options)
    server.serve_forever()


class _Server(ThreadingHTTPServer):
    # a class attribute: the listen backlog is set when the socket is bound,
    # and the default of 5 drops connections when 32 clients open at once
    request_queue_size = 1024
    daemon_threads = True
    script: _Script
