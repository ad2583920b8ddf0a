"""The audit trail as a hash chain: an altered, removed or reordered entry shows.

Each entry's hash is SHA-256 over the hash of the entry before it and the entry's own content
in a canonical form; the first entry follows `GENESIS`. Entries are sealed when their
transaction commits, each by one statement that reads the chain's head (`audit_head`: the last
position and hash), computes the hash in SQL and writes the entry; a trigger moves the head
on. On PostgreSQL that read locks the head until commit, and SQLite has one writer: sealing
goes one transaction at a time, so positions follow each other without gaps.

What a chain cannot show by itself is the removal of its last entries: `verify` reports the
head (position and hash) so that it can be compared with one noted earlier.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, bindparam, cast, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry, AuditHead
from app.core.db import sha256_hex, table
from app.core.prebuilt import Prebuilt

GENESIS = "0" * 64
PENDING = "audit_pending"
HEAD_ID = 1


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
_POSITION_KEY = '"position":'


@dataclass(slots=True)
class PendingEntry:
    """An entry of this transaction, written when it commits. A plain object rather than an
    `AuditEntry`: every request writes one, and the sealing statement takes it as parameters.
    Its position is the chain's, known only when it is sealed."""

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


def content_around_position(entry: AuditEntry | PendingEntry) -> tuple[str, str]:
    """An entry's content in its canonical form (JSON, keys sorted), cut where the value of
    its position goes: the sealing statement puts the position in between."""
    values: dict[str, Any] = {name: getattr(entry, name, None) for name in SEALED_FIELDS}
    values["occurred_at"] = entry.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    values["position"] = None
    text = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # The last `"position":null` is the entry's own: keys are sorted, so whatever `detail`
    # holds comes before it, and the strings after it cannot hold an unescaped quote.
    before, _, after = text.rpartition(_POSITION_KEY + "null")
    return before + _POSITION_KEY, after


def content(entry: AuditEntry) -> bytes:
    before, after = content_around_position(entry)
    return f"{before}{entry.position}{after}".encode()


def seal(entry: AuditEntry, previous_hash: str) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + content(entry)).hexdigest()


def add(session: Session, entry: PendingEntry) -> None:
    """Queue an entry; it is sealed and written when the session commits."""
    session.info.setdefault(PENDING, []).append(entry)


@event.listens_for(Session, "before_commit")
def _seal_pending(session: Session) -> None:
    pending: list[PendingEntry] = session.info.pop(PENDING, [])
    if not pending:
        return
    # `seal`, in SQL: one statement per entry, each on the head that the trigger moved after
    # the entry before.
    for entry in pending:
        before, after = content_around_position(entry)
        row = {name: getattr(entry, name) for name in _PARAMETERS}
        row["before"], row["after"] = before, after
        _SEAL.run(session, row)


_PARAMETERS = [field.name for field in fields(PendingEntry)]


def _sealing_statement() -> Any:
    entries = table(AuditEntry)
    head = table(AuditHead)
    position = head.c.position + 1
    content = bindparam("before", type_=String) + cast(position, String) + bindparam("after")
    return insert(entries).from_select(
        [*_PARAMETERS, "position", "previous_hash", "hash"],
        select(
            *(bindparam(name, type_=entries.c[name].type) for name in _PARAMETERS),
            position,
            head.c.hash,
            sha256_hex(head.c.hash + "\n" + content),
        )
        .where(head.c.id == HEAD_ID)
        # PostgreSQL: waits for a transaction sealing meanwhile, then reads the head it left.
        .with_for_update(),
    )


# Built once: it runs at every commit that audits something.
_SEAL = Prebuilt(_sealing_statement())


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
