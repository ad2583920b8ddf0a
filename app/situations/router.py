from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from app.audit.schemas import AccessReport
from app.core.caller import allow
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.etag import etag
from app.core.http import API_PREFIX, IfMatch
from app.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.core.principal import Principal, Role
from app.idempotency.dependencies import Idempotency, IdempotencyDep
from app.idempotency.service import Result
from app.situations import records, schemas, service
from app.situations.enums import Severity, SituationStatus
from app.situations.models import Situation

router = APIRouter()

CASE_WORKERS = (Role.DELEGATE, Role.COORDINATOR, Role.INTRANET)
CaseWorker = Annotated[Principal, Depends(allow(*CASE_WORKERS))]
Delegate = Annotated[Principal, Depends(allow(Role.DELEGATE))]

PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 422)


class SituationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str | None = Field(default=None, max_length=20, description="Organisation code.")
    status: SituationStatus | None = None
    severity: Severity | None = Field(default=None, description="Current colour.")
    intake_typology: schemas.TypologyCode | None = None
    closure_typology: schemas.TypologyCode | None = Field(
        default=None, description="Typology of the closure in force (closed situations)."
    )
    opened_from: date | None = Field(default=None, description="Opened on or after this date.")
    opened_to: date | None = Field(default=None, description="Opened on or before this date.")
    red_without_report: bool | None = Field(
        default=None,
        description="true: red situations with neither a report nor a decision not to report.",
    )
    reference: str | None = Field(default=None, max_length=16, examples=["2026-0042"])
    limit: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(default=None, max_length=200)


def _situation(situation: Situation) -> Result:
    return Result(
        body=schemas.to_read(situation),
        headers={
            "ETag": etag(situation.version),
            "Location": f"{API_PREFIX}/situations/{situation.id}",
        },
    )


def _add_record(
    action: records.RecordAction,
    situation_id: str,
    data: BaseModel,
    if_match: str | None,
    session: Session,
    principal: Principal,
    idempotency: Idempotency,
) -> Response:
    """Every sub-resource is created the same way: idempotently, answering the new record with
    the situation's version after it, in the body and as the ETag."""

    def produce() -> Result:
        record, situation = action(
            session=session,
            principal=principal,
            situation_id=situation_id,
            if_match=if_match,
            data=data,
        )
        return Result(
            body=schemas.to_record_read(record, situation_version=situation.version),
            # The situation's new version: the If-Match of the next change.
            headers={"ETag": etag(situation.version)},
        )

    return idempotency.respond(
        session=session, principal=principal, status_code=201, produce=produce
    )


@router.get(
    "/{situation_id}/accesses",
    responses=PROBLEMS,
    summary="Who accessed the situation, when, and to do what (delegate)",
)
def get_accesses(
    situation_id: str,
    session: SessionDep,
    principal: Delegate,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AccessReport:
    return service.accesses(
        session=session,
        principal=principal,
        situation_id=situation_id,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "",
    status_code=201,
    response_model=schemas.SituationRead,
    responses=PROBLEMS,
    summary="Open a situation",
)
def create_situation(
    data: schemas.SituationCreate,
    session: SessionDep,
    principal: CaseWorker,
    idempotency: IdempotencyDep,
) -> Response:
    return idempotency.respond(
        session=session,
        principal=principal,
        status_code=201,
        produce=lambda: _situation(service.create(session=session, principal=principal, data=data)),
    )


@router.get("", responses=PROBLEMS, summary="List situations (no narratives), newest first")
def list_situations(
    session: SessionDep,
    principal: CaseWorker,
    query: Annotated[SituationQuery, Query()],
) -> schemas.SituationPage:
    filters = service.SituationFilters(**query.model_dump(exclude={"limit", "cursor"}))
    items, next_cursor = service.list_(
        session=session,
        principal=principal,
        filters=filters,
        limit=query.limit,
        cursor=query.cursor,
    )
    return schemas.SituationPage(
        items=[schemas.to_list_item(s) for s in items], next_cursor=next_cursor
    )


@router.get("/{situation_id}", responses=PROBLEMS, summary="Read a situation")
def get_situation(
    situation_id: str, session: SessionDep, principal: CaseWorker, response: Response
) -> schemas.SituationRead:
    """By its id, or by its reference (`2026-0042`): every path that names a situation takes
    either."""
    situation = service.read(session=session, principal=principal, situation_id=situation_id)
    response.headers["ETag"] = etag(situation.version)
    return schemas.to_read(situation)


@router.patch(
    "/{situation_id}",
    responses={**PROBLEMS, **problem_responses(428)},
    summary="Correct a situation's intake data (If-Match required)",
)
def update_situation(
    situation_id: str,
    data: schemas.SituationUpdate,
    session: SessionDep,
    principal: CaseWorker,
    response: Response,
    if_match: IfMatch = None,
) -> schemas.SituationRead:
    situation = records.update(
        session=session,
        principal=principal,
        situation_id=situation_id,
        if_match=if_match,
        data=data,
    )
    response.headers["ETag"] = etag(situation.version)
    return schemas.to_read(situation)


@router.get("/{situation_id}/history", responses=PROBLEMS, summary="The situation's timeline")
def get_history(
    situation_id: str, session: SessionDep, principal: CaseWorker
) -> schemas.SituationHistory:
    return schemas.to_history(
        *service.history(session=session, principal=principal, situation_id=situation_id)
    )


@router.post(
    "/{situation_id}/severity-changes",
    status_code=201,
    response_model=schemas.SeverityChangeRead,
    responses=PROBLEMS,
    summary="Change the traffic-light colour, with the reason",
)
def change_severity(
    situation_id: str,
    data: schemas.SeverityChangeCreate,
    session: SessionDep,
    principal: CaseWorker,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    return _add_record(
        records.change_severity, situation_id, data, if_match, session, principal, idempotency
    )


@router.post(
    "/{situation_id}/reports",
    status_code=201,
    response_model=schemas.ReportRead,
    responses=PROBLEMS,
    summary="Record a report to an authority, or a justified decision not to report",
)
def add_report(
    situation_id: str,
    data: schemas.ReportCreate,
    session: SessionDep,
    principal: CaseWorker,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    return _add_record(
        records.add_report, situation_id, data, if_match, session, principal, idempotency
    )


@router.post(
    "/{situation_id}/reviews",
    status_code=201,
    response_model=schemas.ReviewRead,
    responses=PROBLEMS,
    summary="Record a year-end review: the closure-stage typology of a file still open",
)
def add_review(
    situation_id: str,
    data: schemas.ReviewCreate,
    session: SessionDep,
    principal: Delegate,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    return _add_record(
        records.add_review, situation_id, data, if_match, session, principal, idempotency
    )


@router.post(
    "/{situation_id}/actions",
    status_code=201,
    response_model=schemas.ActionRead,
    responses=PROBLEMS,
    summary="Log a delegate's action (meeting, call, advice...)",
)
def add_action(
    situation_id: str,
    data: schemas.ActionCreate,
    session: SessionDep,
    principal: Delegate,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    return _add_record(
        records.add_action, situation_id, data, if_match, session, principal, idempotency
    )


@router.post(
    "/{situation_id}/closure",
    status_code=201,
    response_model=schemas.ClosureRecordRead,
    responses=PROBLEMS,
    summary="Close the situation with its closure typology and outcome",
)
def close_situation(
    situation_id: str,
    data: schemas.ClosureCreate,
    session: SessionDep,
    principal: Delegate,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    return _add_record(records.close, situation_id, data, if_match, session, principal, idempotency)


@router.post(
    "/{situation_id}/reopening",
    status_code=201,
    response_model=schemas.ReopeningRead,
    responses=PROBLEMS,
    summary="Reopen a closed situation",
)
def reopen_situation(
    situation_id: str,
    data: schemas.ReopeningCreate,
    session: SessionDep,
    principal: Delegate,
    idempotency: IdempotencyDep,
    if_match: IfMatch = None,
) -> Response:
    return _add_record(
        records.reopen, situation_id, data, if_match, session, principal, idempotency
    )
