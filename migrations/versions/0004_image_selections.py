"""image selections

image_selections: which images an item shows under a (protocol, budget),
the series it was routed to and the key that says when to redo it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 06:23:30.774854
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "image_selections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("protocol", sa.String(length=30), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("selection_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("primary_view", sa.String(length=10), nullable=True),
        sa.Column(
            "routed_series",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "missing_views",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "unreadable_series",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("n_images", sa.Integer(), nullable=False),
        sa.Column("images_root", sa.Text(), nullable=False),
        sa.Column("contact_sheet", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_image_selections_item_id_qa_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_selections")),
        sa.UniqueConstraint(
            "item_id", "protocol", "budget", name=op.f("uq_image_selections_item_id")
        ),
    )
    with op.batch_alter_table("image_selections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_selections_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_image_selections_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("image_selections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_selections_status"))
        batch_op.drop_index(batch_op.f("ix_image_selections_item_id"))

    op.drop_table("image_selections")
