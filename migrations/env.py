"""Alembic environment for qaforge.

qaforge passes its engine in ``config.attributes["engine"]`` (``qaforge init``,
the tests). Run by hand (``alembic -c alembic.ini revision --autogenerate``),
the URL comes from qaforge's settings (``QAFORGE_DATABASE_URL``).
"""

from alembic import context

from qaforge.settings import Settings
from qaforge.store.engine import create_store_engine
from qaforge.store.models import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        engine = create_store_engine(Settings().database_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("qaforge migrations run online only: use `qaforge init`.")
run_migrations_online()
