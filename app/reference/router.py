from typing import Annotated

from fastapi import APIRouter, Depends

from app.auth.dependencies import PrincipalDep, allow
from app.auth.principal import Principal
from app.auth.roles import Role
from app.core.db import SessionDep
from app.reference import service
from app.reference.labels import Language
from app.reference.schemas import AuthorityCreate, ReferenceItem, ReferenceList

router = APIRouter()
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]


@router.get("/authorities", summary="Authorities a situation can be reported to")
def list_authorities(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.authorities(session=session, lang=lang)


@router.post("/authorities", status_code=201, summary="Add an authority (admin)")
def create_authority(session: SessionDep, principal: Admin, data: AuthorityCreate) -> ReferenceItem:
    return service.create_authority(session=session, principal=principal, data=data)


@router.get("/requester-kinds", summary="Who can bring a situation to the delegates")
def list_requester_kinds(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.requester_kinds(session=session, lang=lang)


@router.get("/age-groups", summary="Age groups of the beneficiaries concerned")
def list_age_groups(
    session: SessionDep, _principal: PrincipalDep, lang: Language = Language.FR
) -> ReferenceList:
    return service.age_groups(session=session, lang=lang)
