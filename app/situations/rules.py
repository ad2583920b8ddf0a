"""The rules about dates. A situation's history is dated in the order it happened: the figures
of a year take each situation as it stood on 31 December, by these dates."""

from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.errors import ValidationFailed
from app.situations.models import Closure, Reopening, SeverityChange, YearEndReview

# Dates may run one day ahead of UTC: Luxembourg's calendar day starts before UTC's.
CLOCK_TOLERANCE = timedelta(days=1)


class Earlier(StrEnum):
    """What a date may not come before, as a refusal says it."""

    OPENING = "the date the situation was opened"
    LAST_CHANGE = "the last change of colour"
    LAST_REOPENING = "the situation was last reopened"
    LAST_REVIEW = "the last year-end review"
    LAST_DECISION = "the last report decision"
    CLOSURE_REOPENED = "the closure it reopens"


# The dated records of a situation's history that follow its opening; reports to an authority
# and the delegates' actions may come before it (a first report, a first call).
_DATED = (
    SeverityChange.changed_on,
    YearEndReview.reviewed_on,
    Closure.closed_on,
    Reopening.reopened_on,
)


def today() -> date:
    return utcnow().date()


def not_in_future(field: str, value: date) -> None:
    if value > today() + CLOCK_TOLERANCE:
        raise ValidationFailed.on(field, "must not be in the future")


def not_before(field: str, value: date, earliest: date | None, what: Earlier) -> None:
    if earliest is not None and value < earliest:
        raise ValidationFailed.on(field, "before {what} ({earliest})", what=what, earliest=earliest)


def latest_dates(session: Session, situation_id: str, *columns: Any) -> list[date | None]:
    """The latest date of each column (`SeverityChange.changed_on`...) among the situation's
    records, in one statement."""
    latest = select(
        *(
            select(func.max(column))
            .where(column.class_.situation_id == situation_id)
            .scalar_subquery()
            for column in columns
        )
    )
    return list(session.execute(latest).one())


def opened_before_history(*, session: Session, situation_id: str, opened_on: date) -> None:
    """A corrected opening date may not pass the first dated record of the history, nor the
    year of a year-end review."""
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
            "opened_on",
            "after the first dated record of its history ({first_dated})",
            first_dated=first_dated,
        )
    if first_reviewed_year is not None and opened_on.year > first_reviewed_year:
        raise ValidationFailed.on(
            "opened_on",
            "after the year of a year-end review ({year})",
            year=first_reviewed_year,
        )
