"""The audit trail as a hash chain: an altered, removed or reordered entry shows.

Each entry's hash is SHA-256 over the hash of the entry before it and the entry's own content
in a canonical form; the first entry follows `GENESIS`. Entries are sealed when their
transaction commits, one transaction at a time (SQLite has one writer; PostgreSQL takes a
transaction-level advisory lock), so positions follow each other without gaps.

What a chain cannot show by itself is the removal of its last entries: `verify` reports the
head (position and hash) so that it can be compared with one noted earlier.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry
from app.core.db import table

GENESIS = "0" * 64
PENDING = "audit_pending"
# Any constant: the key of the advisory lock that orders the sealing on PostgreSQL.
_ADVISORY_LOCK_KEY = 0x61756469


# What an entry's hash covers, read by name from an `AuditEntry` or a `PendingEntry`.
SEALED_FIELDS = (
    "position",
    "occurred_at",
    "request_id",
    "account_id",
    "role",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "situation_id",
    "detail",
)


@dataclass(slots=True)
class PendingEntry:
    """An entry of this transaction, written when it commits. A plain object rather than an
    `AuditEntry`: every request writes one, and one insert statement writes them all."""

    occurred_at: datetime
    request_id: str | None
    account_id: int | None
    role: str | None
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str | None
    situation_id: str | None
    detail: dict[str, Any] | None
    position: int = 0
    previous_hash: str = ""
    hash: str = ""


def content(entry: AuditEntry | PendingEntry) -> bytes:
    fields: dict[str, Any] = {name: getattr(entry, name) for name in SEALED_FIELDS}
    fields["occurred_at"] = entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(entry: AuditEntry | PendingEntry, previous_hash: str) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + content(entry)).hexdigest()


def add(session: Session, entry: PendingEntry) -> None:
    """Queue an entry; it is sealed and written when the session commits."""
    session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    pending: list[PendingEntry] = session.info.pop(PENDING, [])
    if not pending:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(_ORDER_SEALING, {"key": _ADVISORY_LOCK_KEY})
    head = connection.execute(_HEAD).first()
    position, previous = (head[0], head[1]) if head else (0, GENESIS)
    for entry in pending:
        position += 1
        entry.position = position
        entry.previous_hash = previous
        entry.hash = previous = seal(entry, previous)
    connection.execute(
        _WRITE, [{name: getattr(entry, name) for name in _COLUMNS} for entry in pending]
    )


# Built once: they run at every commit that audits something.
_ORDER_SEALING = text("SELECT pg_advisory_xact_lock(:key)")
_HEAD = select(AuditEntry.position, AuditEntry.hash).order_by(AuditEntry.position.desc()).limit(1)
_WRITE = insert(table(AuditEntry))
_COLUMNS = [field.name for field in fields(PendingEntry)]


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(PENDING, None)


@dataclass(frozen=True)
class Verdict:
    entries: int
    head_position: int
    head_hash: str
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(factory: sessionmaker[Session], *, batch: int = 1000) -> Verdict:
    """Walk the chain from its start and report every break."""
    problems: list[str] = []
    expected_position, previous, count = 1, GENESIS, 0
    for entry in _entries(factory, batch):
        count += 1
        if entry.position != expected_position:
            problems.append(
                f"position {expected_position}: missing (next entry is {entry.position})"
            )
        if entry.previous_hash != previous:
            problems.append(f"position {entry.position}: does not follow the entry before it")
        if seal(entry, entry.previous_hash) != entry.hash:
            problems.append(f"position {entry.position}: altered (its hash does not match)")
        expected_position, previous = entry.position + 1, entry.hash
    return Verdict(
        entries=count, head_position=expected_position - 1, head_hash=previous, problems=problems
    )


def _entries(factory: sessionmaker[Session], batch: int) -> Iterator[AuditEntry]:
    last = 0
    while True:
        with factory() as session:
            rows = list(
                session.scalars(
                    select(AuditEntry)
                    .where(AuditEntry.position > last)
                    .order_by(AuditEntry.position)
                    .limit(batch)
                )
            )
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].position
