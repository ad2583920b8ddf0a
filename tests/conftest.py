"""Test set-up: one database per run (SQLite file, or PostgreSQL when
BIENTRAITANCE_TEST_DATABASE_URL names one), built by the migrations and emptied of everything
but reference data after each test. Requests go through httpx to the ASGI app."""

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Engine, Executable, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.audit.chain import GENESIS
from app.core.config import Environment, Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.migrate import alembic_config, rebuild
from app.main import create_app
from tests.factories import World, build_world
from tests.helpers import Receiver

TEST_SECRET_KEY = "test-secret-key-" + "x" * 32
TEST_ENCRYPTION_KEYS = "test1:" + "A" * 43
LOOPBACK = ["127.0.0.0/8", "::1/128"]
# Commands run in-process or as processes sign with it, instead of making a development key
# in the working folder.
os.environ.setdefault("BIENTRAITANCE_SECRET_KEY", TEST_SECRET_KEY)

# Tables that hold what tests write, children before parents.
DATA_TABLES = [
    "audit_entries",
    "login_throttles",
    "webhook_deliveries",
    "webhook_subscriptions",
    "idempotency_records",
    "reopenings",
    "situation_edits",
    "severity_changes",
    "year_end_reviews",
    "authority_reports",
    "delegate_actions",
    "closures",
    "situations",
    "reference_counters",
    "statistics_baselines",
    "console_sessions",
    "accounts",
    "sites",
    "organisations",
]
SEEDED_AUTHORITIES = ("parquet", "police", "one", "ministry", "other")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("BIENTRAITANCE_TEST_DATABASE_URL")
    if not url:
        path: Path = tmp_path_factory.mktemp("db") / "test.db"
        url = f"sqlite:///{path}"
    # Whatever the database held is dropped; then up, down to nothing and up again: both
    # directions of every migration are exercised.
    rebuild(url)
    config = alembic_config(url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        environment=Environment.DEVELOPMENT,
        database_url=database_url,
        secret_key=TEST_SECRET_KEY,
        encryption_keys=TEST_ENCRYPTION_KEYS,
        # The tests' webhook receivers listen on loopback: allowed here, and only here.
        webhook_allowed_destinations=LOOPBACK,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


class Database:
    """Reads and writes for arranging and checking, each in a short transaction of its own, so
    that the test never holds a lock or an old snapshot while the requests under test run."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def scalar(self, statement: Executable) -> Any:
        with self.factory.begin() as session:
            return session.scalar(statement)

    def all(self, statement: Executable) -> list[Any]:
        with self.factory.begin() as session:
            return list(session.scalars(statement))

    def count(self, model: type[Any]) -> int:
        with self.factory.begin() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def execute(self, statement: Executable) -> None:
        with self.factory.begin() as session:
            session.execute(statement)


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Database:
    return Database(session_factory)


@pytest.fixture(autouse=True)
def _empty_database(engine: Engine) -> Iterator[None]:
    yield
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("UPDATE situations SET current_closure_id = NULL"))
            for table in DATA_TABLES:
                connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608
        connection.execute(text(f"UPDATE audit_head SET position = 0, hash = '{GENESIS}'"))  # noqa: S608
        seeded = ", ".join(f"'{code}'" for code in SEEDED_AUTHORITIES)
        connection.execute(text(f"DELETE FROM authorities WHERE code NOT IN ({seeded})"))  # noqa: S608


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """An intranet's webhook endpoint on loopback (see `tests.helpers.Receiver`)."""
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def world(session_factory: sessionmaker[Session], settings: Settings) -> World:
    return build_world(session_factory, settings)
