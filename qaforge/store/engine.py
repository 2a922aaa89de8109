"""Engines for the SQLite default and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from qaforge.errors import QaforgeError

__all__ = [
    "Connection",
    "Engine",
    "create_store_engine",
    "database_failure",
    "describe_url",
    "sqlite_file",
]
"""Engine and Connection are re-exported: the pipeline names them in signatures without importing SQLAlchemy."""


def create_store_engine(url: str) -> Engine:
    """Create an engine for a database URL.

    SQLite gets foreign keys, WAL journaling and a busy timeout, so that a
    killed run leaves a consistent file and a reader does not block a writer.
    Every engine hides statement parameters in its errors: they hold report
    text (PHI), and SQLAlchemy would print them in its ``[parameters: ...]`` block.

    Args:
        url: ``sqlite:///path.db`` or ``postgresql+psycopg://user@host/db``.

    Returns:
        A SQLAlchemy engine (no connection is opened yet).

    Raises:
        StoreError: If the URL cannot be parsed.
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
        engine = create_engine(parsed, connect_args={"timeout": 30}, hide_parameters=True)
    except ImportError as exc:
        # a driver named in the URL that is not installed, e.g. postgresql+psycopg2://
        raise QaforgeError.of(
            "E301", problem=f"its driver is not installed ({exc}); use postgresql+psycopg://"
        ) from None
    except (ArgumentError, ValueError) as exc:
        # ArgumentError: unparseable or an unknown dialect; ValueError: a port that is no number
        raise QaforgeError.of("E301", problem=str(exc).splitlines()[0]) from None
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def database_failure(exc: BaseException) -> str | None:
    """One line saying why a statement failed, or ``None`` if ``exc`` is no database error.

    Only the first line of the driver's message is kept: PostgreSQL's ``DETAIL``
    line can quote the failing row (report text), and SQLAlchemy's own text
    repeats the statement.
    """
    if not isinstance(exc, DBAPIError):
        return None
    driver = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return f"{type(exc.orig).__name__}: {driver[0] if driver else 'no message'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def describe_url(engine: Engine) -> str:
    """The engine's URL with any password hidden, for messages."""
    return engine.url.render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; ``None`` for other databases, memory, or a bad URL."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # create_store_engine reports it (E301)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None  # a URI filename: SQLite's own options decide
    return Path(database)
