"""What happens to a situation after its opening, each recorded as its own record of its
history: a correction of its intake data, a change of colour, a report to an authority (or a
justified decision not to report), a delegate's action, a year-end review, the closure and a
reopening."""

from datetime import date
from typing import Any, Protocol, TypeVar

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.db import utcnow
from app.core.errors import BusinessRuleViolation, ValidationFailed
from app.core.etag import require_if_match
from app.core.principal import Principal
from app.reference import service as reference_service
from app.situations import schemas, service
from app.situations.enums import ReportDecision, Severity, SituationStatus
from app.situations.models import (
    AuthorityReport,
    Closure,
    DelegateAction,
    Reopening,
    SeverityChange,
    Situation,
    SituationEdit,
    SituationRecord,
    YearEndReview,
)
from app.situations.rules import (
    Earlier,
    latest_dates,
    not_before,
    not_in_future,
    opened_before_history,
    today,
)
from app.webhooks import outbox
from app.webhooks.enums import WebhookEvent

RecordT = TypeVar("RecordT", bound=SituationRecord)
# Narratives are recorded as "changed", never with their text, in the edit history and audit.
NARRATIVE_FIELDS = frozenset({"summary"})


class Opened(Protocol):
    """What the rules of a closure read of its situation: a situation, or one about to be
    opened."""

    @property
    def opened_on(self) -> date: ...
    @property
    def severity(self) -> Severity: ...


class RecordAction(Protocol):
    """What every sub-resource's service function takes: change_severity, add_report..."""

    def __call__(
        self,
        *,
        session: Session,
        principal: Principal,
        situation_id: str,
        if_match: str | None,
        data: Any,
    ) -> tuple[SituationRecord, Situation]: ...


def update(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.SituationUpdate,
) -> Situation:
    """Corrects the intake data (If-Match required): the fields that changed are recorded as an
    edit of the history, narratives by name only."""
    situation = for_change(
        session=session,
        principal=principal,
        situation_id=situation_id,
        if_match=if_match,
        require_etag=True,
    )
    sent = data.model_dump(exclude_unset=True)
    for required in ("opened_on", "intake_typology", "summary", "requester_kind"):
        if required in sent and sent[required] is None:
            raise ValidationFailed.on(required, "cannot be null")
    if "opened_on" in sent:
        not_in_future("opened_on", sent["opened_on"])
        opened_before_history(
            session=session, situation_id=situation.id, opened_on=sent["opened_on"]
        )
    if "site_id" in sent:
        service.usable_site(
            session=session, organisation_id=situation.organisation_id, site_id=sent["site_id"]
        )
    service.check_codes(
        session=session, requester_kind=sent.get("requester_kind"), age_group=sent.get("age_group")
    )
    changes: list[dict[str, Any]] = []
    for field, value in sent.items():
        old = getattr(situation, field)
        if old == value:
            continue
        if field in NARRATIVE_FIELDS:
            changes.append({"field": field})
        else:
            changes.append({"field": field, "from": _jsonable(old), "to": _jsonable(value)})
        setattr(situation, field, value)
    if changes:
        record_change(
            session=session,
            principal=principal,
            situation=situation,
            record=SituationEdit(changes=changes),
            action="situation.update",
            detail={"fields": [c["field"] for c in changes]},
        )
        session.refresh(situation)
    return situation


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def change_severity(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.SeverityChangeCreate,
) -> tuple[SeverityChange, Situation]:
    situation = for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    changed_on = data.changed_on or today()
    last_change, reopened = latest_dates(
        session, situation.id, SeverityChange.changed_on, Reopening.reopened_on
    )
    check_change(
        situation=situation,
        severity=data.severity,
        changed_on=changed_on,
        last_change=last_change,
        reopened=reopened,
    )
    record = write_change(
        session=session,
        principal=principal,
        situation=situation,
        data=data,
        changed_on=changed_on,
    )
    return written(session, record), situation


def check_change(
    *,
    situation: Opened,
    severity: Severity,
    changed_on: date,
    last_change: date | None,
    reopened: date | None,
) -> None:
    """A change of colour comes after the opening, the last change and the last reopening
    (while it was closed, its colour could not change), and changes the colour."""
    not_in_future("changed_on", changed_on)
    not_before("changed_on", changed_on, situation.opened_on, Earlier.OPENING)
    not_before("changed_on", changed_on, last_change, Earlier.LAST_CHANGE)
    not_before("changed_on", changed_on, reopened, Earlier.LAST_REOPENING)
    if severity is situation.severity:
        raise BusinessRuleViolation(
            f"The situation is {situation.severity.value} already.",
            extra={"rule": "same-severity"},
        )


def write_change(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    data: schemas.SeverityChangeCreate,
    changed_on: date,
    subscriptions: outbox.Subscriptions | None = None,
) -> SeverityChange:
    """Adds a checked change of colour to the session, audited and told; the caller flushes."""
    record = SeverityChange(
        from_severity=situation.severity,
        to_severity=data.severity,
        changed_on=changed_on,
        reason=data.reason,
    )
    situation.severity = data.severity
    attach(
        session=session,
        principal=principal,
        situation=situation,
        record=record,
        action="situation.severity_change",
        detail={"from": record.from_severity.value, "to": record.to_severity.value},
    )
    outbox.enqueue(
        session=session,
        situation=situation,
        event=WebhookEvent.SEVERITY_CHANGED,
        detail={
            "from_severity": record.from_severity.value,
            "to_severity": record.to_severity.value,
            "changed_on": changed_on.isoformat(),
        },
        subscriptions=subscriptions,
    )
    return record


def add_review(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ReviewCreate,
) -> tuple[YearEndReview, Situation]:
    situation = for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    reviewed_on = data.reviewed_on or today()
    check_review(situation=situation, year=data.year, reviewed_on=reviewed_on)
    record = write_review(
        session=session,
        principal=principal,
        situation=situation,
        data=data,
        reviewed_on=reviewed_on,
    )
    return written(session, record), situation


def check_review(*, situation: Opened, year: int, reviewed_on: date) -> None:
    """A year-end review comes after the opening, of a year the situation was open in and
    that has begun."""
    not_in_future("reviewed_on", reviewed_on)
    not_before("reviewed_on", reviewed_on, situation.opened_on, Earlier.OPENING)
    if year < situation.opened_on.year:
        raise ValidationFailed.on("year", "the situation was not open yet in that year")
    if year > reviewed_on.year:
        raise ValidationFailed.on("year", "a year cannot be reviewed before it has begun")


def write_review(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    data: schemas.ReviewCreate,
    reviewed_on: date,
) -> YearEndReview:
    """Adds a checked year-end review to the session, audited; the caller flushes."""
    return attach(
        session=session,
        principal=principal,
        situation=situation,
        record=YearEndReview(
            year=data.year, reviewed_on=reviewed_on, typology=data.typology, note=data.note
        ),
        action="situation.review",
        detail={"year": data.year, "typology": data.typology},
    )


def add_report(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ReportCreate,
) -> tuple[AuthorityReport, Situation]:
    situation = for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    check_report(session=session, data=data)
    record = write_report(session=session, principal=principal, situation=situation, data=data)
    return written(session, record), situation


def check_report(*, session: Session, data: schemas.ReportCreate) -> None:
    """A report names a known authority; a decision not to report says why. A report may
    precede the opening: an organisation may report before it turns to a delegate."""
    not_in_future("decided_on", data.decided_on)
    if data.decision is ReportDecision.REPORTED:
        if data.authority is None:
            raise ValidationFailed.on("authority", "required when the situation was reported")
        if reference_service.active_authority(session=session, code=data.authority) is None:
            raise ValidationFailed.on(
                "authority", "unknown code (see GET /api/v1/reference/authorities)"
            )
    else:
        if data.justification is None:
            raise ValidationFailed.on("justification", "a decision not to report must say why")
        if data.authority is not None:
            raise ValidationFailed.on("authority", "only for a situation that was reported")


def write_report(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    data: schemas.ReportCreate,
    subscriptions: outbox.Subscriptions | None = None,
) -> AuthorityReport:
    """Adds a checked report to the session, audited and told; the caller flushes."""
    situation.report_decided = True
    record = attach(
        session=session,
        principal=principal,
        situation=situation,
        record=AuthorityReport(
            decision=data.decision,
            authority_code=data.authority,
            decided_on=data.decided_on,
            justification=data.justification,
            details=data.details,
        ),
        action="situation.report",
        detail={"decision": data.decision.value, "authority": data.authority},
    )
    outbox.enqueue(
        session=session,
        situation=situation,
        event=WebhookEvent.REPORTED,
        detail={
            "decision": data.decision.value,
            "authority": data.authority,
            "decided_on": data.decided_on.isoformat(),
        },
        subscriptions=subscriptions,
    )
    return record


def add_action(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ActionCreate,
) -> tuple[DelegateAction, Situation]:
    situation = for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    not_in_future("occurred_on", data.occurred_on)
    record = record_change(
        session=session,
        principal=principal,
        situation=situation,
        record=DelegateAction(
            kind=data.kind,
            occurred_on=data.occurred_on,
            duration_minutes=data.duration_minutes,
            note=data.note,
        ),
        action="situation.action",
        detail={"kind": data.kind.value},
    )
    return record, situation


def close(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ClosureCreate,
) -> tuple[Closure, Situation]:
    situation = for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    reported = situation.severity is not Severity.RED or session.scalar(
        select(exists().where(AuthorityReport.situation_id == situation.id))
    )
    reopened, changed, reviewed, decided = latest_dates(
        session,
        situation.id,
        Reopening.reopened_on,
        SeverityChange.changed_on,
        YearEndReview.reviewed_on,
        AuthorityReport.decided_on,
    )
    check_closure(
        data=data,
        situation=situation,
        follows=[
            (reopened, Earlier.LAST_REOPENING),
            (changed, Earlier.LAST_CHANGE),
            (reviewed, Earlier.LAST_REVIEW),
            (decided, Earlier.LAST_DECISION),
        ],
        reported=bool(reported),
    )
    closure = write_closure(session=session, principal=principal, situation=situation, data=data)
    return written(session, closure), situation


def check_closure(
    *,
    data: schemas.ClosureCreate,
    situation: Opened,
    follows: list[tuple[date | None, Earlier]],
    reported: bool,
) -> None:
    """A closure comes last in the history: after the opening and every dated record it
    `follows` (date, what it is); a red situation is closed only once it was reported, or a
    decision not to report it was recorded and justified."""
    not_in_future("closed_on", data.closed_on)
    not_before("closed_on", data.closed_on, situation.opened_on, Earlier.OPENING)
    for earliest, what in follows:
        not_before("closed_on", data.closed_on, earliest, what)
    if situation.severity is Severity.RED and not reported:
        raise BusinessRuleViolation(
            "A red situation is closed only after a report to an authority, or a recorded "
            "and justified decision not to report: record it first.",
            extra={"rule": "red-needs-report"},
        )


def write_closure(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    data: schemas.ClosureCreate,
    subscriptions: outbox.Subscriptions | None = None,
) -> Closure:
    """Closes the situation with a checked closure, audited and told; the caller flushes."""
    closure = Closure(closed_on=data.closed_on, typology=data.typology, outcome=data.outcome)
    situation.status = SituationStatus.CLOSED
    situation.current_closure = closure
    attach(
        session=session,
        principal=principal,
        situation=situation,
        record=closure,
        action="situation.close",
        detail={"typology": data.typology},
    )
    outbox.enqueue(
        session=session,
        situation=situation,
        event=WebhookEvent.CLOSED,
        detail={"closure_typology": data.typology, "closed_on": data.closed_on.isoformat()},
        subscriptions=subscriptions,
    )
    return closure


def reopen(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ReopeningCreate,
) -> tuple[Reopening, Situation]:
    situation = for_change(
        session=session,
        principal=principal,
        situation_id=situation_id,
        if_match=if_match,
        must_be_open=False,
    )
    closure = closure_in_force(situation)
    if situation.erased_at is not None:
        raise BusinessRuleViolation(
            f"Situation {situation.reference} was erased at the end of its retention period.",
            extra={"rule": "erased-situation"},
        )
    reopened_on = data.reopened_on or today()
    check_reopening(reopened_on=reopened_on, closed_on=closure.closed_on)
    record = write_reopening(
        session=session,
        principal=principal,
        situation=situation,
        data=data,
        reopened_on=reopened_on,
    )
    return written(session, record), situation


def closure_in_force(situation: Situation) -> Closure:
    """The closure a reopening reopens."""
    closure = situation.current_closure
    if situation.status is not SituationStatus.CLOSED or closure is None:
        raise BusinessRuleViolation(
            "The situation is open already.", extra={"rule": "reopen-open-situation"}
        )
    return closure


def check_reopening(*, reopened_on: date, closed_on: date) -> None:
    not_in_future("reopened_on", reopened_on)
    not_before("reopened_on", reopened_on, closed_on, Earlier.CLOSURE_REOPENED)


def write_reopening(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    data: schemas.ReopeningCreate,
    reopened_on: date,
) -> Reopening:
    """Reopens the situation's closure in force (stored: it has its id), audited; the caller
    flushes."""
    closure = closure_in_force(situation)
    situation.status = SituationStatus.OPEN
    situation.current_closure = None
    return attach(
        session=session,
        principal=principal,
        situation=situation,
        record=Reopening(reopened_on=reopened_on, reason=data.reason, closure_id=closure.id),
        action="situation.reopen",
    )


def for_change(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    require_etag: bool = False,
    must_be_open: bool = True,
) -> Situation:
    situation = service.get_or_404(
        session=session, principal=principal, situation_id=situation_id, for_update=True
    )
    if require_etag or if_match is not None:
        require_if_match(if_match, situation.version)
    if must_be_open and situation.status is SituationStatus.CLOSED:
        raise BusinessRuleViolation(
            f"Situation {situation.reference} is closed: reopen it before changing it.",
            extra={"rule": "closed-situation"},
        )
    return situation


def record_change(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    record: RecordT,
    action: str,
    detail: dict[str, Any] | None = None,
) -> RecordT:
    """Writes a record of the situation's history, moves the situation to its next version
    (its ETag) in the same flush, and audits the change."""
    attach(
        session=session,
        principal=principal,
        situation=situation,
        record=record,
        action=action,
        detail=detail,
    )
    return written(session, record)


def attach(
    *,
    session: Session,
    principal: Principal,
    situation: Situation,
    record: RecordT,
    action: str,
    detail: dict[str, Any] | None = None,
) -> RecordT:
    """Adds a record to the situation's history in the session, and audits it; the situation
    moves to its next version when the session flushes."""
    record.situation_id = situation.id
    record.recorded_by_id = principal.account_id
    situation.updated_at = utcnow()
    session.add(record)
    audit_service.record(
        session=session,
        principal=principal,
        action=action,
        object_type="situation",
        object_id=situation.id,
        situation_id=situation.id,
        detail=detail,
    )
    return record


def written(session: Session, record: RecordT) -> RecordT:
    """The record as stored, as an answer shows it (its id, who recorded it)."""
    session.flush()
    session.refresh(record)
    return record
