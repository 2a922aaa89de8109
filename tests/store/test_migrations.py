"""The migrations are the schema: single head, upgrade from empty, no drift from the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from qaforge.errors import StoreError
from qaforge.store.engine import create_store_engine
from qaforge.store.models import Base
from qaforge.store.schema import (
    alembic_config,
    require_current_schema,
    schema_state,
    upgrade_database,
)


def test_migrations_have_a_single_head(tmp_path):
    engine = create_store_engine(f"sqlite:///{tmp_path / 'x.db'}")
    heads = ScriptDirectory.from_config(alembic_config(engine)).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_upgrade_from_empty_matches_the_models(empty_db_url):
    engine = create_store_engine(empty_db_url)
    before = upgrade_database(engine)
    assert before.current is None
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert set(Base.metadata.tables) <= tables
    assert differences == [], f"models and migrations differ: {differences}"
    assert schema_state(engine).is_current
    engine.dispose()


def test_init_twice_is_a_no_op(empty_db_url):
    engine = create_store_engine(empty_db_url)
    upgrade_database(engine)
    again = upgrade_database(engine)
    assert again.is_current
    engine.dispose()


def test_uninitialised_database_is_refused_with_a_hint(empty_db_url):
    engine = create_store_engine(empty_db_url)
    with pytest.raises(StoreError) as caught:
        require_current_schema(engine)
    assert caught.value.code == "E304"
    assert "qaforge init" in caught.value.hint
    engine.dispose()


def test_init_refuses_a_foreign_database(empty_db_url):
    engine = create_store_engine(empty_db_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE someone_elses (id INTEGER)"))
    with pytest.raises(StoreError) as caught:
        upgrade_database(engine)
    assert caught.value.code == "E303"
    assert "someone_elses" in caught.value.message
    engine.dispose()


def test_unreachable_database_is_a_store_error():
    engine = create_store_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError) as caught:
        schema_state(engine)
    assert caught.value.code == "E302"
