"""the audit chain's head row cannot be deleted: without it no entry could be sealed

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 02:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "the head of the audit chain cannot be deleted"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION audit_head_stays() RETURNS trigger LANGUAGE plpgsql"
            f" AS $$ BEGIN RAISE EXCEPTION '{_MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_head_stays BEFORE DELETE ON audit_head"
            " FOR EACH ROW EXECUTE FUNCTION audit_head_stays()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_head_stays BEFORE DELETE ON audit_head"
            f" BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_head_stays ON audit_head")
        op.execute("DROP FUNCTION audit_head_stays()")
    else:
        op.execute("DROP TRIGGER audit_head_stays")
