"""the audit chain's head in a row of its own, moved on by a trigger: an entry is sealed by one
statement that locks it on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
GENESIS = "0" * 64

_MOVE_HEAD = "UPDATE audit_head SET position = NEW.position, hash = NEW.hash WHERE id = 1"


def upgrade() -> None:
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", POSITION, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    last = (
        op.get_bind()
        .execute(
            sa.text("SELECT position, hash FROM audit_entries ORDER BY position DESC LIMIT 1")
        )
        .first()
    )
    op.bulk_insert(
        head, [{"id": 1, "position": last[0] if last else 0, "hash": last[1] if last else GENESIS}]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN {_MOVE_HEAD}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_move_head AFTER INSERT ON audit_entries"
            " FOR EACH ROW EXECUTE FUNCTION audit_head_follows()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_entries_move_head AFTER INSERT ON audit_entries"
            f" BEGIN {_MOVE_HEAD}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_move_head ON audit_entries")
        op.execute("DROP FUNCTION audit_head_follows()")
    else:
        op.execute("DROP TRIGGER audit_entries_move_head")
    op.drop_table("audit_head")
