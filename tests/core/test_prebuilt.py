"""Prebuilt statements: run on the driver's cursor, they must store and read every value as
SQLAlchemy does, and fail as SQLAlchemy fails."""

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, bindparam, event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, InvalidRequestError
from sqlalchemy.orm import Session, sessionmaker

from app.core.db import table
from app.core.prebuilt import Prebuilt, run_together
from app.organisations.models import Organisation
from app.situations.enums import Severity, SituationStatus
from app.situations.models import Situation
from tests.conftest import Database
from tests.factories import World

SUMMARY = "Éléments confidentiels : « gestes déplacés » signalés par l'équipe de nuit."

_situations, _organisations = table(Situation), table(Organisation)
_INSERT = Prebuilt(insert(_situations).returning(_situations.c.created_at, _situations.c.status))
_READ = Prebuilt(
    select(
        _situations.c.summary,
        _situations.c.opened_on,
        _situations.c.created_at,
        _situations.c.erased_at,
        _situations.c.severity,
        _organisations.c.active,
        _organisations.c.code.label("organisation_code"),
    )
    .join(_organisations)
    .where(_situations.c.id == bindparam("id"))
)


@pytest.fixture(autouse=True)
def _keyring(app: FastAPI) -> None:
    """The service installs its encryption keys when it is built."""


def _row(world: World, db: Database, **overrides: object) -> dict[str, object]:
    organisation_id = db.scalar(select(Organisation.id).where(Organisation.code == world.org_a))
    # 09:30 in a zone two hours ahead of UTC: stored, and read back, as 07:30 UTC.
    created = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    return {
        "id": str(uuid.uuid4()),
        "reference": f"2026-{uuid.uuid4().int % 10**6:06d}",
        "year": 2026,
        "sequence": uuid.uuid4().int % 10**6,
        "organisation_id": organisation_id,
        "site_id": None,
        "opened_on": date(2026, 2, 28),
        "intake_typology": "M4",
        "initial_severity": Severity.RED,
        "severity": Severity.ORANGE,
        "status": SituationStatus.OPEN,
        "requester_kind": "staff",
        "age_group": None,
        "summary": SUMMARY,
        "current_closure_id": None,
        "created_by_id": world.delegate.account_id,
        "created_at": created,
        "updated_at": created,
        "erased_at": None,
        "version": 1,
        **overrides,
    }


def test_values_are_written_and_read_through_their_column_types(
    world: World, db: Database, session_factory: sessionmaker[Session]
) -> None:
    row = _row(world, db)
    with session_factory.begin() as session:
        (returned,) = _INSERT.rows(session, row)
    assert returned.created_at == datetime(2026, 3, 1, 7, 30, 15, 123456, tzinfo=UTC)
    assert returned.created_at.tzinfo is not None
    assert returned.status is SituationStatus.OPEN

    # As the mapped model reads it.
    with session_factory() as session:
        stored = session.get(Situation, row["id"])
        assert stored is not None
        assert stored.summary == SUMMARY
        assert stored.opened_on == date(2026, 2, 28)
        assert stored.created_at == returned.created_at
        assert stored.initial_severity is Severity.RED
        assert stored.severity is Severity.ORANGE
    # The narrative is encrypted at rest, as when the model writes it.
    at_rest = db.scalar(
        text("SELECT summary FROM situations WHERE id = :id").bindparams(id=row["id"])
    )
    assert "confidentiels" not in at_rest

    # And a row the model wrote reads back alike.
    written = Situation(**_row(world, db, severity=Severity.GREEN, erased_at=None))
    with session_factory.begin() as session:
        session.add(written)
    with session_factory() as session:
        read = _READ.one_or_none(session, {"id": written.id})
    assert read.summary == SUMMARY
    assert read.opened_on == date(2026, 2, 28)
    assert read.created_at == datetime(2026, 3, 1, 7, 30, 15, 123456, tzinfo=UTC)
    assert read.erased_at is None
    assert read.severity is Severity.GREEN
    assert read.active is True
    assert read.organisation_code == world.org_a


def test_statements_run_together_answer_each_and_fail_as_one(
    world: World, db: Database, session_factory: sessionmaker[Session]
) -> None:
    """Sent together on PostgreSQL: each statement sees what the ones before it wrote, each
    one's rows come back, and a failure is raised as SQLAlchemy raises it, nothing written."""
    first = _row(world, db)
    with session_factory.begin() as session:
        inserted, read, none = run_together(
            session,
            [(_INSERT, first), (_READ, {"id": first["id"]}), (_READ, {"id": "none"})],
        )
    assert [row.status for row in inserted] == [SituationStatus.OPEN]
    assert [row.summary for row in read] == [SUMMARY]
    assert none == []

    second = _row(world, db)
    with pytest.raises(IntegrityError) as raised, session_factory.begin() as session:
        run_together(
            session,
            [(_INSERT, second), (_INSERT, {**_row(world, db), "reference": first["reference"]})],
        )
    assert SUMMARY not in str(raised.value)
    assert db.count(Situation) == 1


def test_statements_run_together_with_the_commit(
    world: World, db: Database, session_factory: sessionmaker[Session]
) -> None:
    """`commit`: the statements and the commit as one (on PostgreSQL, in one round trip); the
    session's transaction ends with it, and a failure commits nothing."""
    first = _row(world, db)
    with session_factory() as session:
        (inserted,) = run_together(session, [(_INSERT, first)], commit=True)
        assert [row.status for row in inserted] == [SituationStatus.OPEN]
        assert not session.in_transaction()
        # Committed: another connection sees it while this session is still open.
        assert db.count(Situation) == 1
        # The session goes on with a transaction of its own.
        assert [row.summary for row in _READ.rows(session, {"id": first["id"]})] == [SUMMARY]
        session.rollback()
    assert db.count(Situation) == 1

    with pytest.raises(IntegrityError), session_factory() as session:
        run_together(
            session,
            [
                (_INSERT, _row(world, db)),
                (_INSERT, {**_row(world, db), "reference": first["reference"]}),
            ],
            commit=True,
        )
    assert db.count(Situation) == 1

    # Objects waiting for the session's flush would not be in that commit: refused.
    with session_factory() as session:
        session.add(Organisation(code="PENDING", name="Not flushed"))
        with pytest.raises(ValueError, match="leave out"):
            run_together(session, [(_INSERT, _row(world, db))], commit=True)
    assert db.count(Situation) == 1
    assert db.scalar(select(Organisation.id).where(Organisation.code == "PENDING")) is None


def test_on_postgresql_the_commit_goes_in_the_statements_round_trip(
    engine: Engine, world: World, db: Database, session_factory: sessionmaker[Session]
) -> None:
    """Sent with the statements, the `COMMIT` has ended the transaction in the database by the
    time the session commits: that commit has nothing left to send."""
    if engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL's statements are sent together")
    row = _row(world, db)
    found: list[object] = []

    def at_commit(connection: Connection) -> None:
        found.append(connection.connection.dbapi_connection.info.transaction_status)  # type: ignore[union-attr]

    event.listen(engine, "commit", at_commit)
    try:
        with session_factory() as session:
            run_together(session, [(_INSERT, row)], commit=True)
    finally:
        event.remove(engine, "commit", at_commit)
    assert found == [psycopg.pq.TransactionStatus.IDLE]
    assert db.count(Situation) == 1


def test_nothing_is_found_as_none(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        assert _READ.one_or_none(session, {"id": str(uuid.uuid4())}) is None
        assert _READ.rows(session, {"id": str(uuid.uuid4())}) == []


def test_driver_errors_are_raised_as_sqlalchemy_raises_them_without_the_values(
    world: World, db: Database, session_factory: sessionmaker[Session]
) -> None:
    row = _row(world, db)
    with session_factory.begin() as session:
        _INSERT.rows(session, row)
    with pytest.raises(IntegrityError) as raised, session_factory.begin() as session:
        _INSERT.rows(session, {**row, "id": str(uuid.uuid4())})  # the same reference
    assert SUMMARY not in str(raised.value)
    assert str(row["reference"]) not in str(raised.value.params)
    # The failed transaction was rolled back, the first row is there alone.
    assert db.count(Situation) == 1


def test_a_missing_value_is_refused_before_anything_is_sent(
    session_factory: sessionmaker[Session],
) -> None:
    with (
        pytest.raises(InvalidRequestError, match="bind parameter 'id'"),
        session_factory() as session,
    ):
        _READ.rows(session, {})


def test_statements_rewritten_at_execution_are_refused(
    session_factory: sessionmaker[Session],
) -> None:
    in_list = Prebuilt(
        select(_situations.c.id).where(_situations.c.id.in_(bindparam("ids", expanding=True)))
    )
    with pytest.raises(ValueError, match="plain bound values"), session_factory() as session:
        in_list.rows(session, {"ids": ["x"]})


def test_a_lost_connection_is_given_up_and_the_next_one_works(
    engine: Engine, session_factory: sessionmaker[Session]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("a server that can drop a connection")
    with session_factory() as session:
        pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with pytest.raises(DBAPIError) as raised:
            _READ.rows(session, {"id": str(uuid.uuid4())})
        assert raised.value.connection_invalidated
    with session_factory() as session:
        assert _READ.rows(session, {"id": str(uuid.uuid4())}) == []
