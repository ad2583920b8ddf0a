"""Bring a database to the latest schema with the project's Alembic migrations."""

from pathlib import Path

from alembic import command
from alembic.config import Config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def drop_everything(database_url: str) -> None:
    """Remove every table, whatever revision and data the database holds (its narratives may be
    under keys no longer at hand, which a downgrade would need)."""
    from sqlalchemy import MetaData

    from app.core.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
    finally:
        engine.dispose()


def rebuild(database_url: str) -> None:
    """An empty database at the latest schema."""
    drop_everything(database_url)
    upgrade_to_head(database_url)
