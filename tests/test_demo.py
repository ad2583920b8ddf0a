"""`bientraitance demo`: fictional data over three years, explorable at once."""

import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.audit import chain
from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.core.db import make_engine, make_sessionmaker
from app.main import create_app
from tests.conftest import TEST_ENCRYPTION_KEYS

PASSWORD = "a demo password"


async def test_demo(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", url)
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        demo = ["demo", "--database-url", url]
        again = runner.invoke(cli, [*demo, "--situations", "5"])
        assert again.exit_code == 0, again.output
        refused = runner.invoke(cli, [*demo, "--situations", "5"])
        made = runner.invoke(cli, [*demo, "--fresh", "--situations", "80", "--password", PASSWORD])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "holds data already" in refused.output
    assert "--fresh" in refused.output
    assert made.exit_code == 0, made.output
    assert "delegue@demo.invalid" in made.output
    assert f"BIENTRAITANCE_DATABASE_URL={url}" in made.output
    client_id, secret = re.search(r"client_id=(\S+) client_secret=(\S+)", made.output).groups()  # type: ignore[union-attr]

    app = create_app(settings.model_copy(update={"database_url": url}))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        login = await client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "password",
                "username": "delegue@demo.invalid",
                "password": PASSWORD,
            },
        )
        delegate = {"Authorization": f"Bearer {login.json()['access_token']}"}
        seen, cursor = [], None
        while True:
            page = (
                await client.get(
                    "/api/v1/situations",
                    params={"limit": 50, **({"cursor": cursor} if cursor else {})},
                    headers=delegate,
                )
            ).json()
            seen += page["items"]
            if not (cursor := page["next_cursor"]):
                break
        assert len(seen) == 80
        assert {s["organisation"] for s in seen} == {"TIL", "MOU", "ARC"}
        assert {s["status"] for s in seen} == {"open", "closed"}
        # The register's rules held: no red file closed without a report or a decision.
        red_closed = [s for s in seen if s["severity"] == "red" and s["status"] == "closed"]
        for situation in red_closed:
            history = (
                await client.get(f"/api/v1/situations/{situation['id']}/history", headers=delegate)
            ).json()
            kinds = {entry["kind"] for entry in history["entries"]}
            assert "authority_report" in kinds, situation["reference"]

        token = await client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret,
            },
        )
        reporter = {"Authorization": f"Bearer {token.json()['access_token']}"}
        this_year = date.today().year
        totals = 0
        for year in (this_year - 2, this_year - 1, this_year):
            response = await client.get(f"/api/v1/statistics/annual/{year}", headers=reporter)
            assert response.status_code == 200, response.text
            totals += response.json()["situations"]["value"]
        assert totals == 80
    engine = make_engine(url)
    assert chain.verify(make_sessionmaker(engine)).intact
    engine.dispose()


def test_the_demo_never_fills_or_empties_the_register(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By default the demo has a database of its own, not the one the service is set to; and
    --fresh empties only a database that holds the demo and nothing else."""
    register = tmp_path / "register.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", f"sqlite:///{register}")
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(cli, ["migrate"]).exit_code == 0
        created = runner.invoke(cli, ["organisations", "create", "--code", "MRE", "--name", "M"])
        assert created.exit_code == 0, created.output
        made = runner.invoke(cli, ["demo", "--situations", "5"])
        assert made.exit_code == 0, made.output
        assert (tmp_path / "bientraitance-demo.db").exists()
        emptied = runner.invoke(cli, ["demo", "--database-url", f"sqlite:///{register}", "--fresh"])
        assert emptied.exit_code == 1
        assert "holds the demo and nothing else" in emptied.output
    finally:
        get_settings.cache_clear()
    engine = make_engine(f"sqlite:///{register}")
    with engine.connect() as connection:
        codes = [row[0] for row in connection.exec_driver_sql("SELECT code FROM organisations")]
    engine.dispose()
    assert codes == ["MRE"]
