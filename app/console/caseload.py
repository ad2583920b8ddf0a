"""The home page of delegates and coordinators: the open situations within reach by colour,
what needs attention, and the situations the filters keep."""

from datetime import date, timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.console.pages import (
    CASE_ROLES,
    Lang,
    SignedIn,
    labels_of,
)
from app.core.db import SessionDep, utcnow
from app.core.errors import AppError
from app.core.principal import Role
from app.organisations import service as organisation_service
from app.situations import schemas
from app.situations import service as situation_service
from app.situations.enums import Severity, SituationStatus
from app.typologies import service as typology_service

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 25
# An open file nobody touched for this long needs a look.
UNTOUCHED_DAYS = 90
# The counts of the caseload stop there ("999+"): a page never reads a large register through.
COUNTED_UP_TO = 999


# --- the caseload --------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _review_year(today: date) -> int:
    """The year whose review is due: this one in December, the last one until February."""
    return today.year if today.month == 12 else today.year - 1


def _needing_attention(today: date) -> dict[str, situation_service.SituationFilters]:
    """What needs a delegate's attention: red files without a report or a justified decision,
    files untouched for UNTOUCHED_DAYS, and, from December to February, files not yet reviewed
    for the year that ends."""
    open_ = SituationStatus.OPEN
    needs = {
        "red": situation_service.SituationFilters(status=open_, red_without_report=True),
        "untouched": situation_service.SituationFilters(
            status=open_, untouched_since=utcnow() - timedelta(days=UNTOUCHED_DAYS)
        ),
    }
    if today.month in (12, 1, 2):
        needs["review"] = situation_service.SituationFilters(
            status=open_, without_review_for=_review_year(today)
        )
    return needs


@router.get("/")
def caseload(
    request: Request,
    session: SessionDep,
    signed: SignedIn,
    lang: Lang,
    reference: Annotated[str, Query(max_length=20)] = "",
    organisation: Annotated[str, Query(max_length=20)] = "",
    typology: Annotated[str, Query(max_length=3)] = "",
    colour: Annotated[str, Query(max_length=10)] = "",
    status: Annotated[str, Query(max_length=10)] = "open",
    opened_from: Annotated[str, Query(max_length=10)] = "",
    opened_to: Annotated[str, Query(max_length=10)] = "",
    attention: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The open situations within reach by colour, what needs attention, and the situations
    the filters keep, newest first, a page at a time."""
    principal = signed.principal
    page = signed.page(request, lang)
    if principal.role not in CASE_ROLES:  # a reporter's home, an admin's
        home = "/statistics" if principal.role is Role.REPORTER else "/admin"
        return RedirectResponse(home, status_code=303)
    needs = _needing_attention(date.today())
    filters = needs.get(attention) or situation_service.SituationFilters(
        reference=reference or None,
        organisation=organisation or None,
        intake_typology=typology or None,
        severity=Severity(colour) if colour in set(Severity) else None,
        status=SituationStatus(status) if status in set(SituationStatus) else None,
        opened_from=_date(opened_from),
        opened_to=_date(opened_to),
    )
    try:
        found, next_cursor = situation_service.list_(
            session=session, principal=principal, filters=filters, limit=PAGE_SIZE, cursor=cursor
        )
    except AppError:  # a cursor of another list, or altered: the first page
        found, next_cursor = situation_service.list_(
            session=session, principal=principal, filters=filters, limit=PAGE_SIZE, cursor=None
        )
    asked = {k: v for k, v in request.query_params.items() if k not in ("cursor", "lang") and v}
    # The overview heads the first page; the next ones are the list's alone.
    overview = cursor is None
    colours = {
        colour.value: situation_service.SituationFilters(
            status=SituationStatus.OPEN, severity=colour
        )
        for colour in Severity
    }
    counted = (
        situation_service.counts(
            session=session,
            principal=principal,
            filters=colours | needs,
            at_most=COUNTED_UP_TO,
        )
        if overview
        else None
    )
    return page.render(
        "caseload.html",
        by_colour={colour: counted[colour.value] for colour in Severity} if counted else None,
        attention=[(key, counted[key]) for key in needs] if counted else None,
        counted_up_to=COUNTED_UP_TO,
        review_year=_review_year(date.today()),
        untouched_days=UNTOUCHED_DAYS,
        items=[schemas.to_list_item(s) for s in found],
        next_page=f"/?{urlencode({**asked, 'cursor': next_cursor})}" if next_cursor else None,
        first_page="/?" + urlencode(asked) if cursor else None,
        asked={"status": "open", **asked} if not attention else asked,
        attention_asked=attention,
        # The filters' form heads the first page; the next ones link back to it.
        organisations=[
            o.code for o in organisation_service.list_(session=session, principal=principal)
        ]
        if overview
        else None,
        typologies=labels_of(typology_service.codes(session=session, lang=lang)),
        severities=list(Severity),
        statuses=list(SituationStatus),
    )
