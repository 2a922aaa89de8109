"""The one httpx module: the HTTP client base of every server qaforge talks to.

Label Studio (its REST API and its health check) and OpenAI-compatible LLM
servers are reached through here. A client has a base URL, a timeout and
headers that may hold secrets (``Authorization``): they are sent, never
shown. ``repr`` of a client names its URL only, and a failure to get an
answer becomes :class:`HttpUnavailable`, whose text is the connection
problem (refused, reset, timed out) without the request's headers.
Libraries built on httpx (label-studio-sdk) get their connection pool from
:attr:`HttpClient.pool` and raise :data:`TRANSPORT_ERRORS` when no answer came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError,)
"""What httpx, and a library built on it, raises when no answer came (refused, reset, timed out)."""


class HttpUnavailable(Exception):
    """No answer came: the server refused or dropped the connection, or timed out.

    Attributes:
        kind: The kind of failure, e.g. ``ConnectError`` or ``ReadTimeout``.
    """

    def __init__(self, message: str, *, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class HttpStatusError(Exception):
    """A server answered with an error status (4xx or 5xx).

    Attributes:
        status_code: The status.
    """

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class HttpResponse:
    """A server's answer.

    Args:
        raw: The answer as httpx holds it (from :class:`HttpClient`, or from a
            library built on httpx such as ``openai``).
    """

    def __init__(self, raw: httpx.Response) -> None:
        self._raw = raw

    @property
    def status_code(self) -> int:
        """The HTTP status code."""
        return self._raw.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        """The answer's headers (names case-insensitive)."""
        return self._raw.headers

    @property
    def content(self) -> bytes:
        """The body as bytes."""
        return self._raw.content

    @property
    def text(self) -> str:
        """The body decoded by its declared (or detected) charset."""
        return self._raw.text

    def text_if_read(self) -> str | None:
        """The decoded body, or None if it was not read (a stream) or does not decode."""
        try:
            return self._raw.text
        except (httpx.ResponseNotRead, UnicodeDecodeError):
            return None

    def raise_for_status(self) -> None:
        """Refuse an error status.

        Raises:
            HttpStatusError: The status is 400 or more (the message names the
                status, method and URL path, never headers or body).
        """
        if self._raw.status_code >= 400:
            request = self._raw.request
            raise HttpStatusError(
                f"HTTP {self._raw.status_code} for {request.method} {request.url.path}",
                status_code=self._raw.status_code,
            )

    def json(self) -> Any:
        """The body parsed as JSON.

        Raises:
            ValueError: The body is not JSON.
        """
        return self._raw.json()


class HttpClient:
    """A connection pool to one server; use as a context manager or call :meth:`close`.

    Args:
        base_url: Prefix of every request path, e.g. ``http://127.0.0.1:8080``
            (empty: requests give whole URLs).
        timeout: Seconds per request (connect, read, write and pool each).
        headers: Sent with every request; may hold secrets, which are never
            shown in ``repr`` or in an error.
        connect_retries: Further tries of a connection that failed to open
            (refused, connect timeout): at once, then 0.5 s, 1 s, ... later
            (httpcore's backoff). Safe for every method: nothing was sent.
    """

    def __init__(
        self,
        base_url: str = "",
        *,
        timeout: float,
        headers: Mapping[str, str] | None = None,
        connect_retries: int = 0,
    ) -> None:
        self.base_url = base_url
        self._http = httpx.Client(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=timeout,
            transport=httpx.HTTPTransport(retries=connect_retries),
        )

    def __repr__(self) -> str:
        return f"HttpClient({self.base_url!r})"

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def pool(self) -> httpx.Client:
        """The connection pool itself, for a library built on httpx (its headers included)."""
        return self._http

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> HttpResponse:
        """Send one request and read the whole answer.

        Args:
            method: ``GET``, ``POST``, ``PATCH``, ``DELETE``, ...
            path: Path under the base URL (or a whole URL).
            params: Query parameters.
            json: A body to send as JSON.

        Returns:
            The answer, whatever its status.

        Raises:
            HttpUnavailable: No answer came (connection refused or lost, timeout).
        """
        try:
            return HttpResponse(self._http.request(method, path, params=params, json=json))
        except httpx.TransportError as error:
            raise HttpUnavailable(str(error), kind=type(error).__name__) from None

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> HttpResponse:
        """``GET`` one path; see :meth:`request`."""
        return self.request("GET", path, params=params)

    def post(
        self, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> HttpResponse:
        """``POST`` to one path; see :meth:`request`."""
        return self.request("POST", path, params=params, json=json)
