"""the audit chain is sealed by the service as each transaction commits: the triggers that moved
the chain's head and numbered each account's entries are no longer needed

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As migrations 0009 and 0011 created them, for the way down.
_MOVE_HEAD = "UPDATE audit_head SET position = NEW.position, hash = NEW.hash WHERE id = 1"
_NEXT = (
    "coalesce((SELECT e.account_sequence FROM audit_entries e"
    " WHERE e.account_id = NEW.account_id AND e.account_sequence IS NOT NULL"
    " ORDER BY e.account_sequence DESC LIMIT 1), 0) + 1"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_move_head ON audit_entries")
        op.execute("DROP FUNCTION audit_head_follows()")
        op.execute("DROP TRIGGER audit_entries_account_sequence ON audit_entries")
        op.execute("DROP FUNCTION audit_account_sequence()")
    else:
        op.execute("DROP TRIGGER audit_entries_move_head")
        op.execute("DROP TRIGGER audit_entries_account_sequence")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN {_MOVE_HEAD}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_move_head AFTER INSERT ON audit_entries"
            " FOR EACH ROW EXECUTE FUNCTION audit_head_follows()"
        )
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
        op.execute(
            "CREATE TRIGGER audit_entries_move_head AFTER INSERT ON audit_entries"
            f" BEGIN {_MOVE_HEAD}; END"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_account_sequence AFTER INSERT ON audit_entries"
            " WHEN NEW.account_id IS NOT NULL BEGIN"
            f" UPDATE audit_entries SET account_sequence = {_NEXT} WHERE id = NEW.id; END"
        )
