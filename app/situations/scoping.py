"""Who may see which situations. Every query of situations starts here."""

from sqlalchemy import Select, false, select

from app.auth.principal import Principal
from app.auth.roles import ORGANISATION_ROLES, Role
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
