"""Backup and restore of an SQLite database, online, with SQLite's own backup API.

PostgreSQL has its tools for this: `pg_dump --format=custom` and `pg_restore --clean`. Either
way, a backup holds the narratives encrypted: keep the encryption keys too, elsewhere.
"""

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    pass


POSTGRES_HELP = (
    "on PostgreSQL, use its tools: pg_dump --format=custom --file=FILE DBNAME, "
    "and pg_restore --clean --if-exists --dbname=DBNAME FILE"
)


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(POSTGRES_HELP)
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(url.database)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database into `target`, consistent even while the service writes.
    Returns the size of the copy in bytes."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file")
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    _check(target)
    return target.stat().st_size


def restore(database_url: str, source: Path) -> None:
    """Replace the database's content with the backup's. Stop the service first."""
    _check(source)
    target_path = sqlite_path(database_url)
    with sqlite3.connect(source) as backup_db, sqlite3.connect(target_path) as live:
        backup_db.backup(live)


def _check(path: Path) -> None:
    """A backup must be a sound SQLite database of this service."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a database of this service ({exc})") from exc
    if integrity != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {integrity}")
    if revision is None:
        raise BackupError(f"{path} has no schema revision")
