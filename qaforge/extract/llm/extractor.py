"""The LLM extractor: reports in, grounded findings (or a recorded failure) out.

For each report: a cached answer is used when the cache holds one for the
same model, prompt, schema, report text and parameters; otherwise one
request is sent (:class:`qaforge.extract.llm.client.LLMCaller`). The answer
is validated (:mod:`qaforge.extract.llm.answer`) and grounded
(:mod:`qaforge.extract.llm.findings`). A report whose request or answer
fails is an outcome with ``status="failed"``, the reason and the raw
response: never dropped, and asked again on the next run. Only answers that
validate are returned for caching.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from qaforge.domain.vocabulary import Finding
from qaforge.extract.llm.answer import AnswerError, answer_schema_hash, parse_answer
from qaforge.extract.llm.client import LLMCaller, resolve_server_kind, response_formats
from qaforge.extract.llm.findings import EXTRACTOR_NAME, RejectedFinding, ground_answer
from qaforge.extract.llm.prompt import Prompt
from qaforge.settings import LLMSettings

EXTRACTOR_VERSION = "1"


@dataclass(frozen=True)
class LLMReport:
    """One report to read: a caller's key (report id or version id) and the text."""

    key: str
    text: str


@dataclass
class LLMOutcome:
    """What the extractor made of one report.

    Attributes:
        key: The report's key.
        status: ``extracted`` or ``failed``.
        findings: Grounded vocabulary findings (empty on failure).
        rejected: Stated findings refused, with reasons.
        reason: Why it failed (``None`` when extracted).
        raw: The raw answer or response body of a failure (private: may quote the report).
        content: A valid answer's content, for the cache.
        cache_key: The key of this request in the cache.
        from_cache: Whether the answer came from the cache.
        prompt_tokens: Prompt tokens spent now (0 from the cache).
        completion_tokens: Answer tokens spent now.
        attempts: Requests sent now.
    """

    key: str
    status: Literal["extracted", "failed"]
    cache_key: str
    findings: list[Finding] = field(default_factory=list)
    rejected: list[RejectedFinding] = field(default_factory=list)
    reason: str | None = None
    raw: str | None = None
    content: str | None = None
    from_cache: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0


@dataclass(frozen=True)
class LLMSignature:
    """What identifies the extractor's configuration (no secrets, no URL)."""

    extractor: str
    version: str
    model: str
    prompt_hash: str
    schema_hash: str
    params: dict[str, object]

    @property
    def config_hash(self) -> str:
        """Hash of everything that changes answers."""
        parts = [
            self.model,
            self.prompt_hash,
            self.schema_hash,
            json.dumps(self.params, sort_keys=True),
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class LLMExtractor:
    """Reads reports with an LLM; see the module docstring.

    Args:
        settings: Server, model, limits and retries (server kind ``auto``: asked
            of the server once, here).
        prompt_path: Another prompt template (default: the shipped one).
    """

    def __init__(self, settings: LLMSettings, prompt_path: Path | None = None) -> None:
        settings = resolve_server_kind(settings)
        self.settings = settings
        self.prompt = Prompt(prompt_path)
        self.signature = LLMSignature(
            extractor=EXTRACTOR_NAME,
            version=EXTRACTOR_VERSION,
            model=settings.model,
            prompt_hash=self.prompt.hash,
            schema_hash=answer_schema_hash(),
            params=settings.request_params(),
        )
        # An answer is cached under the format it was asked in. After the
        # server refused the configured format, answers come in the next one:
        # keyed so, a later run finds them, and a run configured for that
        # next format never takes answers made under a stricter one.
        self.formats = response_formats(settings)
        self._config_hashes = {
            kind: replace(
                self.signature, params={**self.signature.params, "response_format": kind}
            ).config_hash
            for kind in self.formats
        }
        self.format_level = 0  # the run's format so far (index in ``formats``)
        self.concurrency = settings.concurrency  # lowered when the server is busy

    def cache_key(self, text: str, response_format: str | None = None) -> str:
        """The cache key of one report text, asked in a format (default: the configured one)."""
        config_hash = self._config_hashes[response_format or self.formats[0]]
        text_hash = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        return hashlib.sha256(f"{config_hash}\x1f{text_hash}".encode()).hexdigest()

    def cache_keys(self, text: str) -> list[str]:
        """The keys a cached answer for ``text`` may have, the configured format's first."""
        return [self.cache_key(text, kind) for kind in self.formats]

    def extract(
        self,
        reports: Sequence[LLMReport],
        *,
        cached: dict[str, str] | None = None,
        on_done: Callable[[LLMOutcome], None] | None = None,
    ) -> list[LLMOutcome]:
        """Read reports, concurrently; outcomes come back in input order.

        Args:
            reports: The reports.
            cached: Cache key -> answer content already known (no request is sent for these).
            on_done: Called as each report finishes (e.g. to advance a progress bar).

        Returns:
            One outcome per report.
        """
        return asyncio.run(self._extract(list(reports), cached or {}, on_done))

    async def _extract(
        self,
        reports: list[LLMReport],
        cached: dict[str, str],
        on_done: Callable[[LLMOutcome], None] | None,
    ) -> list[LLMOutcome]:
        caller = LLMCaller(
            self.settings, format_level=self.format_level, concurrency=self.concurrency
        )
        try:

            async def one(report: LLMReport) -> LLMOutcome:
                outcome = await self._one(caller, report, cached)
                if on_done is not None:
                    on_done(outcome)
                return outcome

            return list(await asyncio.gather(*(one(report) for report in reports)))
        finally:
            self.format_level = caller.format_level
            self.concurrency = caller.in_flight.limit
            await caller.close()

    async def _one(
        self, caller: LLMCaller, report: LLMReport, cached: dict[str, str]
    ) -> LLMOutcome:
        for key in self.cache_keys(report.text):
            known = cached.get(key)
            if known is not None:
                outcome = self.read_answer(report, key, known)
                if outcome.status == "extracted":
                    outcome.from_cache = True
                    return outcome
        result = await caller.complete(self.prompt.messages(report.text))
        key = self.cache_key(report.text, result.response_format)
        if result.content is None:
            outcome = LLMOutcome(report.key, "failed", key, reason=result.error, raw=result.raw)
        else:
            outcome = self.read_answer(report, key, result.content)
        outcome.prompt_tokens = result.prompt_tokens
        outcome.completion_tokens = result.completion_tokens
        outcome.attempts = result.attempts
        return outcome

    def read_answer(self, report: LLMReport, key: str, content: str) -> LLMOutcome:
        """Validate and ground one answer's content (no request)."""
        try:
            answer = parse_answer(content)
        except AnswerError as error:
            return LLMOutcome(report.key, "failed", key, reason=error.reason, raw=content[:20_000])
        findings, rejected = ground_answer(
            report.text, answer, threshold=self.settings.fuzzy_threshold
        )
        return LLMOutcome(
            report.key, "extracted", key, findings=findings, rejected=rejected, content=content
        )

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Estimated cost from the configured prices per million tokens."""
        return (
            prompt_tokens * self.settings.prompt_price_per_million
            + completion_tokens * self.settings.completion_price_per_million
        ) / 1_000_000
