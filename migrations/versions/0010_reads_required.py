"""reads an item of a project needs

annotation_projects.reads_required: how many annotators must read an item of
the project before its verdicts decide it (the push's ``--overlap``; one for
adjudication). Projects made before this revision get 1, what they were
decided by until now; the next push records the overlap it was given.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("annotation_projects", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reads_required", sa.Integer(), nullable=False, server_default="1")
        )


def downgrade() -> None:
    with op.batch_alter_table("annotation_projects", schema=None) as batch_op:
        batch_op.drop_column("reads_required")
