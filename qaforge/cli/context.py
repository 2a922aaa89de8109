"""What every command needs: settings and the store engine."""

from __future__ import annotations

import shlex
from contextvars import ContextVar
from dataclasses import dataclass

import typer
from pydantic import ValidationError

from qaforge.errors import QaforgeError
from qaforge.settings import ReportLimits, SeriesLimits, Settings, settings_problems
from qaforge.store.engine import Engine, create_store_engine, database_failure, sqlite_file


@dataclass
class AppState:
    """Per-invocation state set by the main callback."""

    db_option: str | None = None
    _engine: Engine | None = None

    def settings(self) -> Settings:
        """Settings from the environment, with ``--db`` taking precedence.

        Raises:
            ConfigError: If a setting is invalid.
        """
        overrides = {"database_url": self.db_option} if self.db_option else {}
        try:
            settings = Settings(**overrides)
        except ValidationError as exc:
            raise QaforgeError.of("E002", problems=settings_problems(exc)) from None
        check_input_limits()
        return settings

    def engine(self, *, create_missing: bool = False) -> Engine:
        """The store engine, created on first use and closed when the command ends.

        Args:
            create_missing: Let a SQLite file that does not exist be made
                (``init`` and ``demo``); any other command refuses it (E306),
                since SQLite would create an empty file for a mistyped path.
        """
        if self._engine is None:
            url = self.settings().database_url
            if not create_missing:
                _require_sqlite_file(url)
            self._engine = create_store_engine(url)
        return self._engine

    def database_exists(self) -> bool:
        """Whether the database can be opened without creating it (a server's is taken to exist)."""
        path = sqlite_file(self.settings().database_url)
        return path is None or path.exists()

    def command(self, *words: str) -> str:
        """A qaforge command line for hints, with the ``--db`` this run was given."""
        db = f" --db {shlex.quote(self.db_option)}" if self.db_option else ""
        return " ".join((f"qaforge{db}", *words))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


_RUNNING: ContextVar[AppState | None] = ContextVar("qaforge_app_state", default=None)
"""The running invocation's state, for code that has no typer context (error hints)."""


def app_state(ctx: typer.Context) -> AppState:
    """The state of the running invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
        _RUNNING.set(root.obj)
    return root.obj


def check_input_limits() -> None:
    """Read the input size limits (``QAFORGE_MAX_*``) once, so a bad value stops the command.

    The stages read them where each file is opened; a bad value there would
    fail every file (or quarantine it) instead of naming the variable once.

    Raises:
        ConfigError: E002 naming each bad variable.
    """
    problems: list[str] = []
    for limits in (ReportLimits, SeriesLimits):
        try:
            limits()
        except ValidationError as exc:
            problems += settings_problems(exc, env_prefix="QAFORGE_").split("; ")
    if problems:
        # QAFORGE_MAX_JSON_DEPTH is a field of both classes: named once
        raise QaforgeError.of("E002", problems="; ".join(dict.fromkeys(problems)))


def _require_sqlite_file(url: str) -> None:
    """Refuse a SQLite URL whose file does not exist (E306); other URLs pass."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise QaforgeError.of("E306", path=path)


def with_db_option(hint: str) -> str:
    """A hint whose ``qaforge`` command lines carry the running command's ``--db``.

    Hints are written once in the error table; the ``--db`` a user gave is
    only known here, and a hint without it points at another database.
    """
    state = _RUNNING.get()
    if state is None or not state.db_option:
        return hint
    return hint.replace("`qaforge ", f"`{state.command()} ")


def database_error(exc: BaseException) -> QaforgeError | None:
    """E307 for a statement the database refused (the driver's first line, no values); else None."""
    problem = database_failure(exc)
    return None if problem is None else QaforgeError.of("E307", problem=problem)
