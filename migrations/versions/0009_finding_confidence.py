"""finding confidence and review

findings.confidence / findings.doubts: how far the extractor trusts its
reading, and what lowered it. finding_reviews: the findings generation held
back for a person instead of making items from them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("confidence", sa.Float(), nullable=False, server_default="1.0")
        )
        batch_op.add_column(sa.Column("doubts", JSON, nullable=False, server_default="[]"))
    op.create_table(
        "finding_reviews",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("study_id", sa.String(length=200), nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("doubts", JSON, nullable=False),
        sa.Column("subtasks", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["finding_id"], ["findings.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["extraction_runs.id"]),
        sa.ForeignKeyConstraint(["study_id"], ["studies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_reviews_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_reviews_study_id"), ["study_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finding_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_reviews_study_id"))
        batch_op.drop_index(batch_op.f("ix_finding_reviews_run_id"))
    op.drop_table("finding_reviews")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_column("doubts")
        batch_op.drop_column("confidence")
