"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 00:04:20.847348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outdir", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.String(length=20), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_table(
        "extraction_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("extractor", sa.String(length=50), nullable=False),
        sa.Column("extractor_version", sa.String(length=50), nullable=False),
        sa.Column("config_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("prompt_hash", sa.String(length=64), nullable=True),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extraction_runs")),
    )
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "counts",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_runs")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("split", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("record_key", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint("key", name=op.f("uq_quarantine_key")),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_stage"), ["stage"], unique=False)

    op.create_table(
        "studies",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("patient_id", sa.String(length=200), nullable=False),
        sa.Column("study_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_studies_patient_id_patients")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studies")),
    )
    with op.batch_alter_table("studies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_studies_patient_id"), ["patient_id"], unique=False)

    op.create_table(
        "image_series",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("study_id", sa.String(length=200), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("absolute_path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sequence", sa.String(length=20), nullable=False),
        sa.Column("view", sa.String(length=10), nullable=False),
        sa.Column("classified_by", sa.String(length=200), nullable=False),
        sa.Column(
            "shape",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "spacing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("n_slices", sa.Integer(), nullable=False),
        sa.Column("n_frames", sa.Integer(), nullable=False),
        sa.Column("orientation", sa.String(length=10), nullable=False),
        sa.Column(
            "affine",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dtype", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "sidecar",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_image_series_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_series")),
        sa.UniqueConstraint("study_id", "path", name=op.f("uq_image_series_study_id")),
    )
    with op.batch_alter_table("image_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_series_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_image_series_study_id"), ["study_id"], unique=False)

    op.create_table(
        "qa_items",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("study_id", sa.String(length=200), nullable=False),
        sa.Column("subtask_id", sa.String(length=100), nullable=False),
        sa.Column("subtask_version", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("sequence", sa.String(length=20), nullable=False),
        sa.Column("answer_type", sa.String(length=20), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column(
            "options",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "answer",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("template_id", sa.String(length=100), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("option_seed", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "provenance",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_qa_items_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_items")),
    )
    with op.batch_alter_table("qa_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_items_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_qa_items_study_id"), ["study_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_qa_items_subtask_id"), ["subtask_id"], unique=False)

    op.create_table(
        "reports",
        sa.Column("id", sa.String(length=200), nullable=False),
        sa.Column("study_id", sa.String(length=200), nullable=False),
        sa.Column("accession", sa.String(length=200), nullable=True),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["study_id"], ["studies.id"], name=op.f("fk_reports_study_id_studies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reports_study_id"), ["study_id"], unique=False)

    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=True),
        sa.Column("check_name", sa.String(length=60), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_flags_item_id_qa_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flags")),
    )
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flags_check_name"), ["check_name"], unique=False)
        batch_op.create_index(batch_op.f("ix_flags_item_id"), ["item_id"], unique=False)

    op.create_table(
        "qa_images",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("series_id", sa.String(length=64), nullable=False),
        sa.Column("z", sa.Integer(), nullable=False),
        sa.Column("t", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=30), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "windowing",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_qa_images_item_id_qa_items")
        ),
        sa.ForeignKeyConstraint(
            ["series_id"], ["image_series.id"], name=op.f("fk_qa_images_series_id_image_series")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_images")),
    )
    with op.batch_alter_table("qa_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_qa_images_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_qa_images_series_id"), ["series_id"], unique=False)

    op.create_table(
        "report_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("source_location", sa.String(length=100), nullable=False),
        sa.Column("ingested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_versions_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_versions")),
        sa.UniqueConstraint("report_id", "version", name=op.f("uq_report_versions_report_id")),
    )
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_versions_report_id"), ["report_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_report_versions_text_sha256"), ["text_sha256"], unique=False
        )

    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("annotator", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column(
            "corrected_answer",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reject_reason", sa.String(length=60), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("lead_time_seconds", sa.Float(), nullable=True),
        sa.Column("external_task_id", sa.BigInteger(), nullable=True),
        sa.Column("external_annotation_id", sa.BigInteger(), nullable=True),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_verifications_item_id_qa_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verifications_item_id"), ["item_id"], unique=False)

    op.create_table(
        "findings",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
        sa.Column("report_version_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=60), nullable=True),
        sa.Column("value_number", sa.Float(), nullable=True),
        sa.Column(
            "levels",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "walls",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "segments",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("certainty", sa.String(length=20), nullable=False),
        sa.Column("evidence_start", sa.Integer(), nullable=False),
        sa.Column("evidence_end", sa.Integer(), nullable=False),
        sa.Column("evidence_text", sa.Text(), nullable=False),
        sa.Column("extractor", sa.String(length=50), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_version_id"],
            ["report_versions.id"],
            name=op.f("fk_findings_report_version_id_report_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["extraction_runs.id"], name=op.f("fk_findings_run_id_extraction_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
    )
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_findings_code"), ["code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_findings_report_version_id"), ["report_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_findings_run_id"), ["run_id"], unique=False)

    op.create_table(
        "qa_item_findings",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("finding_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], name=op.f("fk_qa_item_findings_finding_id_findings")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_qa_item_findings_item_id_qa_items")
        ),
        sa.PrimaryKeyConstraint("item_id", "finding_id", name=op.f("pk_qa_item_findings")),
    )


def downgrade() -> None:
    op.drop_table("qa_item_findings")
    with op.batch_alter_table("findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_run_id"))
        batch_op.drop_index(batch_op.f("ix_findings_report_version_id"))
        batch_op.drop_index(batch_op.f("ix_findings_code"))

    op.drop_table("findings")
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verifications_item_id"))

    op.drop_table("verifications")
    with op.batch_alter_table("report_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_versions_text_sha256"))
        batch_op.drop_index(batch_op.f("ix_report_versions_report_id"))

    op.drop_table("report_versions")
    with op.batch_alter_table("qa_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_images_series_id"))
        batch_op.drop_index(batch_op.f("ix_qa_images_item_id"))

    op.drop_table("qa_images")
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flags_item_id"))
        batch_op.drop_index(batch_op.f("ix_flags_check_name"))

    op.drop_table("flags")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reports_study_id"))

    op.drop_table("reports")
    with op.batch_alter_table("qa_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_qa_items_subtask_id"))
        batch_op.drop_index(batch_op.f("ix_qa_items_study_id"))
        batch_op.drop_index(batch_op.f("ix_qa_items_status"))

    op.drop_table("qa_items")
    with op.batch_alter_table("image_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_series_study_id"))
        batch_op.drop_index(batch_op.f("ix_image_series_sha256"))

    op.drop_table("image_series")
    with op.batch_alter_table("studies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_studies_patient_id"))

    op.drop_table("studies")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_stage"))

    op.drop_table("quarantine")
    op.drop_table("patients")
    op.drop_table("ingest_runs")
    op.drop_table("extraction_runs")
    op.drop_table("exports")
