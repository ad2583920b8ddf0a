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


# Which roles each kind of account may hold, and which roles are bound to one organisation.
PERSON_ROLES = frozenset({Role.ADMIN, Role.DELEGATE, Role.COORDINATOR, Role.REPORTER})
CLIENT_ROLES = frozenset({Role.INTRANET, Role.REPORTER})
ORGANISATION_ROLES = frozenset({Role.COORDINATOR, Role.INTRANET})
