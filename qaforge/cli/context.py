"""What every command needs: settings and the store engine."""

from __future__ import annotations

from dataclasses import dataclass

import typer
from pydantic import ValidationError

from qaforge.errors import QaforgeError
from qaforge.settings import Settings
from qaforge.store.engine import Engine, create_store_engine


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
            return Settings(**overrides)
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors(include_input=False, include_url=False)
            )
            raise QaforgeError.of("E002", problems=details) from None

    def engine(self) -> Engine:
        """The store engine, created on first use and closed when the command ends."""
        if self._engine is None:
            self._engine = create_store_engine(self.settings().database_url)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def app_state(ctx: typer.Context) -> AppState:
    """The state of the running invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj
