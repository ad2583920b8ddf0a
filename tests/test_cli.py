"""The `bientraitance` console command."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import app
from app.core import crypto
from app.core.config import get_settings
from app.core.crypto import Keyring
from tests.conftest import TEST_ENCRYPTION_KEYS

runner = CliRunner()


@pytest.fixture
def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", url)
    get_settings.cache_clear()
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0, result.output
    yield url
    get_settings.cache_clear()


def test_create_organisation_user_and_client(cli_database: str) -> None:
    result = runner.invoke(app, ["organisations", "create", "--code", "mre", "--name", "Maison"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "Coord@Example.org",
            "--role",
            "coordinator",
            "--organisation",
            "MRE",
            "--password",
            "a long password",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "coordinator coord@example.org" in result.output
    result = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--name",
            "MRE intranet",
            "--role",
            "intranet",
            "--organisation",
            "MRE",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert lines["client_id"].startswith("cli_")
    engine = create_engine(cli_database)
    with engine.connect() as connection:
        hashes = connection.execute(text("SELECT secret_hash FROM accounts")).scalars().all()
    engine.dispose()
    assert len(hashes) == 2
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert lines["client_secret"] not in " ".join(hashes)


def test_password_from_standard_input(cli_database: str) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--email", "d@example.org", "--role", "delegate"],
        input="a long password from stdin\n",
    )
    assert result.exit_code == 0, result.output


def test_refusals(cli_database: str) -> None:
    missing = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "c@example.org",
            "--role",
            "coordinator",
            "--password",
            "a long password",
        ],
    )
    assert missing.exit_code == 1
    assert "organisation" in missing.output
    short = runner.invoke(
        app,
        ["users", "create", "--email", "d@example.org", "--role", "delegate", "--password", "x"],
    )
    assert short.exit_code == 1
    bad_role = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "d@example.org",
            "--role",
            "root",
            "--password",
            "a long password",
        ],
    )
    assert bad_role.exit_code != 0


def test_keys_generate_and_rotate(cli_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = runner.invoke(app, ["keys", "generate"])
    assert result.exit_code == 0, result.output
    entry = result.output.strip()
    keyring = Keyring.parse(entry)  # a usable key entry
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", f"{entry},{TEST_ENCRYPTION_KEYS}")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["keys", "rotate"])
    finally:
        crypto.install(Keyring.parse(TEST_ENCRYPTION_KEYS))
    assert result.exit_code == 0, result.output
    assert f"now under key {keyring.current}" in result.output
