"""annotation projects, tasks and review outcomes

annotation_projects and annotation_tasks: the Label Studio projects and
tasks qaforge keeps in sync (push); review_outcomes: what each item's
verdicts add up to (pull); verifications gain their project, a state
(current, edited, deleted, stale) and a fingerprint of the annotation.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 08:21:06.344257
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annotation_projects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("answer_type", sa.String(length=20), nullable=False),
        sa.Column("base_url", sa.Text(), nullable=False),
        sa.Column("ls_project_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("config_sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_id", sa.BigInteger(), nullable=True),
        sa.Column("media_root", sa.Text(), nullable=False),
        sa.Column("adjudicator", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annotation_projects")),
        sa.UniqueConstraint(
            "name", "purpose", "answer_type", name=op.f("uq_annotation_projects_name")
        ),
    )
    op.create_table(
        "annotation_tasks",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("ls_task_id", sa.BigInteger(), nullable=False),
        sa.Column("task_sha256", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column(
            "superseded_annotation_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_annotation_tasks_item_id_qa_items")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["annotation_projects.id"],
            name=op.f("fk_annotation_tasks_project_id_annotation_projects"),
        ),
        sa.PrimaryKeyConstraint("project_id", "item_id", name=op.f("pk_annotation_tasks")),
    )
    with op.batch_alter_table("annotation_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_annotation_tasks_ls_task_id"), ["ls_task_id"], unique=False
        )

    op.create_table(
        "review_outcomes",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column(
            "answer",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "decided_by",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "provenance",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["qa_items.id"], name=op.f("fk_review_outcomes_item_id_qa_items")
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_review_outcomes")),
    )
    with op.batch_alter_table("review_outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_outcomes_status"), ["status"], unique=False)

    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("state", sa.String(length=20), nullable=False, server_default="current")
        )
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_verifications_external_annotation_id"),
            ["external_annotation_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_verifications_project_id"), ["project_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_verifications_project_id_annotation_projects"),
            "annotation_projects",
            ["project_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_verifications_project_id_annotation_projects"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_verifications_project_id"))
        batch_op.drop_index(batch_op.f("ix_verifications_external_annotation_id"))
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("state")
        batch_op.drop_column("project_id")

    with op.batch_alter_table("review_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_outcomes_status"))

    op.drop_table("review_outcomes")
    with op.batch_alter_table("annotation_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_annotation_tasks_ls_task_id"))

    op.drop_table("annotation_tasks")
    op.drop_table("annotation_projects")
