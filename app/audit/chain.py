"""The audit trail as a hash chain: an altered, removed or reordered entry shows.

Each entry's hash is SHA-256 over the hash of the entry before it and the entry's own content
in a canonical form; the first entry follows `GENESIS`. Entries are sealed when their
transaction commits, each by one statement that reads the chain's head (`audit_head`: the last
position and hash), computes the hash in SQL and writes the entry; a trigger moves the head
on. On PostgreSQL that read locks the head until commit, and SQLite has one writer: sealing
goes one transaction at a time, so positions follow each other without gaps. An entry can also
be sealed at once, by the same kind of statement sent along with the one that writes what it
records (`SealReading`: intake on PostgreSQL).

What a chain cannot show by itself is the removal of its last entries: `verify` reports the
head (position and hash) so that it can be compared with one noted earlier.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, cast, event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit.models import AuditEntry, AuditHead
from app.core.db import json_pair, sha256_hex, table
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


def _sealing_statement(read: "SealReading | None" = None) -> Any:
    entries = table(AuditEntry)
    head = table(AuditHead)
    position = head.c.position + 1
    given = [name for name in _PARAMETERS if read is None or name != "detail"]
    values: list[Any] = [bindparam(name, type_=entries.c[name].type) for name in given]
    content: Any = bindparam("before", type_=String)
    found = select().where(head.c.id == HEAD_ID)
    if read is not None:
        # The value in place of the mark, written in JSON as it is, between quotes.
        content = content + '"' + read.value + '"' + bindparam("between", type_=String)
        given.append("detail")
        values.append(json_pair(read.key, read.value))
        found = found.where(read.condition)
    content = content + cast(position, String) + bindparam("after", type_=String)
    return insert(entries).from_select(
        [*given, "position", "previous_hash", "hash"],
        found.add_columns(*values, position, head.c.hash, sha256_hex(head.c.hash + "\n" + content))
        # PostgreSQL: waits for a transaction sealing meanwhile, then reads the head it left.
        .with_for_update(of=head),
    )


class SealReading:
    """The seal of an entry whose detail is `{key: value}`, the value a text that SQL reads
    where `condition` holds: sealed at once, in the same transaction as the statement before
    it, which writes the value. So both are sent together, before the value is known to
    Python (`run_together`). Where nothing meets the condition, nothing is written.

    The value must be written in JSON as it is, between quotes: no quote, backslash or control
    character (a situation's reference, `2026-0042`)."""

    def __init__(self, key: str, value: ColumnElement[str], condition: ColumnElement[bool]):
        self.key, self.value, self.condition = key, value, condition
        self._statement = Prebuilt(_sealing_statement(self))

    def call(self, entry: PendingEntry) -> tuple[Prebuilt, dict[str, Any]]:
        """The statement and the values that seal `entry` (its `detail` is not used)."""
        before, after = content_around_position(replace(entry, detail={self.key: _MARK}))
        start, marked, between = before.partition(_MARK_JSON)
        if not marked or _MARK_JSON in between:
            raise ValueError("the entry's content holds the mark of the value read in SQL")
        row = {name: getattr(entry, name) for name in _PARAMETERS if name != "detail"}
        return self._statement, {**row, "before": start, "between": between, "after": after}


# Where the value read in SQL goes in the content. A value of the entry's own could be written
# so as to hold it too (a quote then the character); `call` refuses any content where it shows
# twice, whichever comes first, rather than seal the wrong place.
_MARK = "\x00"
_MARK_JSON = json.dumps(_MARK)


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
