from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.audit import service
from app.audit.schemas import AuditEntryRead, AuditPage
from app.core.caller import allow
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.http import MAX_ROW_ID
from app.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.core.principal import Principal, Role

router = APIRouter()
Auditor = Annotated[Principal, Depends(allow(Role.ADMIN, Role.DELEGATE))]
PROBLEMS = problem_responses(401, 403, 422)


@router.get("", responses=PROBLEMS, summary="Who read or changed what (admin, delegate)")
def list_audit_entries(
    session: SessionDep,
    _principal: Auditor,
    situation_id: Annotated[str | None, Query(max_length=36)] = None,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    action: Annotated[str | None, Query(max_length=60, examples=["situation.read"])] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    items, next_cursor = service.list_(
        session=session,
        limit=limit,
        cursor=cursor,
        situation_id=situation_id,
        account_id=account_id,
        action=action,
        since=since,
        until=until,
    )
    return AuditPage(
        items=[AuditEntryRead.model_validate(e) for e in items], next_cursor=next_cursor
    )
