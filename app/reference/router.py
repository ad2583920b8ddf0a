from typing import Annotated

from fastapi import APIRouter, Depends

from app.core.caller import PrincipalDep, allow
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.principal import Principal, Role
from app.reference import service
from app.reference.labels import Language
from app.reference.schemas import AuthorityCreate, ReferenceItem, ReferenceList

router = APIRouter()
PROBLEMS = problem_responses(401, 403, 409, 422)
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]


@router.get(
    "/authorities", responses=PROBLEMS, summary="Authorities a situation can be reported to"
)
def list_authorities(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.authorities(session=session, lang=lang)


@router.post(
    "/authorities", responses=PROBLEMS, status_code=201, summary="Add an authority (admin)"
)
def create_authority(session: SessionDep, principal: Admin, data: AuthorityCreate) -> ReferenceItem:
    return service.create_authority(session=session, principal=principal, data=data)


@router.get(
    "/requester-kinds", responses=PROBLEMS, summary="Who can bring a situation to the delegates"
)
def list_requester_kinds(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.requester_kinds(session=session, lang=lang)


@router.get("/age-groups", responses=PROBLEMS, summary="Age groups of the beneficiaries concerned")
def list_age_groups(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.age_groups(session=session, lang=lang)


@router.get(
    "/action-kinds",
    responses=PROBLEMS,
    summary="What a delegate may log as an action: a meeting, a call...",
)
def list_action_kinds(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.action_kinds(session=session, lang=lang)
