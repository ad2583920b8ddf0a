"""`bientraitance backup` and `restore` on SQLite: a restored database is the one backed up,
readable with its keys, its audit chain intact."""

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
