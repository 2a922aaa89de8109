"""qa item answer key and content key

answer_key: the answer as option keys, the class the majority cap counts.
content_key: the item's content without its letters, so a regenerated item
keeps the letter order it was stored (and verified) with.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 05:50:13.385542
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("qa_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("content_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_qa_items_content_key"), ["content_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("qa_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_items_content_key"))
        batch_op.drop_column("content_key")
        batch_op.drop_column("answer_key")
