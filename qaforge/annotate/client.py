"""A small HTTP client for the parts of Label Studio's REST API that qaforge uses.

The server runs from its own virtual environment (its pins clash with
ours), so qaforge talks to it over HTTP (:mod:`qaforge.libs.http`) rather
than importing the SDK. The token is sent as ``Authorization: Token ...``
and appears in no message, log line or exception this module raises.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from qaforge.libs.http import HttpClient, HttpResponse, HttpUnavailable

PAGE_SIZE = 500
READ_RETRIES = 3


class LabelStudioError(Exception):
    """Label Studio refused a request or could not be reached (one-line message).

    Attributes:
        status: The HTTP status of a refusal (``None`` when there was no answer).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LabelStudioUnavailable(LabelStudioError):
    """The server did not answer: down, restarting, or the URL is wrong."""


class LabelStudioClient:
    """Calls to one Label Studio server with one user's token.

    Args:
        url: The server's base URL, e.g. ``http://127.0.0.1:8080``.
        token: The user's API token (legacy token).
        timeout: Seconds per request.
    """

    def __init__(self, url: str, token: str, *, timeout: float = 120.0) -> None:
        self.url = url.rstrip("/")
        self._http = HttpClient(
            self.url, headers={"Authorization": f"Token {token}"}, timeout=timeout
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> LabelStudioClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, path: str, *, retries: int = 0, **kwargs: Any) -> Any:
        """One call; GETs are retried on connection errors, writes never are."""
        response = self._send(method, path, retries=retries, **kwargs)
        if response.status_code == 401:
            raise LabelStudioError(
                f"Label Studio at {self.url} refused the token (401); check QAFORGE_LS_TOKEN",
                401,
            )
        if response.status_code >= 400:
            raise LabelStudioError(
                f"Label Studio answered {response.status_code} to {method} {path}: "
                f"{_short(response.text)}",
                response.status_code,
            )
        if not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, *, retries: int, **kwargs: Any) -> HttpResponse:
        """The server's answer, after up to ``retries`` more tries with backoff if none came."""
        for attempt in range(retries):
            try:
                return self._http.request(method, path, **kwargs)
            except HttpUnavailable:
                time.sleep(0.5 * 2**attempt)
        try:
            return self._http.request(method, path, **kwargs)
        except HttpUnavailable as error:
            raise LabelStudioUnavailable(
                f"Label Studio at {self.url} did not answer ({error.kind})"
            ) from None

    def serves(self, path: str) -> bool:
        """Whether the server answers a GET of ``path`` (e.g. a local-files image URL) with content.

        Raises:
            LabelStudioUnavailable: The server did not answer.
        """
        response = self._send("GET", path, retries=READ_RETRIES)
        return response.status_code < 400 and bool(response.content)

    def whoami(self) -> dict[str, Any]:
        """The token's user (id, email, ...)."""
        return self._request("GET", "/api/current-user/whoami", retries=READ_RETRIES)

    def users(self) -> dict[int, str]:
        """User id -> e-mail of every user the token can see."""
        found = self._request(
            "GET", "/api/users/", params={"page_size": 10000}, retries=READ_RETRIES
        )
        rows = found["results"] if isinstance(found, dict) else found
        return {int(row["id"]): str(row["email"]) for row in rows}

    def projects(self) -> list[dict[str, Any]]:
        """Every project the token can see (id, title, ...)."""
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            found = self._request(
                "GET",
                "/api/projects/",
                params={"page": page, "page_size": 100},
                retries=READ_RETRIES,
            )
            if isinstance(found, list):
                return found
            rows.extend(found["results"])
            if not found.get("next"):
                return rows
            page += 1

    def project(self, project_id: int) -> dict[str, Any] | None:
        """One project, or ``None`` when the server has no such project."""
        try:
            return self._request("GET", f"/api/projects/{project_id}/", retries=READ_RETRIES)
        except LabelStudioError as error:
            if error.status == 404:
                return None
            raise

    def create_project(
        self, *, title: str, label_config: str, overlap: int, description: str
    ) -> dict[str, Any]:
        """Create a project whose tasks each want ``overlap`` annotations, in import order."""
        return self._request(
            "POST",
            "/api/projects/",
            json={
                "title": title,
                "label_config": label_config,
                "description": description,
                "maximum_annotations": overlap,
                "overlap_cohort_percentage": 100,
                "sampling": "Sequential sampling",
                "show_collab_predictions": True,
            },
        )

    def update_project(self, project_id: int, **fields: Any) -> dict[str, Any]:
        """Change a project's settings (e.g. ``label_config``)."""
        return self._request("PATCH", f"/api/projects/{project_id}/", json=fields)

    def local_storages(self, project_id: int) -> list[dict[str, Any]]:
        """The project's local-files import storages."""
        return self._request(
            "GET", "/api/storages/localfiles/", params={"project": project_id}, retries=READ_RETRIES
        )

    def create_local_storage(self, *, project_id: int, path: str, title: str) -> dict[str, Any]:
        """Let the project serve files under ``path`` (which must lie under the server's document root)."""
        return self._request(
            "POST",
            "/api/storages/localfiles/",
            json={"project": project_id, "path": path, "title": title, "use_blob_urls": False},
        )

    def import_tasks(self, project_id: int, tasks: Sequence[dict[str, Any]]) -> list[int]:
        """Import tasks (data and predictions) in one request; returns their new ids in order."""
        found = self._request(
            "POST",
            f"/api/projects/{project_id}/import",
            params={"return_task_ids": "true", "commit_to_project": "true"},
            json=list(tasks),
        )
        return [int(task_id) for task_id in found.get("task_ids") or []]

    def iter_tasks(self, project_id: int, *, with_annotations: bool) -> Iterator[dict[str, Any]]:
        """Every task of a project, page by page: id and data, with full annotations when asked.

        Without annotations only ``id`` and ``data`` are asked for, which the
        server answers several times faster than whole tasks.
        """
        if with_annotations:
            yield from self.export_tasks(project_id)
            return
        page = 1
        while True:
            try:
                found = self._request(
                    "GET",
                    "/api/tasks/",
                    params={
                        "project": project_id,
                        "page": page,
                        "page_size": PAGE_SIZE,
                        "fields": "task_only",
                        "include": "id,data",
                    },
                    retries=READ_RETRIES,
                )
            except LabelStudioError as error:
                if error.status == 404:  # past the last page
                    return
                raise
            tasks = found["tasks"] if isinstance(found, dict) else found
            yield from tasks
            if len(tasks) < PAGE_SIZE:
                return
            page += 1

    def export_tasks(self, project_id: int) -> list[dict[str, Any]]:
        """Every task of a project with data, annotations (full) and predictions, in one export."""
        return self._request(
            "GET",
            f"/api/projects/{project_id}/export",
            params={"exportType": "JSON", "download_all_tasks": "true"},
            retries=READ_RETRIES,
        )

    def update_task(self, task_id: int, data: dict[str, Any]) -> None:
        """Replace a task's data (its annotations and predictions stay)."""
        self._request("PATCH", f"/api/tasks/{task_id}/", json={"data": data})

    def task_annotations(self, task_id: int) -> list[dict[str, Any]]:
        """A task's annotations."""
        return self._request("GET", f"/api/tasks/{task_id}/annotations/", retries=READ_RETRIES)

    def create_annotation(
        self, task_id: int, result: list[dict[str, Any]], *, lead_time: float | None = None
    ) -> dict[str, Any]:
        """Annotate a task as the token's user (what the labeling UI does on submit)."""
        body: dict[str, Any] = {"result": result}
        if lead_time is not None:
            body["lead_time"] = lead_time
        return self._request("POST", f"/api/tasks/{task_id}/annotations/", json=body)

    def update_annotation(self, annotation_id: int, result: list[dict[str, Any]]) -> dict[str, Any]:
        """Edit an annotation's result."""
        return self._request("PATCH", f"/api/annotations/{annotation_id}/", json={"result": result})

    def delete_annotation(self, annotation_id: int) -> None:
        """Delete an annotation."""
        self._request("DELETE", f"/api/annotations/{annotation_id}/")


def _short(text: str, limit: int = 300) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"
