"""Situations from intake to closure, and the records of their history."""

import uuid
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit import service as audit_service
from app.audit.schemas import Access, Accessor, AccessReport
from app.auth.models import Account
from app.auth.principal import Principal
from app.auth.roles import ORGANISATION_ROLES
from app.core.db import table, utcnow
from app.core.errors import AppError, BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from app.core.etag import require_if_match
from app.core.pagination import decode_cursor, encode_cursor
from app.core.prebuilt import Prebuilt, only_row, run_together
from app.organisations import service as organisation_service
from app.organisations.models import Organisation, Site
from app.reference import service as reference_service
from app.reference.models import AgeGroup, RequesterKind
from app.situations import schemas
from app.situations.enums import ReportDecision, Severity, SituationStatus
from app.situations.models import (
    AuthorityReport,
    Closure,
    DelegateAction,
    ReferenceCounter,
    Reopening,
    SeverityChange,
    Situation,
    SituationEdit,
    SituationRecord,
    YearEndReview,
)
from app.situations.scoping import readable_situations
from app.webhooks import service as webhooks
from app.webhooks.enums import WebhookEvent

# Narratives are recorded as "changed", never with their text, in the edit history and audit.
NARRATIVE_FIELDS = frozenset({"summary"})
# Dates may run one day ahead of UTC: Luxembourg's calendar day starts before UTC's.
CLOCK_TOLERANCE = timedelta(days=1)

RecordT = TypeVar("RecordT", bound=SituationRecord)


def today() -> date:
    return utcnow().date()


def _not_in_future(field: str, value: date) -> None:
    if value > today() + CLOCK_TOLERANCE:
        raise ValidationFailed.on(field, "must not be in the future")


def _not_before(field: str, value: date, earliest: date | None, what: str) -> None:
    """A situation's history is dated in the order it happened: the figures of a year take
    each situation as it stood on 31 December, by these dates."""
    if earliest is not None and value < earliest:
        raise ValidationFailed.on(field, f"before {what} ({earliest.isoformat()})")


OPENED = "the date the situation was opened"


def _latest(session: Session, column: Any, situation_id: str) -> date | None:
    model = column.class_
    latest: date | None = session.scalar(
        select(func.max(column)).where(model.situation_id == situation_id)
    )
    return latest


@dataclass(frozen=True)
class SituationFilters:
    organisation: str | None = None
    status: SituationStatus | None = None
    severity: Severity | None = None
    intake_typology: str | None = None
    closure_typology: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    red_without_report: bool | None = None
    reference: str | None = None


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


def reference_of(year: int, sequence: int) -> str:
    """`2026-0042`: the year and the sequence, on four digits at least."""
    return f"{year}-{sequence:04d}"


def _next_reference(insert: Any, accepted: Any = None) -> Any:
    """The year's next number, the counter moved by one; with `accepted`, only if that
    selects a row (`year`, 1)."""
    counters = table(ReferenceCounter)
    moved = insert(counters)
    return (
        (
            moved.values(year=bindparam("year"), last_value=1)
            if accepted is None
            else moved.from_select(["year", "last_value"], accepted)
        )
        .on_conflict_do_update(
            index_elements=["year"], set_={"last_value": counters.c.last_value + 1}
        )
        .returning(counters.c.last_value)
    )


@dataclass(frozen=True, slots=True)
class _Home:
    """The organisation and site a new situation is filed under."""

    organisation_id: int
    organisation_code: str
    site: schemas.SiteRef | None
    has_subscriptions: bool


def _new_situation_checks(by: str) -> Select[int, bool, str | None, bool, bool]:
    """A new situation's organisation (found `by` its id or code, given as `home_id` or
    `home_code`: `id` is the situation's) and site, with whether its requester kind and age
    group exist."""
    organisations, sites = table(Organisation), table(Site)
    return (
        select(
            organisations.c.id,
            organisations.c.active,
            sites.c.name.label("site_name"),
            exists()
            .where(table(RequesterKind).c.code == bindparam("requester_kind"))
            .label("requester_kind_known"),
            exists()
            .where(table(AgeGroup).c.code == bindparam("age_group"))
            .label("age_group_known"),
        )
        .select_from(
            organisations.outerjoin(
                sites,
                and_(
                    sites.c.id == bindparam("site_id"),
                    sites.c.organisation_id == organisations.c.id,
                    sites.c.active.is_(True),
                ),
            )
        )
        .where(organisations.c[by] == bindparam(f"home_{by}"))
    )


def _filing(*, by: str, numbered: bool) -> Prebuilt:
    """A new situation, inserted only if it passes the checks that `_refusal` explains: its
    organisation (found `by` id or code) active unless the caller belongs to it, its site an
    active one of that organisation, its codes known. One statement, built once, since every
    creation runs it. It returns the situation's number and what the answer says of its
    organisation and site; nothing when refused.

    `numbered` (PostgreSQL): the statement also takes the next number of the year, only for a
    situation that passes the checks, so that a refused one moves nothing, whether or not the
    transaction is committed. The counter's row stays locked from then until the transaction
    commits, and every creation of the year waits for it: numbering and inserting in one
    statement keeps the wait as short as it can be. The reference is written as `reference_of`
    writes it. It also queues the creation's webhook deliveries (`webhooks.queued`, with
    `occurred_at` and `queued_at`), from the new row, and does not look for subscriptions.
    Otherwise (SQLite, one writer at a time) the number is taken just before and given, and
    the answer says whether the organisation has subscriptions, for `webhooks.enqueue`."""
    situations, sites = table(Situation), table(Site)
    checks = _new_situation_checks(by)
    # Read twice when numbered (for the counter, then the insert): PostgreSQL reads it once.
    home = checks.cte("home") if numbered else checks.subquery("home")
    accepted = and_(
        or_(home.c.active, bindparam("inactive_allowed", type_=Boolean)),
        or_(bindparam("site_id", type_=Integer).is_(None), home.c.site_name.is_not(None)),
        home.c.requester_kind_known,
        or_(bindparam("age_group", type_=String).is_(None), home.c.age_group_known),
    )
    given = [
        column
        for column in situations.c
        if column.name not in ("organisation_id", "reference", "sequence")
    ]
    values: list[Any] = [bindparam(column.name, type_=column.type) for column in given]
    source: Any = home
    if numbered:
        number = _next_reference(
            pg_insert,
            select(bindparam("year", type_=Integer), literal_column("1", Integer))
            .select_from(home)
            .where(accepted),
        ).cte("number")
        digits = cast(number.c.last_value, String)
        reference: Any = (
            cast(bindparam("year"), String)
            + "-"
            + func.lpad(digits, func.greatest(4, func.length(digits)), "0")
        )
        sequence: Any = number.c.last_value
        source = home.join(number, true())
    else:
        reference = bindparam("reference", type_=String)
        sequence = bindparam("sequence", type_=Integer)
    filing = insert(situations).from_select(
        [*(column.name for column in given), "organisation_id", "reference", "sequence"],
        select(*values, home.c.id, reference, sequence).select_from(source).where(accepted),
    )
    if not numbered:
        return Prebuilt(
            filing.returning(
                situations.c.sequence,
                situations.c.organisation_id,
                # The inserted row's columns named in SQL: SQLAlchemy does not correlate the
                # subqueries of RETURNING with the table inserted into.
                select(sites.c.name)
                .where(sites.c.id == literal_column("situations.site_id", Integer))
                .scalar_subquery()
                .label("site_name"),
                webhooks.any_active_subscription(
                    literal_column("situations.organisation_id", Integer)
                ).label("has_subscriptions"),
            )
        )
    # Numbered, the webhook deliveries are queued in the same statement, from the new row.
    filed = filing.returning(
        *(situations.c[name] for name in (*webhooks.TOLD, "sequence", "organisation_id", "site_id"))
    ).cte("filed")
    return Prebuilt(
        select(
            filed.c.sequence,
            filed.c.organisation_id,
            select(sites.c.name)
            .where(sites.c.id == filed.c.site_id)
            .scalar_subquery()
            .label("site_name"),
            false().label("has_subscriptions"),
        ).add_cte(webhooks.queued(WebhookEvent.CREATED, filed).cte("queued"))
    )


# Built once: every creation runs one of them.
_NEXT_REFERENCE = Prebuilt(_next_reference(sqlite_insert))
_FILINGS = {
    (by, numbered): _filing(by=by, numbered=numbered)
    for by in ("id", "code")
    for numbered in (True, False)
}
_CHECKS = {by: Prebuilt(_new_situation_checks(by)) for by in ("id", "code")}


# The creation's audit entry, its detail the reference that the filing gave the situation.
_SEAL_CREATION = chain.SealReading(
    "reference",
    table(Situation).c.reference,
    table(Situation).c.id == bindparam("situation_id"),
)


def _file(
    *,
    session: Session,
    principal: Principal,
    data: schemas.SituationCreate,
    row: dict[str, Any],
    entry: chain.PendingEntry,
    commit: bool,
) -> tuple[int, _Home]:
    """Files the situation under the organisation it names (or the caller's own), numbered in
    its year, and seals its audit `entry`; returns its number and where it was filed. Refused
    with the reason when it does not pass the checks.

    On PostgreSQL the filing (which queues the webhook deliveries too), the seal and, with
    `commit`, the `COMMIT` go to the database together, in one round trip: from the moment the
    filing takes the year's next number, every other creation of the year waits for this
    transaction to commit. Sent one at a time, that wait also covered trips back to this
    process, and the worker thread's waits to run again among the other requests (README,
    "Benchmarks"). A refused situation writes nothing, the counter included: what that
    `COMMIT` ends then is empty. SQLite has no round trip to save: there the entry is sealed
    at commit, as every other one, and `commit` is left to the caller."""
    named = data.organisation.strip().upper() if data.organisation is not None else None
    own = principal.role in ORGANISATION_ROLES
    key: int | str
    if own:
        if (
            principal.organisation_id is None
            or principal.organisation_code is None
            or named not in (None, principal.organisation_code)
        ):
            raise ValidationFailed.on("organisation", "no organisation in your reach has this code")
        by, key, code = "id", principal.organisation_id, principal.organisation_code
    elif named is None:
        raise ValidationFailed.on("organisation", "required")
    else:
        by, key, code = "code", named, named
    parameters = {**row, f"home_{by}": key, "inactive_allowed": own}
    numbered = session.get_bind().dialect.name == "postgresql"
    if numbered:
        if commit and session.info.get(chain.PENDING):
            raise ValueError("audit entries wait for a commit that this one would leave out")
        # Its webhook deliveries, queued by the filing.
        parameters |= {"occurred_at": row["created_at"].isoformat(), "queued_at": row["created_at"]}
        filing, _ = run_together(
            session,
            [(_FILINGS[by, numbered], parameters), _SEAL_CREATION.call(entry)],
            commit=commit,
        )
        filed = only_row(filing)
    else:
        sequence = _NEXT_REFERENCE.one_or_none(session, {"year": row["year"]}).last_value
        reference = reference_of(row["year"], sequence)
        parameters |= {"sequence": sequence, "reference": reference}
        filed = _FILINGS[by, numbered].one_or_none(session, parameters)
        if filed is not None:
            chain.add(session, replace(entry, detail={"reference": reference}))
    if filed is None:
        raise _refusal(session=session, principal=principal, data=data, by=by, key=key)
    site = (
        schemas.SiteRef(id=data.site_id, name=filed.site_name) if data.site_id is not None else None
    )
    return filed.sequence, _Home(filed.organisation_id, code, site, filed.has_subscriptions)


def _refusal(
    *,
    session: Session,
    principal: Principal,
    data: schemas.SituationCreate,
    by: str,
    key: int | str,
) -> AppError:
    """Why a new situation was not filed: the checks of `_filing`, one by one."""
    row = _CHECKS[by].one_or_none(
        session,
        {
            f"home_{by}": key,
            "site_id": data.site_id,
            "requester_kind": data.requester_kind,
            "age_group": data.age_group,
        },
    )
    if row is None:
        return ValidationFailed.on("organisation", "no organisation in your reach has this code")
    if not row.active and principal.role not in ORGANISATION_ROLES:
        return ValidationFailed.on("organisation", "this organisation is no longer active")
    if data.site_id is not None and row.site_name is None:
        return _site_refused()
    if not row.requester_kind_known:
        return _requester_kind_refused()
    if data.age_group is not None and not row.age_group_known:
        return _age_group_refused()
    # PostgreSQL: changed by another transaction between the two statements.
    return Conflict("The organisation, its site or a code changed meanwhile: send it again.")


def _site_refused() -> ValidationFailed:
    return ValidationFailed.on("site_id", "not an active site of this organisation")


def _requester_kind_refused() -> ValidationFailed:
    return ValidationFailed.on(
        "requester_kind", "unknown code (see GET /api/v1/reference/requester-kinds)"
    )


def _age_group_refused() -> ValidationFailed:
    return ValidationFailed.on("age_group", "unknown code (see GET /api/v1/reference/age-groups)")


def _check_site(*, session: Session, organisation_id: int, site_id: int | None) -> None:
    if not session.scalar(
        select(organisation_service.site_usable(site_id, literal(organisation_id)))
    ):
        raise _site_refused()


def _check_requester_kind(*, session: Session, code: str) -> None:
    if not session.scalar(select(reference_service.requester_kind_known(code))):
        raise _requester_kind_refused()


def _check_age_group(*, session: Session, code: str | None) -> None:
    if not session.scalar(select(reference_service.age_group_known(code))):
        raise _age_group_refused()


def create(
    *,
    session: Session,
    principal: Principal,
    data: schemas.SituationCreate,
    commit: bool = False,
) -> schemas.Opened:
    """Intake, the busiest write: written by statements built once rather than through the
    unit of work, and answered with what was written rather than with the row read back.

    `commit`: the transaction has nothing to write after the creation (no Idempotency-Key's
    answer to store), so that on PostgreSQL it is committed in the creation's round trip."""
    _not_in_future("opened_on", data.opened_on)
    situation_id, now, year = str(uuid.uuid4()), utcnow(), data.opened_on.year
    sequence, home = _file(
        session=session,
        principal=principal,
        data=data,
        commit=commit,
        entry=audit_service.entry(
            principal=principal,
            action="situation.create",
            object_type="situation",
            object_id=situation_id,
            situation_id=situation_id,
        ),
        row={
            "id": situation_id,
            "year": year,
            "site_id": data.site_id,
            "opened_on": data.opened_on,
            "intake_typology": data.intake_typology,
            "initial_severity": data.severity,
            "severity": data.severity,
            "status": SituationStatus.OPEN,
            "requester_kind": data.requester_kind,
            "age_group": data.age_group,
            "summary": data.summary,
            "current_closure_id": None,
            "created_by_id": principal.account_id,
            "created_at": now,
            "updated_at": now,
            "erased_at": None,
            "version": 1,
        },
    )
    reference = reference_of(year, sequence)
    opened = schemas.Opened(
        id=situation_id,
        reference=reference,
        organisation_id=home.organisation_id,
        organisation_code=home.organisation_code,
        site=home.site,
        opened_on=data.opened_on,
        intake_typology=data.intake_typology,
        severity=data.severity,
        requester_kind=data.requester_kind,
        age_group=data.age_group,
        summary=data.summary,
        created_at=now,
    )
    if home.has_subscriptions:
        webhooks.enqueue(
            session=session, situation=opened, event=WebhookEvent.CREATED, occurred_at=now
        )
    return opened


def get_or_404(
    *, session: Session, principal: Principal, situation_id: str, for_update: bool = False
) -> Situation:
    if not _is_uuid(situation_id):
        raise NotFound("No situation has this id.")
    stmt = readable_situations(principal).where(Situation.id == situation_id)
    if for_update:
        stmt = stmt.with_for_update(of=Situation)
    situation = session.scalar(stmt)
    if situation is None:
        raise NotFound("No situation has this id.")
    return situation


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False


def read(*, session: Session, principal: Principal, situation_id: str) -> Situation:
    situation = get_or_404(session=session, principal=principal, situation_id=situation_id)
    audit_service.record(
        session=session,
        principal=principal,
        action="situation.read",
        object_type="situation",
        object_id=situation.id,
        situation_id=situation.id,
    )
    return situation


def _filtered(principal: Principal, filters: SituationFilters) -> Select[Situation]:
    stmt = readable_situations(principal)
    if filters.organisation is not None:
        organisation_ids = organisation_service.readable_organisations(principal).where(
            Organisation.code == filters.organisation.strip().upper()
        )
        stmt = stmt.where(
            Situation.organisation_id.in_(organisation_ids.with_only_columns(Organisation.id))
        )
    if filters.status is not None:
        stmt = stmt.where(Situation.status == filters.status)
    if filters.severity is not None:
        stmt = stmt.where(Situation.severity == filters.severity)
    if filters.intake_typology is not None:
        stmt = stmt.where(Situation.intake_typology == filters.intake_typology)
    if filters.closure_typology is not None:
        stmt = stmt.where(
            Situation.current_closure_id.in_(
                select(Closure.id).where(Closure.typology == filters.closure_typology)
            )
        )
    if filters.opened_from is not None:
        stmt = stmt.where(Situation.opened_on >= filters.opened_from)
    if filters.opened_to is not None:
        stmt = stmt.where(Situation.opened_on <= filters.opened_to)
    if filters.red_without_report is not None:
        reported = exists().where(AuthorityReport.situation_id == Situation.id)
        red_without = (Situation.severity == Severity.RED) & ~reported
        stmt = stmt.where(red_without if filters.red_without_report else ~red_without)
    if filters.reference is not None:
        stmt = stmt.where(Situation.reference == filters.reference.strip())
    return stmt


def list_(
    *,
    session: Session,
    principal: Principal,
    filters: SituationFilters,
    limit: int,
    cursor: str | None,
) -> tuple[list[Situation], str | None]:
    """Newest reference first; the cursor is the (year, sequence) of the last item."""
    stmt = _filtered(principal, filters)
    if cursor is not None:
        year, sequence = decode_cursor(cursor, types=(int, int))
        stmt = stmt.where(
            (Situation.year < year) | ((Situation.year == year) & (Situation.sequence < sequence))
        )
    stmt = stmt.order_by(Situation.year.desc(), Situation.sequence.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    items = rows[:limit]
    next_cursor = encode_cursor([items[-1].year, items[-1].sequence]) if len(rows) > limit else None
    audit_service.record(
        session=session,
        principal=principal,
        action="situation.list",
        object_type="situation",
        detail={"count": len(items), "ids": [s.id for s in items]},
    )
    return items, next_cursor


def _for_change(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    require_etag: bool = False,
    must_be_open: bool = True,
) -> Situation:
    situation = get_or_404(
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


def _record_change(
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
    record.situation_id = situation.id
    record.recorded_by_id = principal.account_id
    situation.updated_at = utcnow()
    session.add(record)
    session.flush()
    session.refresh(record)
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


# The dated records of a situation's history that follow its opening; reports to an authority
# and the delegates' actions may come before it (a first report, a first call).
_DATED = (
    SeverityChange.changed_on,
    YearEndReview.reviewed_on,
    Closure.closed_on,
    Reopening.reopened_on,
)


def _opened_before_history(*, session: Session, situation_id: str, opened_on: date) -> None:
    dates = union_all(
        *(
            select(column.label("on")).where(column.class_.situation_id == situation_id)
            for column in _DATED
        )
    ).subquery()
    first_dated, first_reviewed_year = session.execute(
        select(
            select(func.min(dates.c.on)).scalar_subquery(),
            select(func.min(YearEndReview.year))
            .where(YearEndReview.situation_id == situation_id)
            .scalar_subquery(),
        )
    ).one()
    if first_dated is not None and opened_on > first_dated:
        raise ValidationFailed.on(
            "opened_on", f"after the first dated record of its history ({first_dated.isoformat()})"
        )
    if first_reviewed_year is not None and opened_on.year > first_reviewed_year:
        raise ValidationFailed.on(
            "opened_on", f"after the year of a year-end review ({first_reviewed_year})"
        )


def update(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.SituationUpdate,
) -> Situation:
    situation = _for_change(
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
        _not_in_future("opened_on", sent["opened_on"])
        _opened_before_history(
            session=session, situation_id=situation.id, opened_on=sent["opened_on"]
        )
    if "site_id" in sent:
        _check_site(
            session=session, organisation_id=situation.organisation_id, site_id=sent["site_id"]
        )
    if "requester_kind" in sent:
        _check_requester_kind(session=session, code=sent["requester_kind"])
    if "age_group" in sent:
        _check_age_group(session=session, code=sent["age_group"])
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
        _record_change(
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
    situation = _for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    changed_on = data.changed_on or today()
    _not_in_future("changed_on", changed_on)
    _not_before("changed_on", changed_on, situation.opened_on, OPENED)
    _not_before(
        "changed_on",
        changed_on,
        _latest(session, SeverityChange.changed_on, situation.id),
        "the last change of colour",
    )
    if data.severity is situation.severity:
        raise BusinessRuleViolation(
            f"The situation is {situation.severity.value} already.",
            extra={"rule": "same-severity"},
        )
    record = SeverityChange(
        from_severity=situation.severity,
        to_severity=data.severity,
        changed_on=changed_on,
        reason=data.reason,
    )
    situation.severity = data.severity
    _record_change(
        session=session,
        principal=principal,
        situation=situation,
        record=record,
        action="situation.severity_change",
        detail={"from": record.from_severity.value, "to": record.to_severity.value},
    )
    webhooks.enqueue(
        session=session,
        situation=situation,
        event=WebhookEvent.SEVERITY_CHANGED,
        detail={
            "from_severity": record.from_severity.value,
            "to_severity": record.to_severity.value,
            "changed_on": changed_on.isoformat(),
        },
    )
    return record, situation


def add_review(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ReviewCreate,
) -> tuple[YearEndReview, Situation]:
    situation = _for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    reviewed_on = data.reviewed_on or today()
    _not_in_future("reviewed_on", reviewed_on)
    _not_before("reviewed_on", reviewed_on, situation.opened_on, OPENED)
    if data.year < situation.opened_on.year:
        raise ValidationFailed.on("year", "the situation was not open yet in that year")
    if data.year > reviewed_on.year:
        raise ValidationFailed.on("year", "a year cannot be reviewed before it has begun")
    record = _record_change(
        session=session,
        principal=principal,
        situation=situation,
        record=YearEndReview(
            year=data.year, reviewed_on=reviewed_on, typology=data.typology, note=data.note
        ),
        action="situation.review",
        detail={"year": data.year, "typology": data.typology},
    )
    return record, situation


def add_report(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ReportCreate,
) -> tuple[AuthorityReport, Situation]:
    situation = _for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    # A report may precede the opening: an organisation may report before it turns to a
    # delegate.
    _not_in_future("decided_on", data.decided_on)
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
    record = _record_change(
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
    webhooks.enqueue(
        session=session,
        situation=situation,
        event=WebhookEvent.REPORTED,
        detail={
            "decision": data.decision.value,
            "authority": data.authority,
            "decided_on": data.decided_on.isoformat(),
        },
    )
    return record, situation


def add_action(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ActionCreate,
) -> tuple[DelegateAction, Situation]:
    situation = _for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    _not_in_future("occurred_on", data.occurred_on)
    record = _record_change(
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
    situation = _for_change(
        session=session, principal=principal, situation_id=situation_id, if_match=if_match
    )
    _not_in_future("closed_on", data.closed_on)
    _not_before("closed_on", data.closed_on, situation.opened_on, OPENED)
    _not_before(
        "closed_on",
        data.closed_on,
        _latest(session, Reopening.reopened_on, situation.id),
        "the situation was last reopened",
    )
    if situation.severity is Severity.RED:
        has_report = session.scalar(
            select(exists().where(AuthorityReport.situation_id == situation.id))
        )
        if not has_report:
            raise BusinessRuleViolation(
                "A red situation is closed only after a report to an authority, or a recorded "
                "and justified decision not to report: record it first "
                f"(POST /api/v1/situations/{situation.id}/reports).",
                extra={"rule": "red-needs-report"},
            )
    closure = Closure(closed_on=data.closed_on, typology=data.typology, outcome=data.outcome)
    situation.status = SituationStatus.CLOSED
    situation.current_closure = closure
    _record_change(
        session=session,
        principal=principal,
        situation=situation,
        record=closure,
        action="situation.close",
        detail={"typology": data.typology},
    )
    webhooks.enqueue(
        session=session,
        situation=situation,
        event=WebhookEvent.CLOSED,
        detail={"closure_typology": data.typology, "closed_on": data.closed_on.isoformat()},
    )
    return closure, situation


def reopen(
    *,
    session: Session,
    principal: Principal,
    situation_id: str,
    if_match: str | None,
    data: schemas.ReopeningCreate,
) -> tuple[Reopening, Situation]:
    situation = _for_change(
        session=session,
        principal=principal,
        situation_id=situation_id,
        if_match=if_match,
        must_be_open=False,
    )
    closure = situation.current_closure
    if situation.status is not SituationStatus.CLOSED or closure is None:
        raise BusinessRuleViolation(
            "The situation is open already.", extra={"rule": "reopen-open-situation"}
        )
    if situation.erased_at is not None:
        raise BusinessRuleViolation(
            f"Situation {situation.reference} was erased at the end of its retention period.",
            extra={"rule": "erased-situation"},
        )
    reopened_on = data.reopened_on or today()
    _not_in_future("reopened_on", reopened_on)
    _not_before("reopened_on", reopened_on, closure.closed_on, "the closure it reopens")
    closure_id = closure.id
    situation.status = SituationStatus.OPEN
    situation.current_closure = None
    record = _record_change(
        session=session,
        principal=principal,
        situation=situation,
        record=Reopening(reopened_on=reopened_on, reason=data.reason, closure_id=closure_id),
        action="situation.reopen",
    )
    return record, situation


HISTORY_RECORDS: tuple[type[SituationRecord], ...] = (
    SituationEdit,
    SeverityChange,
    YearEndReview,
    AuthorityReport,
    DelegateAction,
    Closure,
    Reopening,
)


def history(
    *, session: Session, principal: Principal, situation_id: str
) -> tuple[Situation, Account, list[SituationRecord]]:
    """The situation, who created it, and all its records, oldest first."""
    situation = get_or_404(session=session, principal=principal, situation_id=situation_id)
    records: list[SituationRecord] = []
    for model in HISTORY_RECORDS:
        records.extend(session.scalars(select(model).where(model.situation_id == situation.id)))
    records.sort(key=lambda r: (r.recorded_at, HISTORY_RECORDS.index(type(r)), r.id))
    creator = session.get_one(Account, situation.created_by_id)
    audit_service.record(
        session=session,
        principal=principal,
        action="situation.history",
        object_type="situation",
        object_id=situation.id,
        situation_id=situation.id,
    )
    return situation, creator, records


def accesses(
    *, session: Session, principal: Principal, situation_id: str, limit: int, cursor: str | None
) -> AccessReport:
    """Who accessed the situation, when and to do what, from the audit trail."""
    situation = get_or_404(session=session, principal=principal, situation_id=situation_id)
    entries, next_cursor = audit_service.accesses(
        session=session, situation_id=situation.id, limit=limit, cursor=cursor
    )
    account_ids = {e.account_id for e in entries if e.account_id is not None}
    organisation_ids = {e.organisation_id for e in entries if e.organisation_id is not None}
    names = {
        row.id: row.display_name
        for row in session.execute(
            select(Account.id, Account.display_name).where(Account.id.in_(account_ids))
        )
    }
    codes = {
        row.id: row.code
        for row in session.execute(
            select(Organisation.id, Organisation.code).where(Organisation.id.in_(organisation_ids))
        )
    }
    audit_service.record(
        session=session,
        principal=principal,
        action="situation.accesses",
        object_type="situation",
        object_id=situation.id,
        situation_id=situation.id,
    )
    return AccessReport(
        situation_id=situation.id,
        items=[
            Access(
                at=e.occurred_at,
                by=Accessor(
                    id=e.account_id,
                    name=names.get(e.account_id) if e.account_id is not None else None,
                    role=e.role,
                    organisation=codes.get(e.organisation_id)
                    if e.organisation_id is not None
                    else None,
                ),
                action=e.action,
                purpose=audit_service.PURPOSES.get(e.action, e.action),
            )
            for e in entries
        ],
        next_cursor=next_cursor,
    )
