"""Asking an OpenAI-compatible server, resiliently: limits, retries, backoff, Retry-After.

Uses the ``openai`` async client (its own retries off: retries are ours, so
that 429, 5xx, timeouts and lost connections are all handled the same way,
with exponential backoff, full jitter and the server's ``Retry-After``).
Concurrency is bounded by a semaphore; requests and tokens per minute by a
sliding-window limiter. Every call returns a :class:`CallResult`; nothing
raises for a server's misbehaviour.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections import deque
from dataclasses import dataclass

import openai

from qaforge.extract.llm.answer import answer_schema
from qaforge.libs.http import HttpResponse, async_http_client
from qaforge.settings import LLMSettings

RAW_LIMIT = 20_000
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class CallResult:
    """What one request (with its retries) gave.

    Attributes:
        content: The answer's message content, ``None`` on failure.
        prompt_tokens: Prompt tokens the server counted (summed over attempts that answered).
        completion_tokens: Answer tokens the server counted.
        attempts: Requests sent.
        error: Why it failed, in one line (``None`` on success).
        raw: The last raw response body on failure (truncated), kept for the record.
    """

    content: str | None
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    error: str | None = None
    raw: str | None = None


class MinuteLimiter:
    """Sliding one-minute window over requests and tokens; ``0`` means no limit.

    ``granted`` keeps (time, tokens) of every request let through, for the
    run's record and for tests.
    """

    def __init__(
        self, requests_per_minute: int, tokens_per_minute: int, *, window_seconds: float = 60.0
    ) -> None:
        self.requests_per_minute = requests_per_minute
        self.tokens_per_minute = tokens_per_minute
        self.window = window_seconds
        self.granted: list[tuple[float, int]] = []
        self._events: deque[tuple[float, int]] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        """Wait until one more request of ``tokens`` tokens fits in the last minute."""
        if not self.requests_per_minute and not self.tokens_per_minute:
            return
        async with self._lock:
            while True:
                now = time.monotonic()
                while self._events and now - self._events[0][0] >= self.window:
                    self._events.popleft()
                used = sum(n for _, n in self._events)
                fits_requests = (
                    not self.requests_per_minute or len(self._events) < self.requests_per_minute
                )
                fits_tokens = (
                    not self.tokens_per_minute
                    or used + tokens <= self.tokens_per_minute
                    or not self._events
                )
                if fits_requests and fits_tokens:
                    self._events.append((now, tokens))
                    self.granted.append((now, tokens))
                    return
                await asyncio.sleep(max(0.001, self.window - (now - self._events[0][0])))


class LLMCaller:
    """One client, semaphore and limiter for a run; :meth:`complete` asks for one report."""

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self.client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=key,
            max_retries=0,
            timeout=settings.timeout_seconds,
            http_client=async_http_client(
                max_connections=settings.concurrency, timeout=settings.timeout_seconds
            ),
        )
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        self.limiter = MinuteLimiter(settings.requests_per_minute, settings.tokens_per_minute)

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.client.close()

    @functools.cached_property
    def _response_format(self) -> dict[str, object]:
        if self.settings.response_format == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "cmr_findings", "schema": answer_schema(), "strict": False},
            }
        return {"type": "json_object", "schema": answer_schema()}

    async def complete(self, messages: list[dict], *, structured: bool = True) -> CallResult:
        """Ask for one answer, retrying transient failures.

        Args:
            messages: Chat messages (content may be a list of text and image parts).
            structured: Ask for the findings JSON (response format); off for free answers.

        Returns:
            The content, or the reason it could not be had (with the raw body).
        """
        settings = self.settings
        estimate = sum(len(str(m["content"])) for m in messages) // CHARS_PER_TOKEN
        estimate += settings.max_tokens
        prompt_tokens = completion_tokens = attempts = 0
        error, raw = "no attempt made", None
        for attempt in range(settings.max_retries + 1):
            delay: float | None = None
            async with self.semaphore:
                await self.limiter.acquire(estimate)
                attempts += 1
                try:
                    response = await self.client.chat.completions.create(
                        model=settings.model,
                        messages=messages,  # type: ignore[arg-type]
                        temperature=settings.temperature,
                        max_tokens=settings.max_tokens,
                        # sent as is: the client's parameter transform walks the
                        # whole schema on every request, a millisecond each
                        extra_body={"response_format": self._response_format}
                        if structured
                        else None,
                    )
                except openai.APIStatusError as failure:
                    status = failure.status_code
                    answer = HttpResponse(failure.response)
                    error, raw = f"HTTP {status} from the server", _body(answer)
                    if status != 429 and status < 500 and status != 408:
                        break
                    delay = _retry_after(answer)
                except openai.APITimeoutError:
                    error, raw = f"timed out after {settings.timeout_seconds:g} s", None
                except openai.APIConnectionError as failure:
                    error, raw = f"connection failed ({_cause(failure)})", None
                except (ValueError, TypeError) as failure:  # unparsable body
                    error, raw = f"unreadable response ({type(failure).__name__})", None
                else:
                    usage = response.usage
                    if usage is not None:
                        prompt_tokens += usage.prompt_tokens or 0
                        completion_tokens += usage.completion_tokens or 0
                    choice = response.choices[0] if response.choices else None
                    content = choice.message.content if choice is not None else None
                    return CallResult(content, prompt_tokens, completion_tokens, attempts)
            if attempt == settings.max_retries:
                break
            await asyncio.sleep(self._backoff(attempt, delay))
        return CallResult(None, prompt_tokens, completion_tokens, attempts, error, raw)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        """Full jitter on an exponential ceiling; a Retry-After is a floor."""
        ceiling = min(self.settings.backoff_max_seconds, self.settings.backoff_seconds * 2**attempt)
        delay = random.uniform(0.0, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def _retry_after(response: HttpResponse) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _body(response: HttpResponse) -> str | None:
    text = response.text_if_read()
    return None if text is None else text[:RAW_LIMIT]


def _cause(failure: BaseException) -> str:
    cause = failure.__cause__ or failure
    return type(cause).__name__
