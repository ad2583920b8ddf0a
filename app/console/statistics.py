"""A year's figures and its comparison, as the API counts them."""

from datetime import date
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.console import sessions
from app.console.pages import (
    Lang,
    SignedInToRead,
    protected,
    said,
)
from app.core.db import ReadingSessionDep, run_in_own_transaction
from app.core.errors import AppError
from app.organisations import service as organisation_service
from app.statistics import annual_report
from app.statistics import export as statistics_export
from app.statistics import service as statistics_service

router = APIRouter(include_in_schema=False)


# --- statistics ------------------------------------------------------------------------------


@router.get("/statistics")
async def statistics_page(
    request: Request,
    session: ReadingSessionDep,
    signed: SignedInToRead,
    lang: Lang,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    compare_to: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    organisation: Annotated[str, Query(max_length=20)] = "",
    suppress_below: Annotated[int | None, Query(ge=2, le=100)] = None,
    format: Annotated[Literal["html", "csv", "report"], Query()] = "html",
) -> Response:
    """A year's figures and its comparison, as the API counts them (coordinators: their
    organisation's), with charts; or the same figures as CSV, or as the annual report: one
    HTML file that needs nothing else to be read or printed."""
    principal = signed.principal
    page = signed.page(request, lang)
    year = year or date.today().year
    compare_to = compare_to or year - 1
    try:
        stats = await run_in_threadpool(
            statistics_service.annual,
            session=session,
            principal=principal,
            year=year,
            compare_to=compare_to,
            organisation=organisation or None,
            suppress_below=suppress_below,
            lang=lang,
        )
        choices = await run_in_threadpool(
            organisation_service.list_, session=session, principal=principal
        )
    except AppError as refused:
        return page.render(
            "message.html", status_code=refused.status_code, title=said(refused, lang), text=None
        )

    def audited(write: Session) -> None:
        statistics_service.record_annual(session=write, principal=principal, stats=stats)
        sessions.seen(session=write, record=signed.session)

    await run_in_own_transaction(request, audited)
    if format == "csv":
        return protected(
            Response(
                statistics_export.to_csv(stats),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="statistiques-{year}.csv"'},
            )
        )
    if format == "report":
        return protected(
            HTMLResponse(
                annual_report.document(stats, lang, today=date.today()),
                headers={
                    "Content-Disposition": f'attachment; filename="rapport-annuel-{year}.html"'
                },
            )
        )
    asked = {
        "year": year,
        "compare_to": compare_to,
        "organisation": organisation,
        "suppress_below": suppress_below or "",
    }
    return page.render(
        "statistics.html",
        stats=stats,
        report=annual_report.sections(stats, lang),
        asked=asked,
        organisations=[o.code for o in choices],
        csv_link="/statistics?" + urlencode({**asked, "format": "csv"}),
        report_link="/statistics?" + urlencode({**asked, "format": "report"}),
        today_year=date.today().year,
        years=list(range(date.today().year, 2009, -1)),
    )
