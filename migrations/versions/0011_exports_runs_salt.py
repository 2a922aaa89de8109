"""exports counted, runs owned, a per-database salt

exports.export_format and exports.counts: which format an export wrote and
its records per split, images and items left out by reason (the table was
never written before this revision). ingest_runs.pid and ingest_runs.host:
the process running it, so the next run of the stage can tell a killed run
(``interrupted``) from one still going. store_secrets: values made once per
database (the salt that keys provenance hashes), never exported.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "export_format", sa.String(length=20), nullable=False, server_default="benchmark"
            )
        )
        batch_op.add_column(sa.Column("counts", JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
    op.create_table(
        "store_secrets",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_store_secrets")),
    )


def downgrade() -> None:
    op.drop_table("store_secrets")
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_column("host")
        batch_op.drop_column("pid")
    with op.batch_alter_table("exports", schema=None) as batch_op:
        batch_op.drop_column("counts")
        batch_op.drop_column("export_format")
