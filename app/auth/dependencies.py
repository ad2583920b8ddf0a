"""Who is calling, and may this role call this operation at all."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from app.auth import service as auth_service
from app.auth.principal import Principal
from app.auth.roles import Role
from app.core.config import Settings
from app.core.db import DatabaseTurns, SessionDep, read_only
from app.core.errors import AppError, Forbidden, Unauthorized

T = TypeVar("T")

_bearer = HTTPBearer(auto_error=False, description="An access token from POST /api/v1/auth/token")


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send an access token: Authorization: Bearer <token>.")
    return credentials.credentials


def get_principal(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    return auth_service.authenticate_token(
        session=session, settings=settings, token=_token(credentials)
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def allow(*roles: Role) -> Callable[[Principal], Coroutine[None, None, Principal]]:
    """Function-level authorisation: the roles that may call an operation at all."""
    allowed = frozenset(roles)

    # async: a check this small is not worth a trip to the thread pool.
    async def check(principal: PrincipalDep) -> Principal:
        return _check_role(principal, allowed)

    check.__name__ = f"allow_{'_'.join(sorted(allowed))}"
    return check


def _check_role(principal: Principal, allowed: frozenset[Role]) -> Principal:
    if principal.role not in allowed:
        raise Forbidden(f"The role '{principal.role}' may not use this operation.")
    return principal


@dataclass(frozen=True)
class UnitOfWork:
    """A request's whole transaction in one trip to the thread pool: the caller's account
    checked (as `get_principal` does, then the role), the work done and committed, all in one
    worker thread and one database turn.

    The usual dependencies take two trips (the caller, then the endpoint) and hold the turn
    across the wait between them. A trip costs about 0.2 ms of CPU, as much as several
    statements: the busiest operation, intake, takes one. The order of refusals is the same:
    401, 429, then 403.
    """

    factory: sessionmaker[Session]
    turns: DatabaseTurns
    settings: Settings
    token: str
    allowed: frozenset[Role]

    async def run(self, work: Callable[[Session, Principal], T]) -> T:
        async with self.turns.turn():
            # Once started, the transaction ends in its thread even if the client hangs up.
            with anyio.CancelScope(shield=True):
                result = await run_in_threadpool(self._in_thread, work)
        return result

    async def read_then_record(
        self,
        read: Callable[[Session, Principal], T],
        record: Callable[[Session, Principal, T], None],
    ) -> T:
        """For a long read (the annual statistics): the caller checked and the work done in a
        transaction that only reads, on a reading turn, so that on SQLite the writers go on
        meanwhile; then what `record` adds (the audit entry) committed on a turn of its own.
        Nothing is answered unless that commit succeeded."""
        async with self.turns.reading():
            principal, result = await run_in_threadpool(self._read, read)
        async with self.turns.turn():
            with anyio.CancelScope(shield=True):
                await run_in_threadpool(self._record, record, principal, result)
        return result

    def _caller(self, session: Session) -> Principal:
        """The caller's account as it is now, then its role: 401, 429, then 403."""
        principal = auth_service.authenticate_token(
            session=session, settings=self.settings, token=self.token
        )
        return _check_role(principal, self.allowed)

    def _read(self, read: Callable[[Session, Principal], T]) -> tuple[Principal, T]:
        with read_only(self.factory()) as session:
            principal = self._caller(session)
            return principal, read(session, principal)

    def _record(
        self, record: Callable[[Session, Principal, T], None], principal: Principal, result: T
    ) -> None:
        with self.factory() as session:
            record(session, principal, result)
            session.commit()

    def _in_thread(self, work: Callable[[Session, Principal], T]) -> T:
        with self.factory() as session:
            try:
                result = work(session, self._caller(session))
            except AppError as exc:
                if exc.keeps_changes:
                    session.commit()
                raise
            # The work may have committed already (an idempotent answer is final once made).
            if session.in_transaction():
                session.commit()
            return result


def unit_of_work(*roles: Role) -> Callable[..., Coroutine[None, None, UnitOfWork]]:
    """The roles that may call an operation, for endpoints that take a `UnitOfWork`."""
    allowed = frozenset(roles)

    async def begin(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> UnitOfWork:
        state = request.app.state
        return UnitOfWork(
            factory=state.sessionmaker,
            turns=state.database_turns,
            settings=state.settings,
            token=_token(credentials),
            allowed=allowed,
        )

    begin.__name__ = f"unit_of_work_{'_'.join(sorted(allowed))}"
    return begin
