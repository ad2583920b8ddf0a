"""Who is calling, and may this role call this operation at all."""

from collections.abc import Callable, Coroutine
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth import service as auth_service
from app.auth.principal import Principal
from app.auth.roles import Role
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/token")


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.")
    return auth_service.authenticate_token(
        session=session, settings=settings, token=credentials.credentials
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def allow(*roles: Role) -> Callable[[Principal], Coroutine[None, None, Principal]]:
    """Function-level authorisation: the roles that may call an operation at all."""
    allowed = frozenset(roles)

    # async: a check this small is not worth a trip to the thread pool.
    async def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"The role '{principal.role}' may not use this operation.")
        return principal

    check.__name__ = f"allow_{'_'.join(sorted(allowed))}"
    return check
