"""The `bientraitance` console command."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from app.cli import app
from app.core import crypto, security
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


def _run(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def _secret_hash(url: str, username: str) -> str:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT secret_hash FROM accounts WHERE username = :u"), {"u": username}
        ).scalar_one()
    engine.dispose()
    return str(found)


def test_daily_administration(cli_database: str) -> None:
    """What an administrator does from one week to the next, each with its own command."""
    _run("organisations", "create", "--code", "MRE", "--name", "Maison relais Est")
    assert "Maison relais Est" in _run("organisations", "list")
    _run("sites", "add", "--organisation", "MRE", "--name", "Groupe de vie 1")
    assert "Groupe de vie 1" in _run("sites", "list", "--organisation", "MRE")

    _run(
        "users", "create", "--email", "d@example.org", "--role", "delegate", "--password", "x" * 12
    )
    assert "d@example.org" in _run("users", "list")
    assert "disabled" in _run("users", "disable", "--email", "d@example.org")
    assert "d@example.org" not in _run("users", "list")
    assert "disabled  d@example.org" in _run("users", "list", "--all")
    _run("users", "enable", "--email", "d@example.org")
    assert "active    d@example.org" in _run("users", "list")
    _run("users", "reset-password", "--email", "d@example.org", "--password", "y" * 12)
    assert security.verify_secret(_secret_hash(cli_database, "d@example.org"), "y" * 12)

    created = _run("clients", "create", "--name", "Rapport", "--role", "reporter")
    client_id = created.split("client_id=")[1].split()[0]
    first = created.split("client_secret=")[1].split()[0]
    assert client_id in _run("clients", "list")
    rotated = _run("clients", "rotate", "--client-id", client_id)
    second = rotated.split("client_secret=")[1].split()[0]
    assert second != first
    assert security.verify_secret(_secret_hash(cli_database, client_id), second)
    _run("clients", "disable", "--client-id", client_id)
    assert client_id not in _run("clients", "list")

    _run(
        "authorities", "add", "--code", "ombudsman",
        "--label-fr", "Ombudsman", "--label-en", "Ombudsman", "--label-de", "Ombudsmann",
    )  # fmt: skip


def test_each_command_offers_only_the_choices_it_accepts(cli_database: str) -> None:
    """A client cannot be created as a delegate, nor a person as an intranet; an unknown
    account is said so, in one line."""
    as_delegate = runner.invoke(app, ["clients", "create", "--name", "X", "--role", "delegate"])
    assert as_delegate.exit_code == 2
    assert "'intranet', 'reporter'" in as_delegate.output
    as_intranet = runner.invoke(
        app, ["users", "create", "--email", "i@example.org", "--role", "intranet"]
    )
    assert as_intranet.exit_code == 2
    unknown = runner.invoke(app, ["users", "disable", "--email", "nobody@example.org"])
    assert unknown.exit_code == 1
    assert "no person's account is named nobody@example.org" in unknown.output
    # Booleans are flags: `--dry-run`, never `--dry-run <bool>`.
    for command, flag in (
        (["import", "situations"], "--dry-run"),
        (["import", "situations"], "--skip-imported"),
        (["retention", "apply"], "--dry-run"),
        (["users", "list"], "--all"),
    ):
        help_text = runner.invoke(app, [*command, "--help"]).output
        (line,) = [
            line for line in help_text.splitlines() if line.strip("│ ").startswith(f"{flag} ")
        ]
        assert "<bool>" not in line, (command, line)
