"""extracted reports: which report versions an extraction run has read

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 03:31:14.199917
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "extracted_reports",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("report_version_id", sa.Integer(), nullable=False),
        sa.Column("finding_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_version_id"],
            ["report_versions.id"],
            name=op.f("fk_extracted_reports_report_version_id_report_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["extraction_runs.id"],
            name=op.f("fk_extracted_reports_run_id_extraction_runs"),
        ),
        sa.PrimaryKeyConstraint("run_id", "report_version_id", name=op.f("pk_extracted_reports")),
    )


def downgrade() -> None:
    op.drop_table("extracted_reports")
