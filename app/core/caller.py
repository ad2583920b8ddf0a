"""Who is calling, and may this role call this operation at all: the dependencies every
router takes. The token is checked by the function the application installs
(`app.state.authenticate`, which `create_app` sets to `app.auth.service.authenticate_token`),
so that the features' routers depend on no feature's code for it."""

from collections.abc import Callable, Coroutine
from typing import Annotated, Protocol

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.core.config import Settings
from app.core.db import ReadingSessionDep, SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.principal import Principal, Role


class Authenticate(Protocol):
    """Checks a token and the account behind it as it is now (`authenticate_token`)."""

    def __call__(self, *, session: Session, settings: Settings, token: str) -> Principal: ...


_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/token")


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.")
    return credentials.credentials


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _authenticate(
    request: Request, session: Session, settings: Settings, credentials: Credentials
) -> Principal:
    authenticate: Authenticate = request.app.state.authenticate
    return authenticate(session=session, settings=settings, token=_token(credentials))


def get_principal(
    request: Request, session: SessionDep, settings: SettingsDep, credentials: Credentials
) -> Principal:
    return _authenticate(request, session, settings, credentials)


def get_reading_principal(
    request: Request, session: ReadingSessionDep, settings: SettingsDep, credentials: Credentials
) -> Principal:
    """The caller of a request that only reads, checked in its transaction."""
    return _authenticate(request, session, settings, credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
ReadingPrincipalDep = Annotated[Principal, Depends(get_reading_principal)]
RoleCheck = Callable[[Principal], Coroutine[None, None, Principal]]


def allow(*roles: Role) -> RoleCheck:
    """Function-level authorisation: the roles that may call an operation at all."""
    return _role_check(get_principal, roles)


def allow_reading(*roles: Role) -> RoleCheck:
    """`allow`, for an operation that only reads (`get_reading_session`)."""
    return _role_check(get_reading_principal, roles)


def _role_check(caller: Callable[..., Principal], roles: tuple[Role, ...]) -> RoleCheck:
    allowed = frozenset(roles)

    # async: a check this small is not worth a trip to the thread pool.
    async def check(principal: Annotated[Principal, Depends(caller)]) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"The role '{principal.role}' may not use this operation.")
        return principal

    check.__name__ = f"allow_{'_'.join(sorted(allowed))}"
    return check
