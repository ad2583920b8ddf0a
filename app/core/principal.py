"""Who is calling: the principal behind a request, and the roles an account may hold. Every
feature reads it; it imports none."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    DELEGATE = "delegate"
    COORDINATOR = "coordinator"
    INTRANET = "intranet"
    REPORTER = "reporter"


class AccountKind(StrEnum):
    PERSON = "person"
    CLIENT = "client"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account behind a valid token, as it is in the database now."""

    account_id: int
    kind: AccountKind
    role: Role
    organisation_id: int | None
    organisation_code: str | None
    username: str


# Which roles each kind of account may hold, and which roles are bound to one organisation.
PERSON_ROLES = frozenset({Role.ADMIN, Role.DELEGATE, Role.COORDINATOR, Role.REPORTER})
CLIENT_ROLES = frozenset({Role.INTRANET, Role.REPORTER})
ORGANISATION_ROLES = frozenset({Role.COORDINATOR, Role.INTRANET})
