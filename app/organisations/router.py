from typing import Annotated

from fastapi import APIRouter, Depends, Response

from app.core.caller import PrincipalDep, allow
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.etag import etag
from app.core.http import IfMatch
from app.core.principal import Principal, Role
from app.organisations import service
from app.organisations.schemas import (
    OrganisationCreate,
    OrganisationList,
    OrganisationRead,
    OrganisationUpdate,
    SiteCreate,
    SiteRead,
)

router = APIRouter()
Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 422)


@router.get("", responses=PROBLEMS, summary="List the organisations in your reach")
def list_organisations(session: SessionDep, principal: PrincipalDep) -> OrganisationList:
    items = service.list_(session=session, principal=principal)
    return OrganisationList(items=[OrganisationRead.model_validate(o) for o in items])


@router.post("", status_code=201, responses=PROBLEMS, summary="Add a member organisation (admin)")
def create_organisation(
    session: SessionDep, principal: Admin, data: OrganisationCreate, response: Response
) -> OrganisationRead:
    organisation = service.create(
        session=session, principal=principal, code=data.code, name=data.name
    )
    response.headers["ETag"] = etag(organisation.version)
    return OrganisationRead.model_validate(organisation)


@router.get("/{code}", responses=PROBLEMS, summary="Read an organisation")
def get_organisation(
    code: str, session: SessionDep, principal: PrincipalDep, response: Response
) -> OrganisationRead:
    organisation = service.get_or_404(session=session, principal=principal, code=code)
    response.headers["ETag"] = etag(organisation.version)
    return OrganisationRead.model_validate(organisation)


@router.patch(
    "/{code}", responses=PROBLEMS, summary="Rename or deactivate an organisation (admin, If-Match)"
)
def update_organisation(
    code: str,
    data: OrganisationUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatch = None,
) -> OrganisationRead:
    organisation = service.update(
        session=session,
        principal=principal,
        code=code,
        if_match=if_match,
        name=data.name,
        active=data.active,
    )
    response.headers["ETag"] = etag(organisation.version)
    return OrganisationRead.model_validate(organisation)


@router.get("/{code}/sites", responses=PROBLEMS, summary="An organisation's services or sites")
def list_sites(code: str, session: SessionDep, principal: PrincipalDep) -> list[SiteRead]:
    sites = service.list_sites(session=session, principal=principal, code=code)
    return [SiteRead.model_validate(s) for s in sites]


@router.post(
    "/{code}/sites", status_code=201, responses=PROBLEMS, summary="Add a service or site (admin)"
)
def create_site(code: str, data: SiteCreate, session: SessionDep, principal: Admin) -> SiteRead:
    site = service.create_site(session=session, principal=principal, code=code, name=data.name)
    return SiteRead.model_validate(site)
