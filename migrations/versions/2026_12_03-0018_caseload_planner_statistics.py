"""PostgreSQL's planner knows how colour, status and report decisions go together (so that the
caseload's red files without a decision are read from their index, not by scanning), and the
files reviewed for a year are found from the year

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 21:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Without it, the planner multiplies the three columns' frequencies as if unrelated
        # and expects thousands of red files without a decision where there are dozens.
        op.execute(
            "CREATE STATISTICS situations_caseload (mcv) "
            "ON status, severity, report_decided FROM situations"
        )
    op.create_index(
        "ix_year_end_reviews_year_situation_id", "year_end_reviews", ["year", "situation_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_year_end_reviews_year_situation_id", table_name="year_end_reviews")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS situations_caseload")
