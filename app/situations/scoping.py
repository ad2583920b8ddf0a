"""Who may reach which situations and organisations. Every query of situations starts from
`readable_situations`; filing into, subscribing for and counting an organisation are decided
beside it. Anything out of reach is "not found", never "forbidden", so that existence leaks
nothing."""

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from app.core.errors import Forbidden, NotFound, ValidationFailed
from app.core.principal import ORGANISATION_ROLES, Principal, Role
from app.organisations import service as organisation_service
from app.organisations.models import Organisation
from app.situations.models import Situation


def readable_situations(principal: Principal) -> Select[Situation]:
    """Delegates: every situation. Coordinators and intranet clients: their organisation's.
    Everyone else: none (reporters get statistics, admins manage accounts)."""
    stmt = select(Situation)
    if principal.role is Role.DELEGATE:
        return stmt
    if principal.role in ORGANISATION_ROLES and principal.organisation_id is not None:
        return stmt.where(Situation.organisation_id == principal.organisation_id)
    return stmt.where(false())


def exportable_situations(principal: Principal) -> Select[Situation]:
    """What an export (which carries no narrative) may list: an admin's takes every
    situation, anyone else's those they may read."""
    if principal.role is Role.ADMIN:
        return select(Situation)
    return readable_situations(principal)


def organisation_to_file_into(
    *, session: Session, principal: Principal, code: str | None
) -> Organisation:
    """The organisation a new situation is filed under. Coordinators and intranet clients file
    into their own (`code` may be left out), even once it is no longer active, since its files
    go on; delegates name an active organisation."""
    named = code.strip().upper() if code is not None else None
    if principal.role in ORGANISATION_ROLES:
        if principal.organisation_id is None or named not in (None, principal.organisation_code):
            raise ValidationFailed.on("organisation", "no organisation in your reach has this code")
        return session.get_one(Organisation, principal.organisation_id)
    if principal.role is not Role.DELEGATE:
        raise Forbidden(f"The role '{principal.role}' may not file situations.")
    if named is None:
        raise ValidationFailed.on("organisation", "required")
    organisation = organisation_service.get_by_code(session=session, code=named)
    if organisation is None:
        raise ValidationFailed.on("organisation", "no organisation in your reach has this code")
    if not organisation.active:
        raise ValidationFailed.on("organisation", "this organisation is no longer active")
    return organisation


def organisation_to_subscribe_for(principal: Principal) -> int:
    """Webhooks belong to an organisation: its coordinators' and intranet clients' own."""
    if principal.role not in ORGANISATION_ROLES or principal.organisation_id is None:
        raise Forbidden("Webhooks belong to an organisation: use its intranet or coordinator.")
    return principal.organisation_id


def organisation_to_oversee_webhooks_of(principal: Principal | None) -> int | None:
    """Whose webhooks a caller sees and stops: administrators (and the command, `None`) every
    organisation's (`None`); an intranet or a coordinator its own organisation's."""
    if principal is None or principal.role is Role.ADMIN:
        return None
    return organisation_to_subscribe_for(principal)


def organisation_to_count(
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
