from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.core.caller import allow, allow_reading
from app.core.db import ReadingSessionDep, SessionDep, run_in_own_transaction
from app.core.errors import problem_responses
from app.core.etag import etag
from app.core.http import IfMatch
from app.core.principal import Principal, Role
from app.reference.labels import Language
from app.statistics import export, schemas, service
from app.statistics.models import StatisticsBaseline

router = APIRouter()
READERS = (Role.REPORTER, Role.DELEGATE, Role.ADMIN, Role.COORDINATOR, Role.INTRANET)
BaselineReaders = Annotated[Principal, Depends(allow(Role.REPORTER, Role.DELEGATE, Role.ADMIN))]
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
Year = Annotated[int, Path(ge=1990, le=2200, description="A calendar year.")]
PROBLEMS = problem_responses(401, 403, 404, 422)
CSV = "text/csv"

DEFINITIONS = """
**Which situations count for a year**: those opened in it (`opened_on` from 1 January to
31 December). Their state is the one they had on 31 December of that year:

- *closure-stage typology*: the typology of the closure in force on 31 December (closed on or
  before that date and not reopened by then); for a file still open then, the typology of its
  latest year-end review for that year or an earlier one; otherwise none yet
  (`without_closure_typology`). Group figures and requalifications use it.
- *requalified*: a closure-stage typology that differs from the intake typology.
- *severity at year end*: the colour after the last change made on or before 31 December;
  *highest severity*: the highest colour up to then.
- *reports*: each situation once, as reported (a report to an authority decided on or before
  31 December), else decided not to report, else red at year end without either, else none.

**Comparison** (`compare_to`, by default the year before): from the register where that year
has situations, otherwise from the baseline entered for it (whole-network figures only); the
answer says which. `change_pct` = (value - previous) / previous x 100, one decimal, rounded half
up; null where the earlier count is unknown, zero or suppressed.

**Small-count suppression** (`suppress_below=N`): counts from 1 to N-1 are hidden, and further
cells are hidden until no published total (or difference of two nested totals) gives one back.

As CSV with `Accept: text/csv` or `format=csv`.
"""


def _wants_csv(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "csv"
    best: tuple[float, str] = (0.0, "application/json")
    for part in request.headers.get("accept", "").split(","):
        media, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.strip() in (CSV, "application/json") and quality > best[0]:
            best = (quality, media.strip())
    return best[1] == CSV


@router.get(
    "/annual/{year}",
    response_model=schemas.AnnualStatistics,
    responses={**PROBLEMS, 200: {"content": {"application/json": {}, CSV: {}}}},
    summary="The annual statistics of a year, compared with another",
    description=DEFINITIONS,
)
async def annual_statistics(
    year: Year,
    request: Request,
    session: ReadingSessionDep,
    principal: Annotated[Principal, Depends(allow_reading(*READERS))],
    compare_to: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    organisation: Annotated[
        str | None,
        Query(max_length=20, description="Limit to one organisation (coordinators: their own)."),
    ] = None,
    suppress_below: Annotated[
        int | None, Query(ge=2, le=100, description="Hide counts from 1 to this number minus 1.")
    ] = None,
    lang: Language = Language.FR,
    format: Annotated[Literal["json", "csv"] | None, Query()] = None,
) -> Response:
    # Counted in a transaction that only reads, so that no one waits for the figures; the
    # call's audit entry is written after, in a short transaction of its own, and no figures
    # are answered unless it is.
    stats = await run_in_threadpool(
        service.annual,
        session=session,
        principal=principal,
        year=year,
        compare_to=compare_to,
        organisation=organisation,
        suppress_below=suppress_below,
        lang=lang,
    )
    await run_in_own_transaction(
        request,
        lambda audited: service.record_annual(session=audited, principal=principal, stats=stats),
    )
    if _wants_csv(request, format):
        return Response(
            export.to_csv(stats),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="statistics-{year}.csv"'},
        )
    return JSONResponse(stats.model_dump(mode="json"))


def _read(baseline: StatisticsBaseline) -> schemas.BaselineRead:
    return schemas.BaselineRead(
        year=baseline.year,
        figures=schemas.BaselineFigures.model_validate(baseline.figures),
        version=baseline.version,
    )


@router.get("/baselines", responses=PROBLEMS, summary="Past years' published totals")
def list_baselines(session: SessionDep, _principal: BaselineReaders) -> schemas.BaselineList:
    return schemas.BaselineList(items=[_read(b) for b in service.list_baselines(session=session)])


@router.get("/baselines/{year}", responses=PROBLEMS, summary="A past year's published totals")
def get_baseline(
    year: Year, session: SessionDep, _principal: BaselineReaders, response: Response
) -> schemas.BaselineRead:
    baseline = service.get_baseline(session=session, year=year)
    response.headers["ETag"] = etag(baseline.version)
    return _read(baseline)


@router.put(
    "/baselines/{year}",
    responses={**PROBLEMS, **problem_responses(400, 412), 201: {"model": schemas.BaselineRead}},
    summary="Enter or replace a past year's published totals (admin)",
)
def put_baseline(
    year: Year,
    figures: schemas.BaselineFigures,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.BaselineRead:
    baseline, created = service.put_baseline(
        session=session, principal=principal, year=year, figures=figures, if_match=if_match
    )
    response.status_code = 201 if created else 200
    response.headers["ETag"] = etag(baseline.version)
    return _read(baseline)


@router.delete(
    "/baselines/{year}",
    status_code=204,
    responses={**PROBLEMS, **problem_responses(400, 412, 428)},
    summary="Remove a baseline (admin)",
)
def delete_baseline(
    year: Year, session: SessionDep, principal: Admin, if_match: IfMatch = None
) -> Response:
    service.delete_baseline(session=session, principal=principal, year=year, if_match=if_match)
    return Response(status_code=204)
