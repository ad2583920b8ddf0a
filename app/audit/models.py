from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow

POSITION = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    """Who read or changed what, when. Written in the transaction of the action it records.

    Holds identifiers and field names only, never the text of a narrative. The entries form a
    hash chain (see app/audit/chain.py): `position` counts them from 1 without gaps, and
    `hash` seals each entry together with the hash of the one before it.
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    request_id: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[int | None]
    role: Mapped[str | None] = mapped_column(String(20))
    organisation_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    situation_id: Mapped[str | None] = mapped_column(String(36), index=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(POSITION, unique=True)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The account's entries counted from 1 in the order they are sealed (app/audit/chain.py):
    # the rate limit finds the n-th newest in two look-ups. Not sealed: it only serves to count.
    account_sequence: Mapped[int | None] = mapped_column(POSITION)

    # An account's entries, found by the rate limit and filtered by the audit list.
    __table_args__ = (
        Index(
            "ix_audit_entries_account_id_account_sequence",
            "account_id",
            "account_sequence",
            unique=True,
        ),
    )


class AuditHead(Base):
    """The chain's last entry, its position and hash: one row, moved on as entries are
    sealed (app/audit/chain.py). Read and locked by every sealing, so that entries are sealed
    one transaction at a time. Position 0 and `GENESIS` while the chain is empty. A trigger
    refuses to delete it (migration 0010): without it no entry could be sealed. A table rebuilt
    by a batch migration on SQLite loses its triggers: such a migration of `audit_head` must
    create that one again.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(POSITION)
    hash: Mapped[str] = mapped_column(String(64))
