"""Migrations are the only way the schema changes: they must build exactly what the models say."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, make_url, text

from app.audit import chain
from app.audit import service as audit_service
from app.audit.models import AuditEntry
from app.core import crypto
from app.core.db import make_engine, make_sessionmaker, transaction
from app.core.migrate import alembic_config
from app.core.principal import AccountKind, Principal, Role
from app.models import Base
from tests.conftest import TEST_ENCRYPTION_KEYS


def test_models_and_migrations_agree(engine: Engine, database_url: str) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_reference_data_is_seeded(engine: Engine, database_url: str) -> None:
    with engine.connect() as connection:
        codes = connection.execute(text("SELECT code FROM typologies ORDER BY position")).scalars()
        assert list(codes) == [f"M{n}" for n in range(1, 25)]
        groups = connection.execute(text("SELECT count(*) FROM typology_groups")).scalar_one()
        assert groups == 6


def test_database_settings_are_durable(engine: Engine, database_url: str) -> None:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert connection.exec_driver_sql("SHOW fsync").scalar() == "on"
            assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_narratives_written_before_encryption_are_encrypted(tmp_path: Path) -> None:
    crypto.install(crypto.Keyring.parse(TEST_ENCRYPTION_KEYS))
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0002")
    engine = make_engine(url)
    summary = "Written before the narratives were encrypted."
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organisations VALUES (1, 'MRE', 'M', 1, :t, 1)"), T)
        connection.execute(
            text(
                "INSERT INTO accounts (id, kind, username, display_name, secret_hash, role,"
                " active, token_version, created_at, version)"
                " VALUES (1, 'person', 'd@x.org', 'D', 'h', 'delegate', 1, 0, :t, 1)"
            ),
            T,
        )
        connection.execute(
            text(
                "INSERT INTO situations (id, reference, year, sequence, organisation_id,"
                " opened_on, intake_typology, initial_severity, severity, status,"
                " requester_kind, summary, created_by_id, created_at, updated_at, version)"
                " VALUES ('s1', '2025-0001', 2025, 1, 1, '2025-01-02', 'M1', 'red', 'red',"
                " 'open', 'staff', :summary, 1, :t, :t, 1)"
            ),
            {**T, "summary": summary},
        )

        for action in ("situation.create", "situation.read"):
            connection.execute(
                text(
                    "INSERT INTO audit_entries (occurred_at, account_id, action, object_type,"
                    " situation_id, detail) VALUES (:t, 1, :action, 'situation', 's1', NULL)"
                ),
                {**T, "action": action},
            )

    def stored() -> str:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT summary FROM situations")).scalar_one())

    command.upgrade(config, "head")
    # The audit entries written before the chain existed are chained in their order.
    verdict = chain.verify(make_sessionmaker(engine))
    assert (verdict.entries, verdict.problems) == (2, [])
    # The chain's head starts at its last entry: the next one follows it.
    with make_sessionmaker(engine).begin() as session:
        audit_service.record(
            session=session, principal=None, action="situation.erase", object_type="situation"
        )
    verdict = chain.verify(make_sessionmaker(engine))
    assert (verdict.entries, verdict.problems) == (3, [])
    assert stored().startswith("enc1:test1:")
    assert crypto.active_keyring().decrypt(stored(), "situations.summary") == summary
    command.downgrade(config, "0002")
    assert stored() == summary
    engine.dispose()


T = {"t": "2025-01-01 00:00:00"}


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the tests run on, for a migration from an old revision:
    a file on SQLite; on PostgreSQL a database of its own beside the tests' (created and
    dropped here, which takes the right to create databases)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"{url.database}_migrations"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def test_audit_entries_written_before_their_numbering_are_numbered(scratch_url: str) -> None:
    """Each account's entries are numbered in the chain's order when the numbering comes in,
    and the next entry of the account follows its last."""
    url = scratch_url
    config = alembic_config(url)
    command.upgrade(config, "0010")
    engine = make_engine(url)
    with engine.begin() as connection:
        for position, account_id in enumerate([1, 2, 1, None, 1, 2], start=1):
            connection.execute(
                text(
                    "INSERT INTO audit_entries (occurred_at, account_id, action, object_type,"
                    " position, previous_hash, hash)"
                    " VALUES (:t, :account_id, 'situation.read', 'situation', :position, '', '')"
                ),
                {**T, "account_id": account_id, "position": position},
            )
    command.upgrade(config, "head")

    def numbers() -> list[tuple[int | None, int | None]]:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT account_id, account_sequence FROM audit_entries ORDER BY position")
            )
            return [(row[0], row[1]) for row in rows]

    assert numbers() == [(1, 1), (2, 1), (1, 2), (None, None), (1, 3), (2, 2)]
    with make_sessionmaker(engine).begin() as session:
        audit_service.record(
            session=session,
            principal=Principal(
                account_id=2,
                kind=AccountKind.PERSON,
                role=Role.DELEGATE,
                organisation_id=None,
                organisation_code=None,
                username="d@x.org",
            ),
            action="situation.read",
            object_type="situation",
        )
    assert numbers()[-1] == (2, 3)
    command.downgrade(config, "0010")
    engine.dispose()


def test_the_chain_holds_across_the_change_of_sealing_method(scratch_url: str) -> None:
    """Entries sealed before migration 0012 (the head moved and each account's entries
    numbered by triggers) and after it (by the service as it commits) form one chain, which
    `verify` walks whole: an altered or reordered entry shows on either side."""
    config = alembic_config(scratch_url)
    command.upgrade(config, "0011")
    engine = make_engine(scratch_url)
    previous = chain.GENESIS
    with engine.begin() as connection:
        for position, account_id in enumerate([1, 2, 1], start=1):
            entry = AuditEntry(
                position=position,
                occurred_at=datetime(2026, 11, 30, 12, position, tzinfo=UTC),
                account_id=account_id,
                action="situation.read",
                object_type="situation",
            )
            entry.hash = chain.seal(entry, previous)
            connection.execute(
                text(
                    "INSERT INTO audit_entries (occurred_at, account_id, action, object_type,"
                    " position, previous_hash, hash)"
                    " VALUES (:t, :account_id, :action, :object_type, :position, :previous, :hash)"
                ),
                {
                    "t": entry.occurred_at.replace(tzinfo=None),
                    "account_id": account_id,
                    "action": entry.action,
                    "object_type": entry.object_type,
                    "position": position,
                    "previous": previous,
                    "hash": entry.hash,
                },
            )
            previous = entry.hash
    command.upgrade(config, "head")
    factory = make_sessionmaker(engine)
    for account_id in (1, 3):
        with transaction(factory) as session:
            audit_service.record(
                session=session,
                principal=Principal(
                    account_id=account_id,
                    kind=AccountKind.PERSON,
                    role=Role.DELEGATE,
                    organisation_id=None,
                    organisation_code=None,
                    username=f"d{account_id}@x.org",
                ),
                action="situation.read",
                object_type="situation",
            )
    verdict = chain.verify(factory)
    assert (verdict.entries, verdict.head_position, verdict.problems) == (5, 5, [])
    with engine.connect() as connection:
        numbers = connection.execute(
            text("SELECT account_id, account_sequence FROM audit_entries ORDER BY position")
        ).all()
    assert [tuple(row) for row in numbers] == [(1, 1), (2, 1), (1, 2), (1, 3), (3, 1)]

    def altered(statement: str) -> list[str]:
        with engine.begin() as connection:
            connection.execute(text(statement))
        problems = chain.verify(factory).problems
        with engine.begin() as connection:
            connection.execute(text(statement))  # each statement here undoes itself
        return problems

    # An entry sealed by the triggers, then one sealed by the service, edited in place.
    flip = "UPDATE audit_entries SET object_type = {} WHERE position = {}"
    assert altered(flip.format("CASE object_type WHEN 'x' THEN 'situation' ELSE 'x' END", 2)) == [
        "position 2: altered (its hash does not match)"
    ]
    assert altered(flip.format("CASE object_type WHEN 'x' THEN 'situation' ELSE 'x' END", 4)) == [
        "position 4: altered (its hash does not match)"
    ]
    # The last entry sealed by the triggers and the first sealed by the service, swapped.
    swap = (
        "UPDATE audit_entries SET position = CASE position WHEN 3 THEN -4 WHEN 4 THEN -3"
        " WHEN -4 THEN 3 WHEN -3 THEN 4 ELSE position END"
    )
    with engine.begin() as connection:
        connection.execute(text(swap))
        connection.execute(text("UPDATE audit_entries SET position = -position WHERE position < 0"))
    assert "position 3: does not follow the entry before it" in chain.verify(factory).problems
    engine.dispose()
