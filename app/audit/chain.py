"""The audit trail as a hash chain: an altered, removed or reordered entry shows.

Each entry's hash is SHA-256 over the hash of the entry before it and the entry's own content
in a canonical form; the first entry follows `GENESIS`. A transaction's entries are sealed as
it commits, after all its other writes: the chain's head (`audit_head`: the last position and
hash) is read and locked, each entry numbered and hashed after it, and the head moved on. On
PostgreSQL the lock holds until commit, and SQLite has one writer: entries are sealed one
transaction at a time, so positions follow each other without gaps.

What a chain cannot show by itself is the removal of its last entries: `verify` reports the
head (position and hash) so that it can be compared with one noted earlier.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry, AuditHead
from app.core.db import table

GENESIS = "0" * 64
PENDING = "audit_pending"
HEAD_ID = 1


# What an entry's hash covers.
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


def content(entry: AuditEntry) -> bytes:
    """The entry's content in its canonical form: JSON, keys sorted, no spaces, UTF-8."""
    values: dict[str, Any] = {name: getattr(entry, name) for name in SEALED_FIELDS}
    values["occurred_at"] = entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(entry: AuditEntry, previous_hash: str) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + content(entry)).hexdigest()


def add(session: Session, entry: AuditEntry) -> None:
    """Queue an entry; it is sealed and written when the session commits."""
    session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    pending: list[AuditEntry] = session.info.pop(PENDING, [])
    if not pending:
        return
    # Everything else first: the head stays locked for as short a time as can be.
    session.flush()
    position, previous = session.execute(_LOCK_HEAD).one()
    # Each account's entries numbered on from its last (`account_sequence`, which the rate
    # limit counts with), read under the head's lock so that the next follows it.
    numbers = {
        account_id: session.scalar(_LAST_NUMBER, {"account_id": account_id}) or 0
        for account_id in {e.account_id for e in pending if e.account_id is not None}
    }
    for entry in pending:
        position += 1
        entry.position, entry.previous_hash = position, previous
        entry.hash = previous = seal(entry, previous)
        if entry.account_id is not None:
            numbers[entry.account_id] += 1
            entry.account_sequence = numbers[entry.account_id]
    session.execute(_WRITE, [{name: getattr(e, name) for name in _WRITTEN} for e in pending])
    session.execute(_MOVE_HEAD, {"position": position, "hash": previous})


# Built once: every commit that audits something runs them.
_WRITTEN = (*SEALED_FIELDS, "previous_hash", "hash", "account_sequence")
_entry_rows, _head_row = table(AuditEntry), table(AuditHead)
_WRITE = insert(_entry_rows)
_LOCK_HEAD = (
    select(_head_row.c.position, _head_row.c.hash)
    .where(_head_row.c.id == HEAD_ID)
    .with_for_update()
)
_LAST_NUMBER = (
    select(_entry_rows.c.account_sequence)
    .where(
        _entry_rows.c.account_id == bindparam("account_id"),
        _entry_rows.c.account_sequence.is_not(None),
    )
    .order_by(_entry_rows.c.account_sequence.desc())
    .limit(1)
)
_MOVE_HEAD = (
    update(_head_row)
    .where(_head_row.c.id == HEAD_ID)
    .values(position=bindparam("position"), hash=bindparam("hash"))
)


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
