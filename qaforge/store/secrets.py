"""Values made once per database and kept in it (``store_secrets``): the provenance salt."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from qaforge.store.models import StoreSecret


def stored_secret(connection: Connection, *, name: str, make: Callable[[], str]) -> str:
    """The secret ``name``, made with ``make`` and stored the first time it is asked for.

    Two processes asking at once get the same value: the insert does nothing
    when the row exists, and the stored value is read back.
    """
    dialect = connection.dialect.name
    statement = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(StoreSecret)
    connection.execute(
        statement.values(name=name, value=make()).on_conflict_do_nothing(index_elements=["name"])
    )
    return connection.execute(
        select(StoreSecret.value).where(StoreSecret.name == name)
    ).scalar_one()
