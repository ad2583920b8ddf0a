"""The audit trail: one entry per read of a record and per change, in the same transaction."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, select
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.models import AuditEntry
from app.core.context import current_request_id
from app.core.db import table, utcnow
from app.core.pagination import page_by_id
from app.core.principal import Principal


def record(
    *,
    session: Session,
    principal: Principal | None,
    action: str,
    object_type: str,
    object_id: str | int | None = None,
    situation_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """An entry of the current request, by `principal`, now; sealed when its transaction
    commits."""
    chain.add(
        session,
        AuditEntry(
            occurred_at=utcnow(),
            request_id=current_request_id(),
            account_id=principal.account_id if principal else None,
            role=principal.role.value if principal else None,
            organisation_id=principal.organisation_id if principal else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id) if object_id is not None else None,
            situation_id=situation_id,
            detail=detail,
        ),
    )


def list_(
    *,
    session: Session,
    limit: int,
    cursor: str | None = None,
    situation_id: str | None = None,
    account_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[AuditEntry], str | None]:
    """Newest first, and the cursor of the next page. Times without a zone are UTC."""
    stmt: Select[AuditEntry] = select(AuditEntry)
    if situation_id is not None:
        stmt = stmt.where(AuditEntry.situation_id == situation_id)
    if account_id is not None:
        stmt = stmt.where(AuditEntry.account_id == account_id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    if since is not None:
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        stmt = stmt.where(AuditEntry.occurred_at >= since)
    if until is not None:
        until = until if until.tzinfo else until.replace(tzinfo=UTC)
        stmt = stmt.where(AuditEntry.occurred_at < until)
    return page_by_id(
        session=session,
        statement=stmt,
        id_column=AuditEntry.id,
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )


# Why each kind of entry touched a situation, as the access report says it.
PURPOSES = {
    "situation.create": "opened the situation",
    "situation.read": "read the record",
    "situation.history": "read the history",
    "situation.accesses": "read who accessed the situation",
    "situation.update": "corrected the record",
    "situation.severity_change": "changed the colour",
    "situation.report": "recorded a report to an authority, or a decision not to report",
    "situation.review": "recorded a year-end review",
    "situation.action": "recorded an action",
    "situation.close": "closed the situation",
    "situation.reopen": "reopened the situation",
}


def accesses(
    *, session: Session, situation_id: str, limit: int, cursor: str | None
) -> tuple[list[AuditEntry], str | None]:
    """Every entry that touched a situation, oldest first."""
    return page_by_id(
        session=session,
        statement=select(AuditEntry).where(AuditEntry.situation_id == situation_id),
        id_column=AuditEntry.id,
        limit=limit,
        cursor=cursor,
    )


def nth_newest_since(
    *,
    account_id: ColumnElement[int],
    since: ColumnElement[datetime],
    skip: ColumnElement[int],
) -> ScalarSelect[datetime]:
    """When the account's entry that `skip` newer ones follow was written, if that was since a
    time; NULL if it was before, or if the account has fewer entries. Two look-ups in the
    account's numbered entries (`account_sequence`), however many it wrote lately: walking
    them back would cost as many reads as the limit at a busy account."""
    # Not max(): PostgreSQL's generic plan for it, the one a prepared statement keeps, can
    # read all the account's entries; this one reads the last.
    newest = (
        select(_entries.c.account_sequence)
        .where(_entries.c.account_id == account_id, _entries.c.account_sequence.is_not(None))
        .order_by(_entries.c.account_sequence.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(_entries.c.occurred_at)
        .where(
            _entries.c.account_id == account_id,
            _entries.c.account_sequence == newest - skip,
            _entries.c.occurred_at >= since,
        )
        .scalar_subquery()
    )


_entries = table(AuditEntry)
