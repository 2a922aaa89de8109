"""The Label Studio client: label-studio-sdk calls, with qaforge's errors and retries around them.

Only the SDK lives in our virtual environment; the server runs from its own
(its pins clash with ours, see STACK.md). Every call goes through
``label_studio_sdk.LabelStudio`` except the two the SDK has no call for:
fetching a ``/data/local-files/`` URL (:meth:`LabelStudioClient.serves`) and
the server's ``/health`` (:mod:`qaforge.annotate.server`).

Retries: reads are retried by the SDK itself (its ``max_retries`` request
option: dropped connections, 5xx, 429); writes never are, since a POST
whose answer was lost may have been carried out. A connection that fails to
open is tried again by the transport (:mod:`qaforge.libs.http`) for every
call, writes and the streamed export included, because then nothing was
sent. The token is sent as ``Authorization: Token ...`` and appears in no
message, ``repr`` or exception this module raises; neither does any text of
the server's answers, which may quote task data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError
from label_studio_sdk.core.parse_error import ParsingError
from label_studio_sdk.core.request_options import RequestOptions

from qaforge.libs.http import TRANSPORT_ERRORS, HttpClient, HttpUnavailable

PAGE_SIZE = 500
READ_RETRIES = 2
"""Further tries of a read after a dropped connection or a 5xx/429 (the SDK waits 1 s, 2 s)."""
CONNECT_RETRIES = 3
"""Further tries of a connection that did not open (at once, 0.5 s and 1 s later)."""


class LabelStudioError(Exception):
    """Label Studio refused a request or could not be reached (one-line message).

    Attributes:
        status: The HTTP status of a refusal (``None`` when there was no answer).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LabelStudioUnavailable(LabelStudioError):
    """The server did not answer: down, restarting, or the URL is wrong.

    Attributes:
        url: The server.
        reason: How the connection failed, e.g. ``ConnectError`` or ``ReadTimeout``.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Label Studio at {url} did not answer ({reason})")
        self.url = url
        self.reason = reason


class LabelStudioClient:
    """Calls to one Label Studio server with one user's token.

    Dicts and lists of dicts come back, keyed as the server's JSON is.

    Args:
        url: The server's base URL, e.g. ``http://127.0.0.1:8080``.
        token: The user's API token (legacy token).
        timeout: Seconds per request.
        read_retries: Further tries of a read (see :data:`READ_RETRIES`).

    Raises:
        LabelStudioError: The SDK refused the token's form (an expired JWT).
    """

    def __init__(
        self, url: str, token: str, *, timeout: float = 120.0, read_retries: int = READ_RETRIES
    ) -> None:
        self.url = url.rstrip("/")
        self._reads: RequestOptions = {"max_retries": read_retries}
        self._http = HttpClient(
            self.url,
            headers={"Authorization": f"Token {token}"},
            timeout=timeout,
            connect_retries=CONNECT_RETRIES,
        )
        try:
            with self._answers("the client's token check"):
                # The key is passed: the SDK's default is LABEL_STUDIO_API_KEY
                # as it was when the SDK was imported. Writes are not retried.
                self._sdk = LabelStudio(
                    base_url=self.url,
                    api_key=token,
                    timeout=timeout,
                    max_retries=0,
                    httpx_client=self._http.pool,
                )
        except LabelStudioError:
            self._http.close()
            raise

    def __repr__(self) -> str:
        return f"LabelStudioClient({self.url!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> LabelStudioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _answers(self, call: str) -> Iterator[None]:
        """Turn the SDK's failures inside the block into ours.

        Args:
            call: What was asked, for the message (e.g. ``projects.create``).

        Raises:
            LabelStudioUnavailable: No answer came (refused, reset, timed out).
            LabelStudioError: The server refused the call (with its status).
        """
        try:
            yield
        except ApiError as error:
            raise refusal(self.url, call, error.status_code, error.body) from None
        except ParsingError as error:
            raise LabelStudioError(
                f"Label Studio at {self.url} answered {call} in a form the SDK does not read",
                error.status_code,
            ) from None
        except TRANSPORT_ERRORS as error:
            raise LabelStudioUnavailable(self.url, type(error).__name__) from None

    def serves(self, path: str) -> bool:
        """Whether the server answers a GET of ``path`` (e.g. a local-files image URL) with content.

        A request of our own: the SDK has no call for the files that storages serve.

        Raises:
            LabelStudioUnavailable: The server did not answer.
        """
        try:
            response = self._http.get(path)
        except HttpUnavailable as error:
            raise LabelStudioUnavailable(self.url, error.kind) from None
        return response.status_code < 400 and bool(response.content)

    def whoami(self) -> dict[str, Any]:
        """The token's user (id, email, active_organization, ...)."""
        with self._answers("users.whoami"):
            return plain(self._sdk.users.whoami(request_options=self._reads))

    def users(self) -> dict[int, str]:
        """User id -> e-mail of every user the token can see."""
        with self._answers("users.list"):
            rows = self._sdk.users.list(request_options=self._reads)
        return {int(row.id): str(row.email) for row in rows}

    def projects(self) -> list[dict[str, Any]]:
        """Every project the token can see (id, title, ...), all pages."""
        with self._answers("projects.list"):
            pager = self._sdk.projects.list(page_size=100, request_options=self._reads)
            return [plain(project) for project in pager]

    def project(self, project_id: int) -> dict[str, Any] | None:
        """One project, or ``None`` when the server has no such project."""
        try:
            with self._answers("projects.get"):
                return plain(self._sdk.projects.get(project_id, request_options=self._reads))
        except LabelStudioError as error:
            if error.status == 404:
                return None
            raise

    def create_project(
        self, *, title: str, label_config: str, overlap: int, description: str
    ) -> dict[str, Any]:
        """Create a project whose tasks each want ``overlap`` annotations, in import order."""
        with self._answers("projects.create"):
            created = self._sdk.projects.create(
                title=title,
                label_config=label_config,
                description=description,
                maximum_annotations=overlap,
                overlap_cohort_percentage=100,
                sampling="Sequential sampling",
                show_collab_predictions=True,
            )
        return plain(created)

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        """Change a project's settings (e.g. ``label_config``)."""
        with self._answers("projects.update"):
            return plain(self._sdk.projects.update(project_id, **fields))

    def local_storages(self, project_id: int) -> list[dict[str, Any]]:
        """The project's local-files import storages."""
        with self._answers("import_storage.local.list"):
            found = self._sdk.import_storage.local.list(
                project=project_id, request_options=self._reads
            )
        return [plain(storage) for storage in found]

    def create_local_storage(self, *, project_id: int, path: str, title: str) -> dict[str, Any]:
        """Let the project serve files under ``path`` (which must lie under the server's document root)."""
        with self._answers("import_storage.local.create"):
            made = self._sdk.import_storage.local.create(
                project=project_id, path=path, title=title, use_blob_urls=False
            )
        return plain(made)

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]]) -> list[int]:
        """Import tasks (data and predictions) in one request; returns their new ids in order."""
        with self._answers("projects.import_tasks"):
            found = self._sdk.projects.import_tasks(
                id=project_id, request=list(tasks), return_task_ids=True, commit_to_project=True
            )
        return [int(task_id) for task_id in plain(found).get("task_ids") or []]

    def iter_tasks(self, project_id: int, *, with_annotations: bool) -> Iterator[dict[str, Any]]:
        """Every task of a project: id and data, with full annotations when asked.

        Without annotations only ``id`` and ``data`` are asked for, page by
        page, which the server answers several times faster than whole tasks;
        with them, the project's export (one request).
        """
        if with_annotations:
            yield from self.export_tasks(project_id)
            return
        with self._answers("tasks.list"):
            pager = self._sdk.tasks.list(
                project=project_id,
                page_size=PAGE_SIZE,
                fields="task_only",
                include="id,data",
                request_options=self._reads,
            )
            # Read whole before yielding, so that no caller's work runs
            # between the pages (a failure mid-way is then always ours).
            tasks = [plain(task) for task in pager]
        yield from tasks

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Every task of a project with data, annotations (full) and predictions (ids only)."""
        with self._answers("projects.exports.download_sync"):
            chunks = self._sdk.projects.exports.download_sync(
                id=project_id, export_type="JSON", download_all_tasks=True
            )
            body = b"".join(chunks)
        try:
            return json.loads(body)
        except ValueError:
            raise LabelStudioError(
                f"Label Studio at {self.url} answered projects.exports.download_sync "
                "with something other than JSON"
            ) from None

    def update_task(self, task_id: int, data: dict[str, Any]) -> None:
        """Replace a task's data (its annotations and predictions stay)."""
        with self._answers("tasks.update"):
            self._sdk.tasks.update(id=task_id, data=data)

    def task_annotations(self, task_id: int) -> list[dict[str, Any]]:
        """A task's annotations."""
        with self._answers("annotations.list"):
            found = self._sdk.annotations.list(id=task_id, request_options=self._reads)
        return [plain(annotation) for annotation in found]

    def task_predictions(self, task_id: int) -> list[dict[str, Any]]:
        """A task's predictions in full (an export gives their ids only)."""
        with self._answers("predictions.list"):
            found = self._sdk.predictions.list(task=task_id, request_options=self._reads)
        return [plain(prediction) for prediction in found]

    def create_annotation(
        self, task_id: int, result: list[dict[str, Any]], *, lead_time: float | None = None
    ) -> dict[str, Any]:
        """Annotate a task as the token's user (what the labeling UI does on submit)."""
        extra = {} if lead_time is None else {"lead_time": lead_time}
        with self._answers("annotations.create"):
            return plain(self._sdk.annotations.create(id=task_id, result=result, **extra))

    def update_annotation(self, annotation_id: int, result: list[dict[str, Any]]) -> dict[str, Any]:
        """Edit an annotation's result."""
        with self._answers("annotations.update"):
            return plain(self._sdk.annotations.update(id=annotation_id, result=result))

    def delete_annotation(self, annotation_id: int) -> None:
        """Delete an annotation."""
        with self._answers("annotations.delete"):
            self._sdk.annotations.delete(id=annotation_id)


def plain(model: Any) -> dict[str, Any]:
    """An SDK answer as the server's JSON had it: the fields it sent, JSON-typed, by their names."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def refusal(url: str, call: str, status: int | None, body: Any) -> LabelStudioError:
    """The one-line error for a refused call.

    Args:
        url: The server.
        call: What was asked (e.g. ``projects.create``).
        status: The HTTP status (``None`` when the SDK refused before sending).
        body: The server's answer, as the SDK parsed it. Only the names of
            the fields it refused are shown: its texts may quote task data,
            which is report text.
    """
    if status == 401:
        return LabelStudioError(
            f"Label Studio at {url} refused the token (401); check QAFORGE_LS_TOKEN", 401
        )
    fields = refused_fields(body)
    detail = f" (refused: {_short(', '.join(fields), 120)})" if fields else ""
    return LabelStudioError(f"Label Studio at {url} answered {status} to {call}{detail}", status)


def refused_fields(body: Any) -> list[str]:
    """The names of the fields a refusal names (Label Studio's ``validation_errors``, or DRF's)."""
    if not isinstance(body, dict):
        return []
    named = body.get("validation_errors", body)
    if not isinstance(named, dict):
        return []
    return sorted(str(key) for key, value in named.items() if isinstance(value, list | dict))


def _short(text: str, limit: int) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
