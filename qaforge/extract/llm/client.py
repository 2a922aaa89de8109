"""Asking an OpenAI-compatible server, resiliently: limits, retries, backoff, Retry-After.

Uses the ``openai`` async client (its own retries off: retries are ours, so
that 429, 5xx, timeouts and lost connections are all handled the same way,
with exponential backoff, full jitter and the server's ``Retry-After``).
Requests in flight are bounded by the configured concurrency, lowered for
the run when the server answers 503 (busy) with several of ours out;
requests and tokens per minute by a sliding-window limiter. Every call
returns a :class:`CallResult`; nothing raises for a server's misbehaviour.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import deque
from dataclasses import dataclass

import openai

from qaforge.extract.llm.answer import answer_schema
from qaforge.libs.http import HttpClient, HttpResponse, HttpUnavailable
from qaforge.libs.redact import redact
from qaforge.settings import LLMSettings

RAW_LIMIT = 20_000
REASON_BODY_LIMIT = 300
# what llama.cpp, vLLM and OpenAI say when they cannot follow a response format
_FORMAT_WORDS = re.compile(r"response.?format|json.?schema|json.?object|grammar", re.I)
_REFUSAL_WORDS = re.compile(r"unsupported|not supported|not implemented|unknown|invalid", re.I)
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
        response_format: The format the answer was asked in (``json_schema``,
            ``json_object`` or ``none``; ``None`` for free answers and
            failures). It differs from the configured one after the server
            refused that.
    """

    content: str | None
    prompt_tokens: int
    completion_tokens: int
    attempts: int
    error: str | None = None
    raw: str | None = None
    response_format: str | None = None


@dataclass
class _Step:
    """What one request gave: content, or why not and whether another try may help."""

    content: str | None = None
    error: str = "no answer"
    raw: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    transient: bool = True
    cut: bool = False
    format_refused: bool = False
    busy: bool = False
    delay: float | None = None


# what ``GET /models`` names as ``owned_by`` on each server
_OWNERS = {"llamacpp": "llamacpp", "vllm": "vllm", "library": "ollama", "ollama": "ollama"}


def resolve_server_kind(settings: LLMSettings, *, timeout: float = 3.0) -> LLMSettings:
    """Settings with the server kind known: ``auto`` asks ``GET /models`` once.

    Args:
        settings: The settings; any kind but ``auto`` is returned as is.
        timeout: Seconds to wait for the model list.

    Returns:
        The settings for the detected kind (``openai`` when the list does not say),
        with the kind's format and concurrency where none was given.
    """
    if settings.server_kind != "auto":
        return settings
    key = settings.api_key.get_secret_value() if settings.api_key else None
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    owner = ""
    try:
        with HttpClient(settings.base_url.rstrip("/"), timeout=timeout, headers=headers) as http:
            listed = http.get("/models")
            if listed.status_code == 200:
                models = listed.json().get("data") or [{}]
                owner = str(models[0].get("owned_by", ""))
    except (HttpUnavailable, ValueError, AttributeError, TypeError):
        pass  # no list: the requests will say what is wrong, with the URL
    return settings.for_server(_OWNERS.get(owner.lower(), "openai"))


def response_formats(settings: LLMSettings) -> list[str]:
    """The formats a run may ask in, in the order it falls back: the configured one first."""
    formats = ["json_schema", "json_object", "none"]
    return formats[formats.index(settings.response_format) :]


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


class InFlightLimit:
    """Requests in flight at once: at most ``limit``, which a busy server lowers.

    A server that answers 503 while we have N requests in flight serves
    fewer than N at once (a llama.cpp or Ollama server with fewer slots than
    our concurrency); the limit drops to N - 1 (at least 1) and stays there
    for the run, so retries stop competing for a slot that is not there.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self._changed = asyncio.Condition()

    async def acquire(self) -> None:
        """Wait for a free place under the limit, and take it."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1

    async def release(self) -> None:
        """Give a place back."""
        async with self._changed:
            self.in_flight -= 1
            # one place freed, one waiter woken: the limit only ever drops,
            # and waking every waiter would cost O(waiting) per request
            self._changed.notify(1)

    def busy(self, in_flight: int) -> None:
        """The server said it was busy with ``in_flight`` requests of ours out."""
        self.limit = max(1, min(self.limit, in_flight - 1))


class LLMCaller:
    """One client, in-flight limit and minute limiter; :meth:`complete` asks for one report.

    ``format_level`` and ``concurrency`` carry what an earlier batch of the
    run learnt (a refused format, a lowered limit) into this one.
    """

    def __init__(
        self, settings: LLMSettings, *, format_level: int = 0, concurrency: int | None = None
    ) -> None:
        self.settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key else "not-needed"
        self.client = openai.AsyncOpenAI(
            base_url=settings.base_url,
            api_key=key,
            max_retries=0,
            timeout=settings.timeout_seconds,
            # aiohttp under the client: openai's documented choice for many
            # requests at once; httpx's pool cost 3x the CPU per request here
            # (benchmarks/llm_throughput.py). The in-flight limit bounds connections.
            http_client=openai.DefaultAioHttpClient(timeout=settings.timeout_seconds),
        )
        self._secrets = [key] if settings.api_key else []
        self._url = settings.base_url.rstrip("/") + "/chat/completions"
        self.formats = response_formats(settings)
        # where an earlier batch of the run got to: a refused format is not asked again
        self.format_level = min(format_level, len(self.formats) - 1)
        self.in_flight = InFlightLimit(concurrency or settings.concurrency)
        self.limiter = MinuteLimiter(settings.requests_per_minute, settings.tokens_per_minute)

    async def close(self) -> None:
        """Close the HTTP connections."""
        await self.client.close()

    def _response_format(self, level: int) -> dict[str, object] | None:
        kind = self.formats[level]
        if kind == "json_schema":
            return {
                "type": "json_schema",
                "json_schema": {"name": "cmr_findings", "schema": answer_schema(), "strict": False},
            }
        if kind == "json_object":
            return {"type": "json_object", "schema": answer_schema()}
        return None

    def scrub(self, text: str | None) -> str | None:
        """A server's text without the API key or any bearer token (see :func:`redact`)."""
        return redact(text, self._secrets)

    async def complete(self, messages: list[dict], *, structured: bool = True) -> CallResult:
        """Ask for one answer, retrying transient failures.

        A cut answer (``finish_reason == "length"``) is tried once more with
        ``max_tokens_retry`` when that is larger; a refused response format
        is followed by the next one (json_schema, json_object, none), and the
        first format that gets an answer becomes the run's (a report refused in
        every format says the refusal was not about the format: the run keeps
        its own); a permanent error (4xx but 408 and 429) is not retried.

        Args:
            messages: Chat messages (content may be a list of text and image parts).
            structured: Ask for the findings JSON (response format); off for free answers.

        Returns:
            The content, or the reason it could not be had (with the raw body);
            every text scrubbed of secrets.
        """
        settings = self.settings
        estimate = sum(len(str(m["content"])) for m in messages) // CHARS_PER_TOKEN
        estimate += max(settings.max_tokens, settings.max_tokens_retry)
        prompt_tokens = completion_tokens = attempts = retries = 0
        max_tokens = settings.max_tokens
        own_level = 0  # how far this report's refusals moved it
        while True:
            attempts += 1
            step, level = await self._send_in_slot(
                messages, estimate, own_level, structured, max_tokens
            )
            prompt_tokens += step.prompt_tokens
            completion_tokens += step.completion_tokens
            if step.content is not None:
                if structured and level > self.format_level:
                    self.format_level = level
                used = self.formats[level] if structured else None
                return CallResult(
                    step.content, prompt_tokens, completion_tokens, attempts, response_format=used
                )
            if step.cut:
                if settings.max_tokens_retry > max_tokens:
                    max_tokens = settings.max_tokens_retry
                    continue
                break
            if step.format_refused and level + 1 < len(self.formats):
                own_level = level + 1
                continue
            if not step.transient or retries >= settings.max_retries:
                break
            await asyncio.sleep(self._backoff(retries, step.delay))
            retries += 1
        return CallResult(None, prompt_tokens, completion_tokens, attempts, step.error, step.raw)

    async def _send_in_slot(
        self,
        messages: list[dict],
        estimate: int,
        own_level: int,
        structured: bool,
        max_tokens: int,
    ) -> tuple[_Step, int]:
        """One request once a slot and the token budget are had; the step and its format level.

        A busy answer (503) lowers the concurrency to what was out when it came.
        """
        await self.in_flight.acquire()
        try:
            await self.limiter.acquire(estimate)
            # read once a slot is had: a request that waited uses the run's format now
            level = max(own_level, self.format_level)
            if not structured:
                level = len(self.formats) - 1
            out = self.in_flight.in_flight
            step = await self._send(messages, level, max_tokens)
            if step.busy:
                self.in_flight.busy(max(out, self.in_flight.in_flight))
        finally:
            await self.in_flight.release()
        return step, level

    async def _send(self, messages: list[dict], level: int, max_tokens: int) -> _Step:
        """One request; what it gave, scrubbed, with whether trying again may help."""
        response_format = self._response_format(level)
        try:
            response = await self.client.chat.completions.create(
                model=self.settings.model,
                messages=messages,  # type: ignore[arg-type]
                temperature=self.settings.temperature,
                max_tokens=max_tokens,
                # sent as is: the client's parameter transform walks the
                # whole schema on every request, a millisecond each
                extra_body={"response_format": response_format} if response_format else None,
            )
        except openai.APIStatusError as failure:
            return self._status_step(failure, messages)
        except openai.APIConnectionError as failure:  # APITimeoutError too
            if _timed_out(failure):
                timeout = self.settings.timeout_seconds
                return _Step(error=f"timed out after {timeout:g} s waiting for {self._url}")
            return _Step(error=f"connection to {self._url} failed ({_cause(failure)})")
        except (ValueError, TypeError) as failure:  # unparsable body
            return _Step(error=f"unreadable response from {self._url} ({type(failure).__name__})")
        usage = response.usage
        step = _Step(
            prompt_tokens=(usage.prompt_tokens or 0) if usage else 0,
            completion_tokens=(usage.completion_tokens or 0) if usage else 0,
        )
        choice = response.choices[0] if response.choices else None
        content = self.scrub(choice.message.content if choice is not None else None)
        if choice is not None and choice.finish_reason == "length":
            step.cut, step.transient, step.raw = True, False, content
            step.error = f"answer cut at {max_tokens} tokens; raise QAFORGE_LLM_MAX_TOKENS"
        else:
            step.content = content
        return step

    def _status_step(self, failure: openai.APIStatusError, messages: list[dict]) -> _Step:
        status = failure.status_code
        answer = HttpResponse(failure.response)
        raw = self.scrub(_body(answer))
        error = f"HTTP {status} from {self._url}"
        if raw and _quotes_prompt(raw, messages):
            # a server may echo the prompt in its error: the reason is printed and stored
            error += ": (body not shown: it quotes the request)"
        elif raw:
            error += ": " + " ".join(raw.split())[:REASON_BODY_LIMIT]
        refused = status in (400, 422, 500) and _refuses_format(raw or "")
        transient = not refused and (status in (408, 429) or status >= 500)
        return _Step(
            error=error,
            raw=raw,
            transient=transient,
            format_refused=refused,
            busy=status == 503,
            delay=_retry_after(answer),
        )

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


def _quotes_prompt(body: str, messages: list[dict], words: int = 4) -> bool:
    """Whether ``body`` repeats any ``words`` consecutive words of the messages' text."""
    said = " ".join(" ".join(body.lower().split()).split())
    for message in messages:
        content = message.get("content")
        parts = content if isinstance(content, list) else [{"text": content}]
        for part in parts:
            tokens = str(part.get("text") or "").lower().split() if isinstance(part, dict) else []
            for start in range(max(0, len(tokens) - words + 1)):
                if " ".join(tokens[start : start + words]) in said:
                    return True
    return False


def _body(response: HttpResponse) -> str | None:
    text = response.text_if_read()
    return None if text is None else text[:RAW_LIMIT]


def _causes(failure: BaseException) -> list[BaseException]:
    chain = [failure]
    while chain[-1].__cause__ is not None and len(chain) < 10:
        chain.append(chain[-1].__cause__)
    return chain


def _cause(failure: BaseException) -> str:
    """The name of the innermost cause: ``ClientConnectorError``, ``ConnectError``..."""
    return type(_causes(failure)[-1]).__name__


def _timed_out(failure: openai.APIConnectionError) -> bool:
    """Whether the server was too slow, rather than unreachable or gone.

    The aiohttp transport maps every lost or refused connection to
    ``ConnectTimeout`` (so openai says "timed out"), while its read timeouts
    are ``TimeoutError``s; the chain of causes tells them apart.
    """
    causes = _causes(failure)
    if any(isinstance(cause, TimeoutError) for cause in causes):
        return True
    transport_errors = [c for c in causes[1:] if not type(c).__module__.startswith("httpx")]
    return isinstance(failure, openai.APITimeoutError) and not transport_errors


def _refuses_format(body: str) -> bool:
    return bool(_FORMAT_WORDS.search(body) and _REFUSAL_WORDS.search(body))
