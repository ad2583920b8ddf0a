"""narratives encrypted at rest: values written before are encrypted in place

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core import crypto
from app.core.config import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, primary key, column): the narratives as they were at this revision.
COLUMNS = [
    ("situations", "id", "summary"),
    ("severity_changes", "id", "reason"),
    ("year_end_reviews", "id", "note"),
    ("authority_reports", "id", "justification"),
    ("authority_reports", "id", "details"),
    ("delegate_actions", "id", "note"),
    ("closures", "id", "outcome"),
    ("reopenings", "id", "reason"),
    ("idempotency_records", "id", "body"),
]
ENCRYPTED = f"{crypto.PREFIX}:%"


def _keyring() -> crypto.Keyring:
    try:
        return crypto.active_keyring()
    except crypto.KeyringError:
        return crypto.load_keyring(get_settings())


def _convert(*, encrypt: bool) -> None:
    connection = op.get_bind()
    keyring: crypto.Keyring | None = None
    for table_name, key_name, column_name in COLUMNS:
        table = sa.table(table_name, sa.column(key_name), sa.column(column_name, sa.Text))
        key, column = table.c[key_name], table.c[column_name]
        selected = column.not_like(ENCRYPTED) if encrypt else column.like(ENCRYPTED)
        rows = connection.execute(sa.select(key, column).where(selected)).all()
        if rows and keyring is None:
            keyring = _keyring()
        context = f"{table_name}.{column_name}"
        for row_key, value in rows:
            assert keyring is not None
            converted = (
                keyring.encrypt(value, context) if encrypt else keyring.decrypt(value, context)
            )
            connection.execute(
                sa.update(table).where(key == row_key).values({column_name: converted})
            )


def upgrade() -> None:
    _convert(encrypt=True)


def downgrade() -> None:
    _convert(encrypt=False)
