"""Migrations are the only way the schema changes: they must build exactly what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from app.models import Base


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
