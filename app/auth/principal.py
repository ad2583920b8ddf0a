from dataclasses import dataclass

from app.auth.roles import AccountKind, Role


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account behind a valid token, as it is in the database now."""

    account_id: int
    kind: AccountKind
    role: Role
    organisation_id: int | None
    organisation_code: str | None
    username: str
