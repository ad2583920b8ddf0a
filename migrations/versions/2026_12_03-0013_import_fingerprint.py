"""a situation imported from a spreadsheet keeps its row's fingerprint, so that the same row
imported again is recognised

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("situations") as batch:
        batch.add_column(sa.Column("imported_row", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_situations_imported_row", ["imported_row"])


def downgrade() -> None:
    with op.batch_alter_table("situations") as batch:
        batch.drop_constraint("uq_situations_imported_row", type_="unique")
        batch.drop_column("imported_row")
