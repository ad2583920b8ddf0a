"""The people, clients and organisations most tests start from, created directly in the
database (hashing a password per test would make the suite slow; one test walks the real
login), with tokens made by the service's own token module."""

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.auth.models import Account
from app.core import security
from app.core.config import Settings
from app.core.principal import AccountKind, Role
from app.organisations.models import Organisation, Site

PASSWORD = "correct horse battery staple"


@cache
def password_hash() -> str:
    return security.hash_secret(PASSWORD)


@dataclass
class Caller:
    account_id: int
    username: str
    role: Role
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    org_a: str
    org_b: str
    site_a: int
    site_b: int
    admin: Caller
    delegate: Caller
    coordinator_a: Caller
    coordinator_b: Caller
    intranet_a: Caller
    reporter: Caller
    settings: Settings

    def token_for(self, account: Account) -> str:
        token, _ = security.create_access_token(
            settings=self.settings,
            account_id=account.id,
            token_version=account.token_version,
            role=account.role.value,
        )
        return token


def _account(
    session: Session,
    *,
    username: str,
    role: Role,
    organisation: Organisation | None = None,
    kind: AccountKind = AccountKind.PERSON,
) -> Account:
    account = Account(
        kind=kind,
        username=username,
        display_name=username.split("@")[0],
        secret_hash=password_hash(),
        role=role,
        organisation_id=organisation.id if organisation else None,
    )
    session.add(account)
    session.flush()
    return account


def build_world(factory: sessionmaker[Session], settings: Settings) -> World:
    with factory.begin() as session:
        org_a = Organisation(code="MRE", name="Maison relais Est")
        org_b = Organisation(code="HSO", name="Home Sud-Ouest")
        session.add_all([org_a, org_b])
        session.flush()
        site_a = Site(organisation_id=org_a.id, name="Groupe de vie 1")
        site_b = Site(organisation_id=org_b.id, name="Pavillon B")
        session.add_all([site_a, site_b])
        accounts = {
            "admin": _account(session, username="admin@example.org", role=Role.ADMIN),
            "delegate": _account(session, username="delegate@example.org", role=Role.DELEGATE),
            "coordinator_a": _account(
                session, username="coord.a@example.org", role=Role.COORDINATOR, organisation=org_a
            ),
            "coordinator_b": _account(
                session, username="coord.b@example.org", role=Role.COORDINATOR, organisation=org_b
            ),
            "intranet_a": _account(
                session,
                username="cli_intranet_a",
                role=Role.INTRANET,
                organisation=org_a,
                kind=AccountKind.CLIENT,
            ),
            "reporter": _account(
                session, username="cli_reporter", role=Role.REPORTER, kind=AccountKind.CLIENT
            ),
        }
        session.flush()
        world_args: dict[str, Any] = {
            "org_a": org_a.code,
            "org_b": org_b.code,
            "site_a": site_a.id,
            "site_b": site_b.id,
            "settings": settings,
        }
        callers: dict[str, Any] = {}
        for name, account in accounts.items():
            token, _ = security.create_access_token(
                settings=settings,
                account_id=account.id,
                token_version=account.token_version,
                role=account.role.value,
            )
            callers[name] = Caller(account.id, account.username, account.role, token)
    return World(**world_args, **callers)


def situation_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": "MRE",
        "opened_on": date(2026, 3, 14).isoformat(),
        "intake_typology": "M1",
        "severity": "orange",
        "summary": "An educator shouted at a resident during the evening meal.",
        "requester_kind": "staff",
        "age_group": "child",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}
