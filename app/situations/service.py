"""Situations: their opening, reading, listing and correction. What happens to them after is in
`records.py`, the rules about their dates in `rules.py`, who may reach them in `scoping.py`."""

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, String, bindparam, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.audit.schemas import Access, Accessor, AccessReport
from app.auth.models import Account
from app.core.db import table
from app.core.errors import NotFound, ValidationFailed
from app.core.pagination import decode_cursor, encode_cursor
from app.core.principal import Principal
from app.organisations import service as organisation_service
from app.organisations.models import Organisation, Site
from app.reference.models import AgeGroup, RequesterKind
from app.situations import schemas, scoping
from app.situations.enums import Severity, SituationStatus
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
from app.situations.rules import not_in_future
from app.webhooks import outbox
from app.webhooks.enums import WebhookEvent


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
    # What the console's caseload points at: open files not reviewed for a year that ended
    # (or is ending), and files nobody touched since a date.
    without_review_for: int | None = None
    untouched_since: datetime | None = None


# A situation's reference as `reference_of` writes it.
REFERENCE = re.compile(r"[0-9]{4}-[0-9]{4,9}")


def reference_of(year: int, sequence: int) -> str:
    """`2026-0042`: the year and the sequence, on four digits at least."""
    return f"{year}-{sequence:04d}"


def _take_sequences(session: Session, year: int, count: int) -> range:
    """The year's next `count` numbers. The counter's row stays locked until the transaction
    ends, so that concurrent creations of the year are numbered one after the other, without
    gaps or duplicates; a creation refused later rolls it back with the rest."""
    counting = _TAKE_SEQUENCES[session.get_bind().dialect.name]
    last: int = session.execute(counting, {"year": year, "count": count}).scalar_one()
    return range(last - count + 1, last + 1)


_counters = table(ReferenceCounter)
# Built once for each database (an upsert is written in each one's own words): every creation
# runs one.
_TAKE_SEQUENCES = {
    name: insert(_counters)
    .values(year=bindparam("year"), last_value=bindparam("count"))
    .on_conflict_do_update(
        index_elements=[_counters.c.year],
        set_={"last_value": _counters.c.last_value + bindparam("count")},
    )
    .returning(_counters.c.last_value)
    for name, insert in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}


@dataclass(frozen=True)
class Opening:
    """A new situation that passed every check, to be numbered and written."""

    data: schemas.SituationCreate
    organisation: Organisation
    site: Site | None
    imported_row: str | None = None  # the fingerprint of the spreadsheet row it comes from


def check_opening(
    *, session: Session, principal: Principal, data: schemas.SituationCreate
) -> Opening:
    """Every rule a new situation must pass, by reading only: the spreadsheet import checks
    all its rows this way before it writes any."""
    not_in_future("opened_on", data.opened_on)
    organisation = scoping.organisation_to_file_into(
        session=session, principal=principal, code=data.organisation
    )
    site = usable_site(session=session, organisation_id=organisation.id, site_id=data.site_id)
    check_codes(session=session, requester_kind=data.requester_kind, age_group=data.age_group)
    return Opening(data=data, organisation=organisation, site=site)


def create(*, session: Session, principal: Principal, data: schemas.SituationCreate) -> Situation:
    """Opens a situation: checked, numbered in the year of its opening, audited, and told to
    the organisation's webhook subscribers."""
    opening = check_opening(session=session, principal=principal, data=data)
    (situation,) = open_checked(session=session, principal=principal, openings=[opening])
    return situation


def open_checked(
    *, session: Session, principal: Principal, openings: Sequence[Opening]
) -> list[Situation]:
    """Opens situations that passed `check_opening`: numbered in the year of their opening (in
    the order given), written in one flush, each audited and told to its organisation's
    webhook subscribers."""
    years = Counter(opening.data.opened_on.year for opening in openings)
    numbers = {
        year: iter(_take_sequences(session, year, count)) for year, count in sorted(years.items())
    }
    situations = []
    for opening in openings:
        data, year = opening.data, opening.data.opened_on.year
        sequence = next(numbers[year])
        situations.append(
            Situation(
                id=str(uuid.uuid4()),
                reference=reference_of(year, sequence),
                year=year,
                sequence=sequence,
                organisation=opening.organisation,
                site=opening.site,
                opened_on=data.opened_on,
                intake_typology=data.intake_typology,
                initial_severity=data.severity,
                severity=data.severity,
                status=SituationStatus.OPEN,
                requester_kind=data.requester_kind,
                age_group=data.age_group,
                summary=data.summary,
                created_by_id=principal.account_id,
                imported_row=opening.imported_row,
            )
        )
    session.add_all(situations)
    session.flush()
    subscriptions = outbox.Subscriptions(session)
    for situation in situations:
        audit_service.record(
            session=session,
            principal=principal,
            action="situation.create",
            object_type="situation",
            object_id=situation.id,
            situation_id=situation.id,
            detail={"reference": situation.reference},
        )
        outbox.enqueue(
            session=session,
            situation=situation,
            event=WebhookEvent.CREATED,
            occurred_at=situation.created_at,
            subscriptions=subscriptions,
        )
    return situations


def _site_refused() -> ValidationFailed:
    return ValidationFailed.on("site_id", "not an active site of this organisation")


def _requester_kind_refused() -> ValidationFailed:
    return ValidationFailed.on(
        "requester_kind", "unknown code (see GET /api/v1/reference/requester-kinds)"
    )


def _age_group_refused() -> ValidationFailed:
    return ValidationFailed.on("age_group", "unknown code (see GET /api/v1/reference/age-groups)")


def usable_site(*, session: Session, organisation_id: int, site_id: int | None) -> Site | None:
    """The site a situation is filed under, if any: an active site of its organisation."""
    if site_id is None:
        return None
    site = session.get(Site, site_id)
    if site is None or site.organisation_id != organisation_id or not site.active:
        raise _site_refused()
    return site


def check_codes(
    *, session: Session, requester_kind: str | None = None, age_group: str | None = None
) -> None:
    """The requester kind and age group given (not None) are known codes."""
    if requester_kind is None and age_group is None:
        return
    known = session.execute(
        _CODES_KNOWN, {"requester_kind": requester_kind, "age_group": age_group}
    ).one()
    if not known.requester_kind:
        raise _requester_kind_refused()
    if not known.age_group:
        raise _age_group_refused()


# Built once: every creation runs it. A code not given (NULL) is not checked.
_CODES_KNOWN = select(
    or_(
        bindparam("requester_kind", type_=String).is_(None),
        exists().where(RequesterKind.code == bindparam("requester_kind")),
    ).label("requester_kind"),
    or_(
        bindparam("age_group", type_=String).is_(None),
        exists().where(AgeGroup.code == bindparam("age_group")),
    ).label("age_group"),
)


def get_or_404(
    *, session: Session, principal: Principal, situation_id: str, for_update: bool = False
) -> Situation:
    """The situation of this id or reference (`2026-0042`), if it is within the principal's
    reach; otherwise "not found", the same for another organisation's as for none."""
    if _is_uuid(situation_id):
        named = Situation.id == situation_id
    elif REFERENCE.fullmatch(situation_id):
        named = Situation.reference == situation_id
    else:
        raise NotFound("No situation has this id.")
    stmt = scoping.readable_situations(principal).where(named)
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
    stmt = scoping.readable_situations(principal)
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
        red_without = (Situation.severity == Severity.RED) & ~Situation.report_decided
        stmt = stmt.where(red_without if filters.red_without_report else ~red_without)
    if filters.reference is not None:
        stmt = stmt.where(Situation.reference == filters.reference.strip())
    if filters.without_review_for is not None:
        year = filters.without_review_for
        reviewed = exists().where(
            YearEndReview.situation_id == Situation.id, YearEndReview.year == year
        )
        stmt = stmt.where(Situation.opened_on <= date(year, 12, 31), ~reviewed)
    if filters.untouched_since is not None:
        stmt = stmt.where(Situation.updated_at < filters.untouched_since)
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


def counts(
    *,
    session: Session,
    principal: Principal,
    filters: dict[str, SituationFilters],
    at_most: int,
) -> dict[str, int]:
    """How many situations within reach each of the filters keeps, in one statement, each
    counted no further than one past `at_most`: a page says "more than `at_most`" rather than
    read a large register through."""
    if not filters:
        return {}
    counted = select(
        *(
            select(func.count())
            .select_from(
                _filtered(principal, kept)
                .with_only_columns(Situation.id)
                .limit(at_most + 1)
                .subquery()
            )
            .scalar_subquery()
            .label(name)
            for name, kept in filters.items()
        )
    )
    return dict(session.execute(counted).one()._mapping)


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
