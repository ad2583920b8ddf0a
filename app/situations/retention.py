"""The end of the retention period: a situation closed for longer than `retention_years` loses
its narratives and identifying details, and keeps what the statistics count.

Erased: the summary and every reason, note, justification, detail and outcome (emptied where
the column requires a value), the service or site, the age group, the values of edited fields
(their names stay), and the answers kept for Idempotency-Key retries. Kept: the reference, the
organisation, the dates, the typology codes at intake, review and closure, the colours, the
reports and decisions with their authority, the requester kind, the action kinds and their
durations, and the audit trail (which holds no narrative). The statistics of every year are
the same before and after.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.audit import service as audit_service
from app.core.db import transaction, utcnow
from app.idempotency.models import IdempotencyRecord
from app.situations.enums import SituationStatus
from app.situations.models import (
    AuthorityReport,
    Closure,
    DelegateAction,
    Reopening,
    SeverityChange,
    Situation,
    SituationEdit,
    YearEndReview,
)

ERASED = ""


def cutoff(*, as_of: date, years: int) -> date:
    """Situations closed on or before this date are past their retention period."""
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


def expired(*, as_of: date, years: int) -> Select[str]:
    return (
        select(Situation.id)
        .join(Closure, Closure.id == Situation.current_closure_id)
        .where(
            Situation.status == SituationStatus.CLOSED,
            Situation.erased_at.is_(None),
            Closure.closed_on <= cutoff(as_of=as_of, years=years),
        )
        .order_by(Situation.id)
    )


@dataclass(frozen=True)
class Outcome:
    situations: int
    references: list[str]


def apply(
    *,
    factory: sessionmaker[Session],
    as_of: date,
    years: int,
    idempotency_ttl: timedelta,
    dry_run: bool = False,
    batch: int = 100,
) -> Outcome:
    """Erase every situation past its retention period, `batch` situations per transaction
    (each one erased whole in its transaction), and return what was (or would be) erased."""
    if dry_run:
        with factory() as session:
            due = expired(as_of=as_of, years=years).subquery()
            planned = list(
                session.scalars(
                    select(Situation.reference)
                    .where(Situation.id.in_(select(due.c.id)))
                    .order_by(Situation.reference)
                )
            )
        return Outcome(situations=len(planned), references=planned)
    with transaction(factory) as session:
        # Answers kept for retries past their time (they repeat narratives).
        session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.created_at < utcnow() - idempotency_ttl
            )
        )
    references: list[str] = []
    while True:
        with transaction(factory) as session:
            ids: list[str] = list(session.scalars(expired(as_of=as_of, years=years).limit(batch)))
            references.extend(
                session.scalars(select(Situation.reference).where(Situation.id.in_(ids)))
            )
            for situation_id in ids:
                _erase(session, situation_id)
        if len(ids) < batch:
            return Outcome(situations=len(references), references=sorted(references))


def _erase(session: Session, situation_id: str) -> None:
    now = utcnow()
    session.execute(
        update(Situation)
        .where(Situation.id == situation_id)
        .values(
            summary=ERASED,
            site_id=None,
            age_group=None,
            imported_row=None,
            erased_at=now,
            updated_at=now,
            version=Situation.version + 1,
        )
    )
    for model, values in (
        (SeverityChange, {"reason": ERASED}),
        (YearEndReview, {"note": None}),
        (AuthorityReport, {"justification": None, "details": None}),
        (DelegateAction, {"note": None}),
        (Closure, {"outcome": ERASED}),
        (Reopening, {"reason": ERASED}),
    ):
        session.execute(update(model).where(model.situation_id == situation_id).values(values))
    for edit in session.scalars(
        select(SituationEdit).where(SituationEdit.situation_id == situation_id)
    ):
        edit.changes = [{"field": change["field"]} for change in edit.changes]
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id.in_(_idempotent_answers(session, situation_id))
        )
    )
    audit_service.record(
        session=session,
        principal=None,
        action="situation.erase",
        object_type="situation",
        object_id=situation_id,
        situation_id=situation_id,
    )


def _idempotent_answers(session: Session, situation_id: str) -> list[int]:
    """The answers still kept that name the situation (they repeat its narratives); only
    answers younger than the idempotency period are left to look through."""
    return [
        record.id
        for record in session.scalars(select(IdempotencyRecord))
        if situation_id in record.body
    ]
