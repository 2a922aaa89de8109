"""study split

studies.split: the split of a study (set from its patient, or from a split
file that may name studies); the leakage check flags a patient in two splits.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 07:22:44.816891
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("studies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("split", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("studies", schema=None) as batch_op:
        batch_op.drop_column("split")
