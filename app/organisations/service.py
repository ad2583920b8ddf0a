"""Member organisations and their services or sites."""

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit_service
from app.core.errors import Conflict, NotFound
from app.core.etag import require_if_match
from app.core.principal import ORGANISATION_ROLES, Principal
from app.organisations.models import Organisation, Site


def readable_organisations(principal: Principal | None) -> Select[Organisation]:
    """A coordinator or intranet client sees its own organisation only; the command (None),
    run on the server, sees them all."""
    stmt = select(Organisation)
    if principal is not None and principal.role in ORGANISATION_ROLES:
        stmt = stmt.where(Organisation.id == principal.organisation_id)
    return stmt


def get_by_code(*, session: Session, code: str) -> Organisation | None:
    return session.scalar(_BY_CODE, {"code": code.strip().upper()})


# Built once: every situation a delegate files looks its organisation up by code.
_BY_CODE = select(Organisation).where(Organisation.code == bindparam("code"))


def get_or_404(*, session: Session, principal: Principal | None, code: str) -> Organisation:
    organisation = session.scalar(
        readable_organisations(principal).where(Organisation.code == code.strip().upper())
    )
    if organisation is None:
        raise NotFound("No organisation has this code.")
    return organisation


def list_(
    *, session: Session, principal: Principal | None, with_sites: bool = False
) -> list[Organisation]:
    """The organisations within reach, by code; `with_sites`: each with its sites loaded."""
    stmt = readable_organisations(principal).order_by(Organisation.code)
    if with_sites:
        stmt = stmt.options(selectinload(Organisation.sites))
    return list(session.scalars(stmt))


def create(*, session: Session, principal: Principal | None, code: str, name: str) -> Organisation:
    if get_by_code(session=session, code=code) is not None:
        raise Conflict("An organisation with this code exists already.")
    organisation = Organisation(code=code, name=name)
    session.add(organisation)
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="organisation.create",
        object_type="organisation",
        object_id=organisation.code,
    )
    return organisation


def update(
    *,
    session: Session,
    principal: Principal,
    code: str,
    if_match: str | None,
    name: str | None,
    active: bool | None,
) -> Organisation:
    organisation = get_or_404(session=session, principal=principal, code=code)
    require_if_match(if_match, organisation.version)
    if name is not None:
        organisation.name = name
    if active is not None:
        organisation.active = active
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="organisation.update",
        object_type="organisation",
        object_id=organisation.code,
    )
    return organisation


def list_sites(*, session: Session, principal: Principal | None, code: str) -> list[Site]:
    organisation = get_or_404(session=session, principal=principal, code=code)
    return list(
        session.scalars(
            select(Site).where(Site.organisation_id == organisation.id).order_by(Site.name)
        )
    )


def create_site(*, session: Session, principal: Principal | None, code: str, name: str) -> Site:
    organisation = get_or_404(session=session, principal=principal, code=code)
    exists = session.scalar(
        select(Site.id).where(Site.organisation_id == organisation.id, Site.name == name)
    )
    if exists is not None:
        raise Conflict("This organisation has a site with this name already.")
    site = Site(organisation_id=organisation.id, name=name)
    session.add(site)
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="site.create",
        object_type="site",
        object_id=site.id,
    )
    return site
