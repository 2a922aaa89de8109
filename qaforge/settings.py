"""Settings read from the environment (prefix ``QAFORGE_``) and the command line.

Secrets (API keys, tokens) added by later stages are ``SecretStr`` fields so
they never print; they come from the environment only.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///qaforge.db"


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
