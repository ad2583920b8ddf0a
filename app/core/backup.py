"""Backup and restore of an SQLite database, online, with SQLite's own backup API.

PostgreSQL has its tools for this: `pg_dump --format=custom` and `pg_restore --clean`. Either
way, a backup holds the narratives encrypted: keep the encryption keys too, elsewhere.

Backups are readable by their owner only. A restore reads the very file it checked (opened once,
by its full path, never a symbolic link) and refuses while a server has the database open: every
server process holds a shared lock on `<database>.serving` while it serves
(`hold_while_serving`), and a restore needs it alone. The lock is on a file of its own: a
process that closes any descriptor of an SQLite database file drops the locks SQLite holds on
it, so the service never opens the database file itself.
"""

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE = 0o600


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


def make_private(path: Path) -> None:
    """The database file, created if need be, readable and writable by its owner only (SQLite
    gives its journal and WAL files the database file's permissions)."""
    # New: nobody can have it open yet. (No folder: SQLite will say so when it connects.)
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    for name in (str(path), f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(FileNotFoundError):  # by name: no descriptor opened
            os.chmod(name, PRIVATE)


def backup(database_url: str, target: Path) -> int:
    """Copy the live database into `target`, consistent even while the service writes.
    Returns the size of the copy in bytes."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"no database at {source_path}")
    if os.path.lexists(target):
        raise BackupError(f"{target} exists already: choose a new file")
    # Created by this process, for its owner only, before SQLite writes anything into it.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    with _opened(target) as written:
        _check(written, target)
    return target.stat().st_size


def restore(database_url: str, source: Path) -> None:
    """Replace the database's content with the backup's, once no server has it open."""
    target_path = sqlite_path(database_url)
    with _opened(source) as backup_db, _alone(target_path):
        _check(backup_db, source)
        with sqlite3.connect(target_path) as live:
            backup_db.backup(live)


@contextlib.contextmanager
def hold_while_serving(database_url: str) -> Iterator[None]:
    """A server's shared lock on its SQLite database file, for as long as it serves."""
    try:
        path: Path | None = sqlite_path(database_url)
    except BackupError:  # PostgreSQL, or a database in memory
        path = None
    if path is None or not path.parent.is_dir():  # no folder: /readyz will say it
        yield
        return
    with _serving_lock(path) as held:
        fcntl.flock(held, fcntl.LOCK_SH)
        yield


@contextlib.contextmanager
def _alone(path: Path) -> Iterator[None]:
    with _serving_lock(path) as held:
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"a server has {path} open: stop the service, then restore") from None
        yield


@contextlib.contextmanager
def _serving_lock(database: Path) -> Iterator[int]:
    descriptor = os.open(f"{database}.serving", os.O_RDWR | os.O_CREAT, PRIVATE)
    try:
        yield descriptor
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[sqlite3.Connection]:
    """`path` itself, read-only: by its full path as a URI (where `#` or `?` in a name are
    part of the name), never through a symbolic link."""
    if path.is_symlink():
        raise BackupError(f"{path} is a symbolic link: name the file itself")
    if not path.is_file():
        raise BackupError(f"no file at {path}")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path} cannot be opened ({exc})") from exc
    try:
        yield connection
    finally:
        connection.close()


def _check(connection: sqlite3.Connection, path: Path) -> None:
    """A backup must be a sound SQLite database of this service."""
    try:
        (integrity,) = connection.execute("PRAGMA integrity_check").fetchone()
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a database of this service ({exc})") from exc
    if integrity != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {integrity}")
    if revision is None:
        raise BackupError(f"{path} has no schema revision")
