"""audit entries form a hash chain; the entries written before are chained in their order

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 18:31:29.934147
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session, load_only

from app.audit import chain
from app.audit.models import AuditEntry

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", POSITION, nullable=True))
        batch_op.add_column(sa.Column("previous_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    # The entries already written, chained in the order they were written. Only the columns
    # that exist at this revision are read: the model has more since.
    session = Session(bind=op.get_bind())
    previous = chain.GENESIS
    columns = [getattr(AuditEntry, name) for name in ("id", *chain.SEALED_FIELDS)]
    for position, entry in enumerate(
        session.scalars(
            sa.select(AuditEntry).options(load_only(*columns)).order_by(AuditEntry.id)
        ),
        start=1,
    ):
        entry.position = position
        entry.previous_hash = previous
        entry.hash = previous = chain.seal(entry, previous)
    session.flush()
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("position", existing_type=POSITION, nullable=False)
        batch_op.alter_column("previous_hash", existing_type=sa.String(64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_entries_position"), ["position"])


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_entries_position"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("previous_hash")
        batch_op.drop_column("position")
