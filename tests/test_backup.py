"""`bientraitance backup` and `restore` on SQLite: a restored database is the one backed up,
readable with its keys, its audit chain intact."""

import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.audit import chain
from app.cli import app as cli
from app.core.backup import BackupError, sqlite_path
from app.core.config import Settings, get_settings
from app.core.db import make_engine, make_sessionmaker
from app.main import create_app
from scripts import live
from tests.conftest import TEST_ENCRYPTION_KEYS
from tests.factories import situation_body

runner = CliRunner()
PASSWORD = "a long enough password"


@pytest.fixture
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", url)
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    get_settings.cache_clear()
    for command in (
        ["migrate"],
        ["organisations", "create", "--code", "MRE", "--name", "Maison"],
        [
            "users",
            "create",
            "--email",
            "d@example.org",
            "--role",
            "delegate",
            "--password",
            PASSWORD,
        ],
    ):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
    yield url
    get_settings.cache_clear()


async def test_backup_and_restore(own_database: str, settings: Settings, tmp_path: Path) -> None:
    app = create_app(settings.model_copy(update={"database_url": own_database}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        token = (
            await client.post(
                "/api/v1/auth/token",
                data={"grant_type": "password", "username": "d@example.org", "password": PASSWORD},
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def create(summary: str) -> str:
            response = await client.post(
                "/api/v1/situations", json=situation_body(summary=summary), headers=headers
            )
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        kept = await create("Backed up.")
        copy = tmp_path / "copy.db"
        result = runner.invoke(cli, ["backup", str(copy)])
        assert result.exit_code == 0, result.output
        assert "keep the encryption keys apart" in result.output
        again = runner.invoke(cli, ["backup", str(copy)])
        assert again.exit_code == 1
        assert "exists already" in again.output

        await create("Written after the backup.")
        refused = runner.invoke(cli, ["restore", str(copy)])
        assert refused.exit_code == 1
        result = runner.invoke(cli, ["restore", str(copy), "--yes"])
        assert result.exit_code == 0, result.output

        listed = (await client.get("/api/v1/situations", headers=headers)).json()["items"]
        assert [s["id"] for s in listed] == [kept]
        read = await client.get(f"/api/v1/situations/{kept}", headers=headers)
        assert read.json()["summary"] == "Backed up."
    engine = make_engine(own_database)
    verdict = chain.verify(make_sessionmaker(engine))
    engine.dispose()
    assert verdict.intact, verdict.problems


def test_refusals(own_database: str, tmp_path: Path) -> None:
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("not a database")
    result = runner.invoke(cli, ["restore", str(not_a_database), "--yes"])
    assert result.exit_code == 1
    assert "not a database of this service" in result.output
    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path("postgresql+psycopg://u:p@127.0.0.1/db")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_the_service_writes_is_readable_by_its_owner_only(
    own_database: str, tmp_path: Path
) -> None:
    live = sqlite_path(own_database)
    written = [live, *(p for p in (Path(f"{live}-wal"), Path(f"{live}-shm")) if p.exists())]
    assert {_mode(p) for p in written} == {0o600}, [(p.name, oct(_mode(p))) for p in written]
    copy = tmp_path / "copy.db"
    assert runner.invoke(cli, ["backup", str(copy)]).exit_code == 0
    assert _mode(copy) == 0o600
    export = tmp_path / "export.csv"
    exported = runner.invoke(
        cli, ["export", "situations", "--as", "d@example.org", "--output", str(export)]
    )
    assert exported.exit_code == 0, exported.output
    assert _mode(export) == 0o600
    # A database left readable by others by an earlier version is closed again at start.
    live.chmod(0o644)
    make_engine(own_database).dispose()
    assert _mode(live) == 0o600


def test_a_restore_reads_the_very_file_it_checked(own_database: str, tmp_path: Path) -> None:
    good = tmp_path / "good.db"
    assert runner.invoke(cli, ["backup", str(good)]).exit_code == 0
    # A name that a URI would cut short: checking "good.db" and restoring this one, a sound
    # database, but not one of this service.
    tricky = tmp_path / "good.db#"
    with sqlite3.connect(tricky) as other:
        other.execute("CREATE TABLE planted (anything TEXT)")
    result = runner.invoke(cli, ["restore", str(tricky), "--yes"])
    assert result.exit_code == 1
    assert "not a database of this service" in result.output
    query = tmp_path / "good.db?mode=memory"
    query.write_text("not a database")
    assert runner.invoke(cli, ["restore", str(query), "--yes"]).exit_code == 1
    link = tmp_path / "link.db"
    link.symlink_to(good)
    linked = runner.invoke(cli, ["restore", str(link), "--yes"])
    assert linked.exit_code == 1
    assert "symbolic link" in linked.output
    assert runner.invoke(cli, ["restore", str(good), "--yes"]).exit_code == 0


def test_no_restore_while_a_server_has_the_database_open(own_database: str, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    assert runner.invoke(cli, ["backup", str(copy)]).exit_code == 0
    port = live.free_port()
    server = live.start(
        port,
        {
            "BIENTRAITANCE_DATABASE_URL": own_database,
            "BIENTRAITANCE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        },
    )
    try:
        refused = runner.invoke(cli, ["restore", str(copy), "--yes"])
        assert refused.exit_code == 1
        assert "a server has" in refused.output
    finally:
        live.stop(server)
    assert runner.invoke(cli, ["restore", str(copy), "--yes"]).exit_code == 0
