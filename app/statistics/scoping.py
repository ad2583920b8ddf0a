"""Whose statistics a caller may read."""

from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.auth.roles import ORGANISATION_ROLES
from app.core.errors import NotFound
from app.organisations import service as organisation_service


def statistics_organisation(
    *, session: Session, principal: Principal, code: str | None
) -> tuple[int | None, str | None]:
    """(organisation id, code) the figures are limited to; (None, None) for the whole network.

    Coordinators and intranet clients always get their own organisation's figures; the others
    may ask for one organisation's. An organisation outside one's reach is not found."""
    if principal.role in ORGANISATION_ROLES:
        if code is not None and code.strip().upper() != principal.organisation_code:
            raise NotFound("No organisation has this code.")
        return principal.organisation_id, principal.organisation_code
    if code is None:
        return None, None
    organisation = organisation_service.get_or_404(session=session, principal=principal, code=code)
    return organisation.id, organisation.code
