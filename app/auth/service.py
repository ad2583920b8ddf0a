"""Accounts (people and machine clients) and the tokens they obtain."""

import math
from datetime import timedelta

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.auth import throttle
from app.auth.models import Account
from app.core import security
from app.core.config import Settings
from app.core.db import UTCDateTime, table, utcnow
from app.core.errors import (
    AppError,
    Conflict,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from app.core.etag import require_if_match
from app.core.pagination import page_by_id
from app.core.principal import (
    CLIENT_ROLES,
    ORGANISATION_ROLES,
    PERSON_ROLES,
    AccountKind,
    Principal,
    Role,
)
from app.organisations import service as organisation_service
from app.organisations.models import Organisation


class InvalidGrant(AppError):
    status_code = 400
    slug = "invalid-grant"
    title = "Invalid credentials"
    keeps_changes = True  # the failed login is counted

    def __init__(self, detail: str = "The credentials are not valid.") -> None:
        super().__init__(detail, extra={"error": "invalid_grant"})


class InvalidClient(AppError):
    status_code = 401
    slug = "invalid-client"
    title = "Invalid client credentials"
    keeps_changes = True  # the failed login is counted

    def __init__(self, detail: str = "The client credentials are not valid.") -> None:
        super().__init__(
            detail,
            extra={"error": "invalid_client"},
            headers={"WWW-Authenticate": 'Basic realm="bientraitance"'},
        )


def to_principal(account: Account) -> Principal:
    return Principal(
        account_id=account.id,
        kind=account.kind,
        role=account.role,
        organisation_id=account.organisation_id,
        organisation_code=account.organisation.code if account.organisation else None,
        username=account.username,
    )


def authenticate_token(*, session: Session, settings: Settings, token: str) -> Principal:
    """Check the token, then the account as it is now: a disabled account stops at once.

    At most `rate_limit_per_minute` audited requests an account in any minute, counted from
    the audit trail: shared by every worker, and nothing more to write. The account and its
    count come in one query."""
    try:
        claims = security.decode_access_token(settings=settings, token=token)
    except security.InvalidToken as exc:
        raise Unauthorized("The access token is not valid or has expired.") from exc
    now = utcnow()
    limit = settings.rate_limit_per_minute
    caller = session.execute(
        _CALLER,
        {"account_id": claims.account_id, "since": now - RATE_WINDOW, "skip": limit - 1},
    ).one_or_none()
    if caller is None or not caller.active or caller.token_version != claims.token_version:
        raise Unauthorized("The access token is not valid or has expired.")
    if caller.oldest_counted is not None:
        # The oldest of the last `limit` requests leaves the window first.
        wait = (caller.oldest_counted + RATE_WINDOW - now).total_seconds()
        raise TooManyRequests(
            f"More than {limit} requests a minute for this account: slow down.",
            retry_after=max(1, math.ceil(wait)),
        )
    return Principal(
        account_id=claims.account_id,
        kind=caller.kind,
        role=caller.role,
        organisation_id=caller.organisation_id,
        organisation_code=caller.organisation_code,
        username=caller.username,
    )


RATE_WINDOW = timedelta(minutes=1)

# Built once, its values bound at each request: every authenticated request runs it.
_accounts, _organisations = table(Account), table(Organisation)
_CALLER = (
    select(
        _accounts.c.kind,
        _accounts.c.role,
        _accounts.c.organisation_id,
        _organisations.c.code.label("organisation_code"),
        _accounts.c.username,
        _accounts.c.active,
        _accounts.c.token_version,
        audit_service.nth_newest_since(
            account_id=bindparam("account_id"),
            since=bindparam("since", type_=UTCDateTime()),
            skip=bindparam("skip"),
        ).label("oldest_counted"),
    )
    .select_from(_accounts.outerjoin(_organisations))
    .where(_accounts.c.id == bindparam("account_id"))
)


def _issue(*, session: Session, settings: Settings, account: Account) -> tuple[str, int]:
    principal = to_principal(account)
    audit_service.record(
        session=session,
        principal=principal,
        action="auth.token",
        object_type="account",
        object_id=account.id,
    )
    return security.create_access_token(
        settings=settings,
        account_id=account.id,
        token_version=account.token_version,
        role=account.role.value,
    )


def find(*, session: Session, kind: AccountKind, name: str) -> Account | None:
    """A person by e-mail (any case), or a machine client by its id."""
    username = name.strip().lower() if kind is AccountKind.PERSON else name
    return session.scalar(select(Account).where(Account.username == username, Account.kind == kind))


def token_for(
    *,
    session: Session,
    settings: Settings,
    kind: AccountKind,
    name: str,
    secret: str,
    address: str | None,
) -> tuple[str, int]:
    """A token for a person's e-mail and password, or a client's id and secret."""
    account = check_credentials(
        session=session, settings=settings, kind=kind, name=name, secret=secret, address=address
    )
    return _issue(session=session, settings=settings, account=account)


def check_credentials(
    *,
    session: Session,
    settings: Settings,
    kind: AccountKind,
    name: str,
    secret: str,
    address: str | None,
) -> Account:
    """The active account of these credentials, under the login throttle (TooManyRequests
    once too many failed); InvalidGrant or InvalidClient otherwise, the failure counted."""
    refused = InvalidGrant if kind is AccountKind.PERSON else InvalidClient
    throttle.check(session=session, name=name, address=address)
    account = find(session=session, kind=kind, name=name)
    # Verify even when the account is unknown so that both cases take the same time.
    valid = security.verify_secret(account.secret_hash if account else None, secret)
    if account is None or not valid or not account.active:
        throttle.record_failure(session=session, settings=settings, name=name, address=address)
        raise refused()  # which keeps the count (see AppError.keeps_changes)
    throttle.clear(session=session, name=name, address=address)
    return account


def _check_role(
    *, session: Session, kind: AccountKind, role: Role, organisation_code: str | None
) -> int | None:
    allowed = PERSON_ROLES if kind is AccountKind.PERSON else CLIENT_ROLES
    if role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise ValidationFailed.on(
            "role", "a {kind} account takes one of: {roles}", kind=kind.value, roles=names
        )
    if role in ORGANISATION_ROLES:
        if organisation_code is None:
            raise ValidationFailed.on(
                "organisation", "required for the role '{role}'", role=role.value
            )
        organisation = organisation_service.get_by_code(session=session, code=organisation_code)
        if organisation is None:
            raise ValidationFailed.on("organisation", "no organisation has this code")
        return organisation.id
    if organisation_code is not None:
        raise ValidationFailed.on(
            "organisation",
            "the role '{role}' is not bound to an organisation",
            role=role.value,
        )
    return None


def create_person(
    *,
    session: Session,
    principal: Principal | None,
    email: str,
    role: Role,
    password: str,
    organisation_code: str | None = None,
    display_name: str | None = None,
) -> Account:
    username = email.strip().lower()
    organisation_id = _check_role(
        session=session, kind=AccountKind.PERSON, role=role, organisation_code=organisation_code
    )
    if session.scalar(select(Account.id).where(Account.username == username)) is not None:
        raise Conflict("An account with this e-mail exists already.")
    account = Account(
        kind=AccountKind.PERSON,
        username=username,
        display_name=display_name or username,
        secret_hash=security.hash_secret(password),
        role=role,
        organisation_id=organisation_id,
    )
    session.add(account)
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="account.create",
        object_type="account",
        object_id=account.id,
        detail={"role": role.value, "kind": AccountKind.PERSON.value},
    )
    return account


def create_client(
    *,
    session: Session,
    principal: Principal | None,
    name: str,
    role: Role,
    organisation_code: str | None = None,
) -> tuple[Account, str]:
    """Returns the account and its secret, which is not stored and cannot be shown again."""
    organisation_id = _check_role(
        session=session, kind=AccountKind.CLIENT, role=role, organisation_code=organisation_code
    )
    secret = security.new_client_secret()
    account = Account(
        kind=AccountKind.CLIENT,
        username=security.new_client_id(),
        display_name=name,
        secret_hash=security.hash_secret(secret),
        role=role,
        organisation_id=organisation_id,
    )
    session.add(account)
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="account.create",
        object_type="account",
        object_id=account.id,
        detail={"role": role.value, "kind": AccountKind.CLIENT.value},
    )
    return account, secret


def get_or_404(*, session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("No account has this id.")
    return account


def list_(
    *,
    session: Session,
    limit: int,
    cursor: str | None = None,
    role: Role | None = None,
    active: bool | None = None,
    kind: AccountKind | None = None,
) -> tuple[list[Account], str | None]:
    """Oldest first, and the cursor of the next page."""
    stmt: Select[Account] = select(Account)
    if kind is not None:
        stmt = stmt.where(Account.kind == kind)
    if role is not None:
        stmt = stmt.where(Account.role == role)
    if active is not None:
        stmt = stmt.where(Account.active == active)
    return page_by_id(
        session=session, statement=stmt, id_column=Account.id, limit=limit, cursor=cursor
    )


def update(
    *,
    session: Session,
    principal: Principal | None,
    account_id: int,
    if_match: str | None,
    display_name: str | None = None,
    active: bool | None = None,
) -> Account:
    account = get_or_404(session=session, account_id=account_id)
    require_if_match(if_match, account.version)
    changed: list[str] = []
    if display_name is not None and display_name != account.display_name:
        account.display_name = display_name
        changed.append("display_name")
    if active is not None and active != account.active:
        account.active = active
        changed.append("active")
        if not active:
            account.token_version += 1
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="account.update",
        object_type="account",
        object_id=account.id,
        detail={"fields": changed, "active": account.active},
    )
    return account


def unlock(*, session: Session, principal: Principal | None, account_id: int) -> int:
    """Clear the account's failed logins, from every address: its owner may try at once."""
    account = get_or_404(session=session, account_id=account_id)
    cleared = throttle.unlock(session=session, name=account.username)
    audit_service.record(
        session=session,
        principal=principal,
        action="account.unlock",
        object_type="account",
        object_id=account.id,
        detail={"cleared": cleared},
    )
    return cleared


def rotate_client_secret(
    *, session: Session, principal: Principal | None, account_id: int
) -> tuple[Account, str]:
    account = get_or_404(session=session, account_id=account_id)
    if account.kind is not AccountKind.CLIENT:
        raise Conflict("Only a machine client has a secret to rotate.")
    secret = security.new_client_secret()
    account.secret_hash = security.hash_secret(secret)
    account.token_version += 1
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="account.rotate_secret",
        object_type="account",
        object_id=account.id,
    )
    return account, secret


def set_password(
    *, session: Session, principal: Principal | None, account: Account, password: str
) -> None:
    if account.kind is not AccountKind.PERSON:
        raise Conflict("A machine client has a secret, not a password.")
    account.secret_hash = security.hash_secret(password)
    account.token_version += 1
    session.flush()
    audit_service.record(
        session=session,
        principal=principal,
        action="account.set_password",
        object_type="account",
        object_id=account.id,
    )
