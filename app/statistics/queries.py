"""The SQL that turns a year's situations into counts. Everything is aggregated by the
database, in one statement per year: no situation is loaded into Python.

Which situations belong to a year: those opened in it (`opened_on` between 1 January and
31 December). Their state is taken as it was at the end of that year:
- closure-stage typology: the typology of the closure in force on 31 December (closed on or
  before it and not reopened by then); for a file open on that date, the typology of its latest
  year-end review for that year or an earlier one; otherwise none yet;
- severity at year end: the colour of the last change made on or before 31 December, or the
  colour at intake; highest severity: the highest colour it had up to that date;
- reports: a report to an authority decided on or before 31 December; failing that, a decision
  not to report; failing both, a situation red at year end is "red without report".
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from app.organisations.models import Organisation
from app.situations.enums import ReportDecision, Severity
from app.situations.models import (
    AuthorityReport,
    Closure,
    Reopening,
    SeverityChange,
    Situation,
    YearEndReview,
)

SEVERITY_RANK = {Severity.GREEN: 1, Severity.ORANGE: 2, Severity.RED: 3}
RANK_SEVERITY = {rank: severity.value for severity, rank in SEVERITY_RANK.items()}


def _rank(column: ColumnElement[Any] | QueryableAttribute[Any]) -> ColumnElement[int]:
    return case(
        *((column == severity.value, rank) for severity, rank in SEVERITY_RANK.items()),
        else_=0,
    )


def _greatest(a: ColumnElement[int], b: ColumnElement[int]) -> ColumnElement[int]:
    return case((a >= b, a), else_=b)


@dataclass(frozen=True)
class Cell:
    section: str
    key: str | None
    key2: str | None
    count: int
    organisation_id: int | None = None  # counted by organisation: whose count


def facts(*, year: int, organisation_id: int | None) -> Select[*tuple[Any, ...]]:
    """One row per situation of the year: its organisation, intake typology and, as of
    31 December, its closure-stage typology, colour, highest colour and report status."""
    end = date(year, 12, 31)
    s = Situation.__table__.alias("s")

    closure_in_force = (
        select(Closure.typology)
        .where(
            Closure.situation_id == s.c.id,
            Closure.closed_on <= end,
            ~exists().where(Reopening.closure_id == Closure.id, Reopening.reopened_on <= end),
        )
        .order_by(Closure.closed_on.desc(), Closure.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    latest_review = (
        select(YearEndReview.typology)
        .where(YearEndReview.situation_id == s.c.id, YearEndReview.year <= year)
        .order_by(
            YearEndReview.year.desc(), YearEndReview.reviewed_on.desc(), YearEndReview.id.desc()
        )
        .limit(1)
        .scalar_subquery()
    )
    last_colour = (
        select(SeverityChange.to_severity)
        .where(SeverityChange.situation_id == s.c.id, SeverityChange.changed_on <= end)
        .order_by(SeverityChange.changed_on.desc(), SeverityChange.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    highest_change = (
        select(func.max(_rank(SeverityChange.to_severity)))
        .where(SeverityChange.situation_id == s.c.id, SeverityChange.changed_on <= end)
        .scalar_subquery()
    )

    def decided(decision: ReportDecision) -> ColumnElement[bool]:
        return exists().where(
            AuthorityReport.situation_id == s.c.id,
            AuthorityReport.decision == decision.value,
            AuthorityReport.decided_on <= end,
        )

    highest = _greatest(_rank(s.c.initial_severity), func.coalesce(highest_change, 0))
    stmt = select(
        s.c.id.label("id"),
        s.c.organisation_id.label("organisation_id"),
        s.c.intake_typology.label("intake"),
        func.coalesce(closure_in_force, latest_review).label("closure"),
        func.coalesce(last_colour, s.c.initial_severity).label("severity_end"),
        highest.label("severity_max"),
        decided(ReportDecision.REPORTED).label("reported"),
        decided(ReportDecision.NOT_REPORTED).label("not_reported"),
    ).where(s.c.opened_on >= date(year, 1, 1), s.c.opened_on <= end)
    if organisation_id is not None:
        stmt = stmt.where(s.c.organisation_id == organisation_id)
    return stmt


def year_cells(
    *, session: Session, year: int, organisation_id: int | None, by_organisation: bool = False
) -> list[Cell]:
    """Every count of the year, as (section, key, key2, count) rows of one statement;
    `by_organisation`: each organisation's counts, in the same statement."""
    end = date(year, 12, 31)
    f = facts(year=year, organisation_id=organisation_id).cte("facts").prefix_with("MATERIALIZED")

    report_status = case(
        (f.c.reported, literal("reported")),
        (f.c.not_reported, literal("decided_not_to_report")),
        (f.c.severity_end == Severity.RED.value, literal("red_without_report")),
        else_=literal("none"),
    )

    whose = [f.c.organisation_id] if by_organisation else []
    whose_column = (f.c.organisation_id if by_organisation else null()).label("organisation_id")

    def part(
        section: str, *keys: ColumnElement[object], where: ColumnElement[bool] | None = None
    ) -> Select[str, str | None, str | None, int, int | None]:
        stmt = select(
            literal(section).label("section"),
            (cast(keys[0], String) if keys else null()).label("key"),
            (cast(keys[1], String) if len(keys) > 1 else null()).label("key2"),
            cast(func.count(), Integer).label("count"),
            whose_column,
        ).select_from(f)
        if where is not None:
            stmt = stmt.where(where)
        return stmt.group_by(*whose, *keys) if whose or keys else stmt

    by_authority = (
        select(
            literal("authority").label("section"),
            cast(AuthorityReport.authority_code, String).label("key"),
            null().label("key2"),
            cast(func.count(func.distinct(AuthorityReport.situation_id)), Integer).label("count"),
            whose_column,
        )
        .select_from(f.join(AuthorityReport, AuthorityReport.situation_id == f.c.id))
        .where(
            AuthorityReport.decision == ReportDecision.REPORTED.value,
            AuthorityReport.decided_on <= end,
        )
        .group_by(*whose, AuthorityReport.authority_code)
    )
    statement: CompoundSelect[str, str | None, str | None, int, int | None] = union_all(
        part("total"),
        part("intake", f.c.intake),
        part("closure", f.c.closure),
        part(
            "requalification",
            f.c.intake,
            f.c.closure,
            where=and_(f.c.closure.is_not(None), f.c.closure != f.c.intake),
        ),
        part("organisation", f.c.organisation_id),
        part("severity_end", f.c.severity_end),
        part("severity_max", f.c.severity_max),
        part("report", report_status),
        by_authority,
    )
    return [Cell(*row) for row in session.execute(statement)]


def organisation_codes(*, session: Session) -> dict[str, str]:
    return {str(i): code for i, code in session.execute(select(Organisation.id, Organisation.code))}
