"""Creating, upgrading and checking the database schema with Alembic."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from qaforge.errors import QaforgeError
from qaforge.resources import resource_dir
from qaforge.store.engine import describe_url


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands against the migrations.

    Attributes:
        current: The revision stamped in the database (None if never initialised).
        head: The newest revision shipped with qaforge.
    """

    current: str | None
    head: str

    @property
    def is_current(self) -> bool:
        return self.current == self.head


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(resource_dir("migrations")))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def schema_state(engine: Engine) -> SchemaState:
    """Read the database's revision and the shipped head.

    Raises:
        StoreError: If the database cannot be reached.
    """
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None, "migrations/ has no revision"
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise QaforgeError.of("E302", database=describe_url(engine), problem=exc.orig) from None
    return SchemaState(current=current, head=head)


def upgrade_database(engine: Engine) -> SchemaState:
    """Create the schema in an empty database or upgrade it to the newest revision.

    Returns:
        The state before the upgrade (``current`` None for a new database).

    Raises:
        StoreError: If the database has tables that Alembic did not create.
    """
    before = schema_state(engine)
    if before.current is None:
        with engine.connect() as connection:
            existing = set(inspect(connection).get_table_names())
        if existing:
            raise QaforgeError.of(
                "E303", database=describe_url(engine), tables=", ".join(sorted(existing)[:5])
            )
    command.upgrade(alembic_config(engine), "head")
    return before


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that is not initialised or is out of date.

    Raises:
        StoreError: With the command that fixes it.
    """
    state = schema_state(engine)
    if state.current is None:
        raise QaforgeError.of("E304", database=describe_url(engine))
    if not state.is_current:
        raise QaforgeError.of(
            "E305", database=describe_url(engine), current=state.current, head=state.head
        )
