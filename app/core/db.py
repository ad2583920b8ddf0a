"""Database engine, declarative base and the one-transaction-per-request session."""

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar, cast

import anyio
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import DateTime, Dialect, Enum, MetaData, Table, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.core.backup import make_private, sqlite_path
from app.core.errors import AppError

# Connections per process to a server database (PostgreSQL).
POOL_SIZE = 10
POOL_OVERFLOW = 10
T = TypeVar("T")

# Transactions that only read, at once, per process: on SQLite fewer than the connections its
# pool keeps (five, and ten more when busy) besides the writer's; on PostgreSQL part of the pool.
READERS = 4

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_class: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, storing the values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum_class),
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012


def table(model: type[Base]) -> Table:
    """A model's table, for statements of SQLAlchemy Core: the bookkeeping that every request
    writes (audit entries, counters) takes no ORM machinery, which costs several times the
    statement (docs/benchmarks.md)."""
    return cast(Table, model.__table__)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Every request writes (at least its audit entry): take the write lock up front so that
        # concurrent transactions queue on busy_timeout instead of failing when they upgrade.
        # A transaction of a `read_only` sessionmaker takes none.
        if connection.get_execution_options().get(_READ_ONLY):
            connection.exec_driver_sql("BEGIN DEFERRED")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


_READ_ONLY = "bientraitance_read_only"


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        if make_url(database_url).database not in (None, "", ":memory:"):
            make_private(sqlite_path(database_url))
        engine = create_engine(database_url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(
        database_url,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        # JIT compilation costs more than it saves on queries of this service's size
        # (docs/benchmarks.md).
        connect_args={"options": "-c jit=off"},
    )


def make_sessionmaker(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions on the engine. `read_only`: their transactions only read, and on SQLite take
    no write lock, so that they neither wait for the writer nor hold it up."""
    bind = engine.execution_options(**{_READ_ONLY: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


def end(session: Session, error: BaseException | None = None) -> None:
    """The one place where a transaction ends: committed when its work succeeded, or failed
    with an error that keeps what it wrote (a failed login is counted); rolled back otherwise.
    The session is closed either way."""
    try:
        if error is None or (isinstance(error, AppError) and error.keeps_changes):
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


@contextmanager
def transaction(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """A unit of work outside a request (the command, background jobs), ended by `end`.
    `read_only`: as with `make_sessionmaker`."""
    session = factory()
    try:
        if read_only:
            session.connection(execution_options={_READ_ONLY: True})
        yield session
    except BaseException as error:
        end(session, error)
        raise
    end(session)


class DatabaseTurns:
    """How many requests of this process may hold a transaction at once; the others wait in
    the event loop, holding no worker thread.

    Without it, requests beyond the connection pool would each block a worker thread waiting
    for a connection, and once every thread waits, the requests holding connections cannot get
    a thread to finish on. SQLite has one writer at a time and every request writes (its audit
    entry at least): its requests take turns one by one, each starting the moment the one
    before has committed, instead of polling SQLite's busy handler, which sleeps up to 100 ms
    between tries (other processes still meet it). PostgreSQL's turns are its pool's size.

    Work that only reads takes a reading turn instead: on SQLite it waits for no writer and
    holds none up (a reader sees the last commit). Readers have turns of their own on both
    databases, because a reading request writes its audit entry on a writer's turn while it
    still holds its reading turn: shared turns could all be held by readers waiting for a
    writer's. On PostgreSQL readers and writers share the pool between them."""

    def __init__(self, engine: Engine) -> None:
        sqlite = engine.dialect.name == "sqlite"
        self.readers = READERS
        self._reading = _Slots(READERS)
        self._writing = _Slots(1 if sqlite else POOL_SIZE + POOL_OVERFLOW - READERS)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        async with self._writing.get():
            yield

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        async with self._reading.get():
            yield


class _Slots:
    """A number of slots, as one semaphore per event loop (tests run several loops)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        return self._by_loop.setdefault(loop, asyncio.Semaphore(self.capacity))


async def database_turn(request: Request) -> AsyncIterator[None]:
    turns: DatabaseTurns = request.app.state.database_turns
    async with turns.turn():
        yield


async def reading_turn(request: Request) -> AsyncIterator[None]:
    turns: DatabaseTurns = request.app.state.database_turns
    async with turns.reading():
        yield


@asynccontextmanager
async def _request_transaction(factory: sessionmaker[Session]) -> AsyncIterator[Session]:
    """One request, one transaction, ended by `end` once the endpoint has returned or failed.

    Its dependencies are used with `scope="function"` so that the commit happens before the
    response is sent: a client never sees a success for a change that was not committed. The
    end is shielded from cancellation: a client that hangs up never leaves a transaction
    half-finished. Opening a session does no I/O, so it happens in the event loop."""
    session = factory()
    try:
        yield session
    except BaseException as error:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(end, session, error)
        raise
    with anyio.CancelScope(shield=True):
        await run_in_threadpool(end, session)


async def get_session(
    request: Request, _turn: Annotated[None, Depends(database_turn, scope="function")]
) -> AsyncIterator[Session]:
    """The request's transaction, on a turn of the database's writers."""
    async with _request_transaction(request.app.state.sessionmaker) as session:
        yield session


async def get_reading_session(
    request: Request, _turn: Annotated[None, Depends(reading_turn, scope="function")]
) -> AsyncIterator[Session]:
    """The request's transaction, for a long read (the annual statistics) that writes
    nothing: on SQLite the writers go on meanwhile."""
    async with _request_transaction(request.app.state.reading_sessionmaker) as session:
        yield session


async def run_in_own_transaction(request: Request, work: Callable[[Session], T]) -> T:
    """`work` in a short transaction of its own, on a writer's turn: what a reading request
    writes (its audit entry) once it has read."""
    turns: DatabaseTurns = request.app.state.database_turns
    async with turns.turn():
        with anyio.CancelScope(shield=True):
            result = await run_in_threadpool(_in_transaction, request.app.state.sessionmaker, work)
    return result


def _in_transaction(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    with transaction(factory) as session:
        return work(session)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ReadingSessionDep = Annotated[Session, Depends(get_reading_session, scope="function")]
