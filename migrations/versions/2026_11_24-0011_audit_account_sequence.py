"""each account's audit entries numbered in the order they are written, so that the rate limit
finds an account's n-th newest entry in two look-ups instead of walking its recent entries

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 05:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The number after the account's last: on PostgreSQL the trigger runs once the sealing statement
# holds the chain's head, so the entry before it is committed and seen (a statement of a
# PL/pgSQL function takes a new snapshot); SQLite has one writer at a time. The last is read
# with ORDER BY and LIMIT, not max(): PostgreSQL's generic plan for max() (the one a function
# keeps) can read all the account's entries.
_NEXT = (
    "coalesce((SELECT e.account_sequence FROM audit_entries e"
    " WHERE e.account_id = NEW.account_id AND e.account_sequence IS NOT NULL"
    " ORDER BY e.account_sequence DESC LIMIT 1), 0) + 1"
)


def upgrade() -> None:
    # Plain operations, not a batch: on SQLite a batch may copy the table, and its triggers
    # (the chain's head follows its entries) would not come along.
    op.add_column(
        "audit_entries",
        sa.Column(
            "account_sequence", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
    )
    op.execute(
        "UPDATE audit_entries SET account_sequence = numbered.n FROM ("
        " SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY position) AS n"
        " FROM audit_entries WHERE account_id IS NOT NULL"
        ") AS numbered WHERE audit_entries.id = numbered.id"
    )
    op.drop_index("ix_audit_entries_account_id_occurred_at", table_name="audit_entries")
    op.create_index(
        "ix_audit_entries_account_id_account_sequence",
        "audit_entries",
        ["account_id", "account_sequence"],
        unique=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_account_sequence() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN"
            f" IF NEW.account_id IS NOT NULL THEN NEW.account_sequence := {_NEXT}; END IF;"
            " RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_account_sequence BEFORE INSERT ON audit_entries"
            " FOR EACH ROW EXECUTE FUNCTION audit_account_sequence()"
        )
    else:
        # SQLite's triggers cannot change the row being inserted: numbered right after.
        op.execute(
            "CREATE TRIGGER audit_entries_account_sequence AFTER INSERT ON audit_entries"
            " WHEN NEW.account_id IS NOT NULL BEGIN"
            f" UPDATE audit_entries SET account_sequence = {_NEXT} WHERE id = NEW.id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_account_sequence ON audit_entries")
        op.execute("DROP FUNCTION audit_account_sequence()")
    else:
        op.execute("DROP TRIGGER audit_entries_account_sequence")
    op.drop_index("ix_audit_entries_account_id_account_sequence", table_name="audit_entries")
    op.create_index(
        "ix_audit_entries_account_id_occurred_at", "audit_entries", ["account_id", "occurred_at"]
    )
    op.drop_column("audit_entries", "account_sequence")
