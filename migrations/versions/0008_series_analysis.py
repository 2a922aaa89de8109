"""series analysis

image_series.phase: the cardiac phase a single-phase file is named for (ed/es).
series_analyses: what the voxels of a series say (cardiac phases, perfusion
peaks, slice order, LV extent, display transform), made from one file hash.
series_overrides: a reader's correction of phases or slice order; it wins
over the analysis on every later select.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("image_series", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.String(length=10), nullable=True))
    op.create_table(
        "series_analyses",
        sa.Column("series_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("method_version", sa.Integer(), nullable=False),
        sa.Column("ed_frame", sa.Integer(), nullable=True),
        sa.Column("es_frame", sa.Integer(), nullable=True),
        sa.Column("phase_method", sa.String(length=40), nullable=True),
        sa.Column("phase_confidence", sa.Float(), nullable=True),
        sa.Column("peak_frames", JSON, nullable=True),
        sa.Column("slice_order", sa.String(length=20), nullable=True),
        sa.Column("slice_order_method", sa.String(length=40), nullable=True),
        sa.Column("lv_first", sa.Integer(), nullable=True),
        sa.Column("lv_last", sa.Integer(), nullable=True),
        sa.Column("display", JSON, nullable=False),
        sa.Column("notes", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["image_series.id"]),
        sa.PrimaryKeyConstraint("series_id"),
    )
    op.create_table(
        "series_overrides",
        sa.Column("series_id", sa.String(length=64), nullable=False),
        sa.Column("ed_frame", sa.Integer(), nullable=True),
        sa.Column("es_frame", sa.Integer(), nullable=True),
        sa.Column("slice_order", sa.String(length=20), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["series_id"], ["image_series.id"]),
        sa.PrimaryKeyConstraint("series_id"),
    )


def downgrade() -> None:
    op.drop_table("series_overrides")
    op.drop_table("series_analyses")
    with op.batch_alter_table("image_series", schema=None) as batch_op:
        batch_op.drop_column("phase")
