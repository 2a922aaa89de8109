"""Settings read from the environment (prefix ``QAFORGE_``) and the command line.

Secrets (API keys, tokens) added by later stages are ``SecretStr`` fields so
they never print; they come from the environment only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import (
    Field,
    HttpUrl,
    SecretStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from qaforge.errors import QaforgeError

DEFAULT_DATABASE_URL = "sqlite:///qaforge.db"
_Read = TypeVar("_Read", bound=BaseSettings)


def settings_problems(exc: ValidationError, *, env_prefix: str = "") -> str:
    """One line naming each invalid setting and why, never its value (it may be a secret).

    Args:
        exc: The error of reading a settings class.
        env_prefix: If given, settings are named by their environment
            variable (``QAFORGE_MAX_VOXELS``) instead of their field name.
    """
    return "; ".join(
        f"{_setting_name(e['loc'], env_prefix)}: {e['msg'].removeprefix('Value error, ')}"
        for e in exc.errors(include_input=False, include_url=False)
    )


def _setting_name(loc: tuple[int | str, ...], env_prefix: str) -> str:
    name = ".".join(map(str, loc))
    return f"{env_prefix}{name}".upper() if env_prefix else name


def read_from_environment(kind: type[_Read]) -> _Read:
    """Settings of ``kind`` read from the environment, for a run that reads them once.

    Raises:
        ConfigError: E002 naming each invalid variable, if any is invalid.
    """
    try:
        return kind()
    except ValidationError as exc:
        prefix = str(kind.model_config.get("env_prefix") or "")
        raise QaforgeError.of("E002", problems=settings_problems(exc, env_prefix=prefix)) from None


class Settings(BaseSettings):
    """Process-wide settings.

    Attributes:
        database_url: SQLAlchemy URL; a SQLite file ``qaforge.db`` in the working
            folder by default, ``postgresql+psycopg://...`` for teams.
        batch_size: Rows per transaction in the ingest stages.
    """

    model_config = SettingsConfigDict(env_prefix="QAFORGE_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    batch_size: int = Field(default=2000, ge=1, le=100_000)

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if "://" not in value or not (scheme.startswith(("sqlite", "postgres"))):
            raise ValueError(
                f"unsupported database URL scheme {scheme!r}: use sqlite:///FILE "
                "or postgresql+psycopg://USER@HOST/DB"
            )
        if scheme == "postgresql" or scheme == "postgres":
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        return value


class _InputLimits(BaseSettings):
    """The limits report and series input share: one definition, so they cannot drift.

    Attributes:
        max_json_depth: Deepest nesting of arrays and objects in one JSONL line
            of reports (a report record is flat: an object of scalars is depth
            1) or in one series sidecar (``QAFORGE_MAX_JSON_DEPTH`` for both).
    """

    model_config = SettingsConfigDict(env_prefix="QAFORGE_", extra="ignore")

    max_json_depth: int = Field(default=32, ge=1, le=10_000)


class ReportLimits(_InputLimits):
    """Size limits of report input (environment ``QAFORGE_*``; docs/input-formats.md).

    A record over a limit is quarantined with the limit's name, never truncated;
    each is checked before the call it protects (JSON parsing, storage, spaCy).

    Attributes:
        max_report_chars: Longest report text in characters; spaCy refuses
            texts over 1,000,000 characters by default (its E088), so does ingest.
        max_json_depth: See :class:`_InputLimits`.
        max_line_bytes: Longest JSONL line or CSV field, in bytes or characters:
            bounds what one record may hold in memory before any check.
    """

    max_report_chars: int = Field(default=1_000_000, ge=1)
    max_line_bytes: int = Field(default=16_000_000, ge=1)


class SeriesLimits(_InputLimits):
    """Size limits of series input (environment ``QAFORGE_*``; docs/input-formats.md).

    A file over a limit is quarantined with the limit's name, not read further;
    each is checked before the work it protects: the sidecar's size before it
    is read and its nesting before it is parsed, the header's voxel count and
    data size before any voxel is inflated, and the inflated bytes as they pass.

    Attributes:
        max_sidecar_bytes: Largest JSON sidecar (dcm2niix writes a few KiB).
        max_json_depth: See :class:`_InputLimits` (the reports' setting too).
        max_voxels: Most voxels a header may declare (2**30: a 4 GiB float32 volume).
        max_decompressed_bytes: Most bytes a file may hold once inflated, the
            header's declared data size and the actual gzip stream alike (gzip bomb).
    """

    max_sidecar_bytes: int = Field(default=4 << 20, ge=1)
    max_voxels: int = Field(default=1 << 30, ge=1)
    max_decompressed_bytes: int = Field(default=8 << 30, ge=1)


# llama.cpp serves one request per slot (one by default) and answers 500 to
# json_schema; Ollama runs OLLAMA_NUM_PARALLEL requests (1 unless set) and
# queues the rest, where they only wait toward our timeout
SERVER_DEFAULTS: dict[str, dict[str, object]] = {
    "llamacpp": {"response_format": "json_object", "concurrency": 1},
    "ollama": {"response_format": "json_object", "concurrency": 1},
}


class LLMSettings(BaseSettings):
    """Where and how the LLM extractor asks (environment ``QAFORGE_LLM_*``; docs/llm.md).

    Attributes:
        base_url: An OpenAI-compatible endpoint, e.g. ``http://127.0.0.1:8000/v1``
            (vLLM, the default), ``http://127.0.0.1:11434/v1`` (Ollama),
            ``http://127.0.0.1:8080/v1`` (llama.cpp) or ``https://api.openai.com/v1``.
        server_kind: ``vllm``, ``ollama``, ``llamacpp`` or ``openai``; ``auto``
            asks ``GET /models`` (``owned_by``) and falls back to ``openai``. It
            sets the defaults of ``response_format`` and ``concurrency`` not given
            explicitly (``SERVER_DEFAULTS``).
        model: The model name the server knows.
        api_key: From ``QAFORGE_LLM_API_KEY`` only; never printed, logged or stored.
        response_format: ``json_schema`` (vLLM, OpenAI) or ``json_object``
            with the schema attached (llama.cpp, Ollama).
        temperature: Sampling temperature (0: as repeatable as the server allows).
        max_tokens: Most tokens per answer.
        max_tokens_retry: The budget of one more try when an answer is cut at
            ``max_tokens`` (0: a cut answer fails at once).
        concurrency: Requests in flight at once.
        requests_per_minute: Request limit (0: none).
        tokens_per_minute: Token limit, prompt plus answer (0: none).
        max_retries: Retries of a request after 429, 5xx, timeouts and lost connections.
        timeout_seconds: Per request.
        backoff_seconds: First retry delay; doubles each retry, with jitter.
        backoff_max_seconds: Longest retry delay (a longer Retry-After is honoured).
        fuzzy_threshold: Least fuzzy score (0-100) for an evidence quote.
        prompt_price_per_million: Price per million prompt tokens, for the cost estimate.
        completion_price_per_million: Price per million answer tokens.
    """

    # floats are finite: an infinite timeout or backoff would overflow the HTTP client's clock
    model_config = SettingsConfigDict(env_prefix="QAFORGE_LLM_", extra="ignore")

    base_url: str = "http://127.0.0.1:8000/v1"
    model: str = Field(default="local-model", min_length=1)
    api_key: SecretStr | None = None
    server_kind: Literal["auto", "vllm", "ollama", "llamacpp", "openai"] = "auto"
    response_format: Literal["json_schema", "json_object"] = "json_schema"
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, allow_inf_nan=False)
    max_tokens: int = Field(default=1024, ge=16)
    max_tokens_retry: int = Field(default=0, ge=0)
    concurrency: int = Field(default=8, ge=1, le=1024)
    requests_per_minute: int = Field(default=0, ge=0)
    tokens_per_minute: int = Field(default=0, ge=0)
    max_retries: int = Field(default=5, ge=0, le=50)
    timeout_seconds: float = Field(default=60.0, gt=0, allow_inf_nan=False)
    backoff_seconds: float = Field(default=0.5, ge=0, allow_inf_nan=False)
    backoff_max_seconds: float = Field(default=30.0, ge=0, allow_inf_nan=False)
    fuzzy_threshold: float = Field(default=90.0, ge=50.0, le=100.0, allow_inf_nan=False)
    prompt_price_per_million: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    completion_price_per_million: float = Field(default=0.0, ge=0, allow_inf_nan=False)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        hint = "give http://HOST:PORT/v1 or https://HOST/v1"
        if any(ch.isspace() for ch in value):
            raise ValueError(f"the URL holds a space; {hint}")
        try:
            url = TypeAdapter(HttpUrl).validate_python(value)
        except ValidationError:
            raise ValueError(f"not an http(s) URL with a host; {hint}") from None
        if not url.host:
            raise ValueError(f"the URL has no host; {hint}")
        return value

    @model_validator(mode="after")
    def _server_defaults(self) -> LLMSettings:
        # only the defaults: a format or concurrency the user gave is kept
        for name, value in SERVER_DEFAULTS.get(self.server_kind, {}).items():
            if name not in self.model_fields_set:
                object.__setattr__(self, name, value)
        return self

    def for_server(self, kind: str) -> LLMSettings:
        """These settings with a detected server kind's defaults (explicit values kept)."""
        values = self.model_dump(include=self.model_fields_set)
        return LLMSettings(**{**values, "server_kind": kind})

    def request_params(self) -> dict[str, object]:
        """The parameters that change answers (part of the cache key); no secrets."""
        return {
            "response_format": self.response_format,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }


class LabelStudioSettings(BaseSettings):
    """Which Label Studio server and projects `annotate` uses (environment ``QAFORGE_LS_*``).

    Attributes:
        url: The server, e.g. ``http://127.0.0.1:8080``.
        token: An admin's API token, from ``QAFORGE_LS_TOKEN`` only; never printed or stored.
        project: Name prefix of qaforge's projects on that server.
        media_root: The folder the server serves local files from
            (its ``LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT``); item images must lie under it.
    """

    model_config = SettingsConfigDict(env_prefix="QAFORGE_LS_", extra="ignore")

    url: str = "http://127.0.0.1:8080"
    token: SecretStr | None = None
    project: str = Field(default="qaforge", min_length=1, max_length=26)
    media_root: Path = Path(".")
