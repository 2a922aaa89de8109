"""llm extraction

llm_cache (validated answers by model, prompt, schema, text and parameters),
llm_outcomes (per run and report version: extracted or failed, with reason
and raw response), rejected_findings, reconciliations (rules vs LLM).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 06:54:01.469300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "llm_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_llm_cache")),
    )
    op.create_table(
        "llm_outcomes",
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("report_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("raw_response", sa.Text(), nullable=True),
        sa.Column("from_cache", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_version_id"],
            ["report_versions.id"],
            name=op.f("fk_llm_outcomes_report_version_id_report_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["extraction_runs.id"], name=op.f("fk_llm_outcomes_run_id_extraction_runs")
        ),
        sa.PrimaryKeyConstraint("run_id", "report_version_id", name=op.f("pk_llm_outcomes")),
    )
    with op.batch_alter_table("llm_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_llm_outcomes_status"), ["status"], unique=False)

    op.create_table(
        "reconciliations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("report_version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column(
            "rule_finding_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "llm_finding_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_version_id"],
            ["report_versions.id"],
            name=op.f("fk_reconciliations_report_version_id_report_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["extraction_runs.id"],
            name=op.f("fk_reconciliations_run_id_extraction_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliations")),
    )
    with op.batch_alter_table("reconciliations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reconciliations_report_version_id"), ["report_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reconciliations_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reconciliations_state"), ["state"], unique=False)

    op.create_table(
        "rejected_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("report_version_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "stated",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_version_id"],
            ["report_versions.id"],
            name=op.f("fk_rejected_findings_report_version_id_report_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["extraction_runs.id"],
            name=op.f("fk_rejected_findings_run_id_extraction_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_findings")),
    )
    with op.batch_alter_table("rejected_findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rejected_findings_report_version_id"),
            ["report_version_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_rejected_findings_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rejected_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_findings_run_id"))
        batch_op.drop_index(batch_op.f("ix_rejected_findings_report_version_id"))

    op.drop_table("rejected_findings")
    with op.batch_alter_table("reconciliations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliations_state"))
        batch_op.drop_index(batch_op.f("ix_reconciliations_run_id"))
        batch_op.drop_index(batch_op.f("ix_reconciliations_report_version_id"))

    op.drop_table("reconciliations")
    with op.batch_alter_table("llm_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_llm_outcomes_status"))

    op.drop_table("llm_outcomes")
    op.drop_table("llm_cache")
