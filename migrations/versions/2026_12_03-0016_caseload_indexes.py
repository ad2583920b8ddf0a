"""the console's caseload counts open files from indexes alone; a situation says whether a
report decision is recorded

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("situations") as batch:
        batch.add_column(
            sa.Column("report_decided", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE situations SET report_decided = TRUE WHERE EXISTS "
        "(SELECT 1 FROM authority_reports WHERE authority_reports.situation_id = situations.id)"
    )
    op.create_index(
        "ix_situations_caseload",
        "situations",
        ["status", "severity", "report_decided", "opened_on", "updated_at", "id"],
    )
    op.create_index("ix_situations_status_updated_at", "situations", ["status", "updated_at"])
    op.create_index(
        "ix_year_end_reviews_situation_id_year", "year_end_reviews", ["situation_id", "year"]
    )


def downgrade() -> None:
    op.drop_index("ix_year_end_reviews_situation_id_year", table_name="year_end_reviews")
    op.drop_index("ix_situations_status_updated_at", table_name="situations")
    op.drop_index("ix_situations_caseload", table_name="situations")
    with op.batch_alter_table("situations") as batch:
        batch.drop_column("report_decided")
