from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from app.auth import service
from app.auth.models import Account
from app.auth.schemas import (
    AccountPage,
    AccountRead,
    AccountUpdate,
    ClientCreate,
    ClientCreated,
    PersonCreate,
    TokenResponse,
)
from app.core.caller import PrincipalDep, SettingsDep, allow
from app.core.db import SessionDep
from app.core.errors import BadRequest, UnsupportedMediaType, problem_responses
from app.core.etag import etag
from app.core.http import AccountId, IfMatch
from app.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.core.principal import AccountKind, Principal, Role

router = APIRouter()
accounts_router = APIRouter()

Admin = Annotated[Principal, Depends(allow(Role.ADMIN))]
_basic = HTTPBasic(
    auto_error=False, description="Client credentials, as an alternative to the form"
)
PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 422)
TOKEN_PROBLEMS = problem_responses(400, 401, 415, 422, 429)


class UnsupportedGrantType(BadRequest):
    slug = "unsupported-grant-type"
    title = "Unsupported grant type"


def _form_fields(request: Request) -> None:
    """OAuth 2 sends the token request as form fields: a JSON body is told so, rather than
    answered that `grant_type` is missing."""
    if request.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
        raise UnsupportedMediaType(
            "The token endpoint takes form fields (application/x-www-form-urlencoded), as OAuth 2 "
            "asks: grant_type=password&username=…&password=…, not JSON."
        )


@router.post(
    "/token",
    dependencies=[Depends(_form_fields)],
    responses=TOKEN_PROBLEMS,
    summary="Obtain an access token (OAuth2 password or client-credentials grant)",
)
def issue_token(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    grant_type: Annotated[str, Form(max_length=40, examples=["password", "client_credentials"])],
    username: Annotated[str | None, Form(max_length=254, examples=["delegue@example.org"])] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    client_id: Annotated[
        str | None, Form(max_length=100, examples=["cli_33a99d7ceef6a3e3"])
    ] = None,
    client_secret: Annotated[str | None, Form(max_length=256)] = None,
    basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)] = None,
) -> TokenResponse:
    """After too many failed logins (a name from one address, a name from anywhere, an
    address), answers 429 with Retry-After: how long to wait."""
    response.headers["Cache-Control"] = "no-store"
    if grant_type == "password":
        if not username or password is None:
            raise BadRequest("The password grant takes `username` and `password`.")
        kind, name, secret = AccountKind.PERSON, username, password
    elif grant_type == "client_credentials":
        if basic is not None:
            client_id, client_secret = basic.username, basic.password
        if not client_id or client_secret is None:
            raise BadRequest("The client-credentials grant takes `client_id` and `client_secret`.")
        kind, name, secret = AccountKind.CLIENT, client_id, client_secret
    else:
        raise UnsupportedGrantType(
            "grant_type must be `password` or `client_credentials`.",
            extra={"error": "unsupported_grant_type"},
        )
    token, ttl = service.token_for(
        session=session,
        settings=settings,
        kind=kind,
        name=name,
        secret=secret,
        address=request.client.host if request.client else None,
    )
    return TokenResponse(access_token=token, expires_in=ttl)


def _read(account: Account) -> AccountRead:
    return AccountRead(
        id=account.id,
        kind=account.kind,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        organisation=account.organisation.code if account.organisation else None,
        active=account.active,
        created_at=account.created_at,
    )


@accounts_router.get("/me", responses=PROBLEMS, summary="The account behind the token")
def whoami(session: SessionDep, principal: PrincipalDep) -> AccountRead:
    return _read(service.get_or_404(session=session, account_id=principal.account_id))


@accounts_router.get("", responses=PROBLEMS, summary="List accounts (admin)")
def list_accounts(
    session: SessionDep,
    _admin: Admin,
    role: Role | None = None,
    active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AccountPage:
    items, next_cursor = service.list_(
        session=session, limit=limit, cursor=cursor, role=role, active=active
    )
    return AccountPage(items=[_read(a) for a in items], next_cursor=next_cursor)


@accounts_router.post(
    "/people", status_code=201, responses=PROBLEMS, summary="Create a person's account (admin)"
)
def create_person(session: SessionDep, principal: Admin, data: PersonCreate) -> AccountRead:
    return _read(
        service.create_person(
            session=session,
            principal=principal,
            email=str(data.email),
            role=data.role,
            password=data.password,
            organisation_code=data.organisation,
            display_name=data.display_name,
        )
    )


@accounts_router.post(
    "/clients",
    status_code=201,
    responses=PROBLEMS,
    summary="Create a machine client (admin); its secret is shown once",
)
def create_client(session: SessionDep, principal: Admin, data: ClientCreate) -> ClientCreated:
    account, secret = service.create_client(
        session=session,
        principal=principal,
        name=data.name,
        role=data.role,
        organisation_code=data.organisation,
    )
    return ClientCreated(**_read(account).model_dump(), client_secret=secret)


@accounts_router.get("/{account_id}", responses=PROBLEMS, summary="Read an account (admin)")
def get_account(
    account_id: AccountId, session: SessionDep, _admin: Admin, response: Response
) -> AccountRead:
    account = service.get_or_404(session=session, account_id=account_id)
    response.headers["ETag"] = etag(account.version)
    return _read(account)


@accounts_router.patch(
    "/{account_id}",
    responses=PROBLEMS,
    summary="Rename, disable or enable an account (admin, If-Match required)",
)
def update_account(
    account_id: AccountId,
    data: AccountUpdate,
    session: SessionDep,
    principal: Admin,
    response: Response,
    if_match: IfMatch = None,
) -> AccountRead:
    account = service.update(
        session=session,
        principal=principal,
        account_id=account_id,
        if_match=if_match,
        display_name=data.display_name,
        active=data.active,
    )
    response.headers["ETag"] = etag(account.version)
    return _read(account)


@accounts_router.post(
    "/{account_id}/unlock",
    status_code=204,
    responses=PROBLEMS,
    summary="Clear an account's failed logins (admin): its owner may log in at once",
)
def unlock_account(account_id: AccountId, session: SessionDep, principal: Admin) -> Response:
    service.unlock(session=session, principal=principal, account_id=account_id)
    return Response(status_code=204)


@accounts_router.post(
    "/{account_id}/secret",
    responses=PROBLEMS,
    summary="Rotate a machine client's secret (admin): its earlier tokens stop working",
)
def rotate_secret(account_id: AccountId, session: SessionDep, principal: Admin) -> ClientCreated:
    account, secret = service.rotate_client_secret(
        session=session, principal=principal, account_id=account_id
    )
    return ClientCreated(**_read(account).model_dump(), client_secret=secret)
