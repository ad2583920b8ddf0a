"""the caseload finds the open files opened by a date (those due for a year-end review) from an
index, not through the closed ones

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 20:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_situations_status_opened_on", "situations", ["status", "opened_on", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_situations_status_opened_on", table_name="situations")
