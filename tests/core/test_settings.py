"""No known signing key, ever: development makes its own, production refuses a weak one, and
a refused key is never repeated in an error."""

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from app.core import security
from app.core.config import DEVELOPMENT_SECRET_KEY_FILE, Environment, Settings


@pytest.fixture
def no_key_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BIENTRAITANCE_SECRET_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_development_makes_a_random_key_readable_by_its_owner_only(no_key_given: Path) -> None:
    first = Settings(environment=Environment.DEVELOPMENT, _env_file=None)
    key_file = no_key_given / DEVELOPMENT_SECRET_KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert first.signing_key == key_file.read_text().strip()
    assert len(first.signing_key) >= 48
    # Kept: tokens stay valid across restarts; and another folder gets another key.
    assert Settings(environment=Environment.DEVELOPMENT, _env_file=None).signing_key == (
        first.signing_key
    )
    assert list(no_key_given.iterdir()) == [key_file]


def test_two_development_folders_never_share_a_key(
    no_key_given: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Settings(environment=Environment.DEVELOPMENT, _env_file=None)
    other = no_key_given / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    assert Settings(environment=Environment.DEVELOPMENT, _env_file=None).signing_key != (
        first.signing_key
    )


def test_a_token_signed_with_another_servers_key_is_refused(no_key_given: Path) -> None:
    ours = Settings(environment=Environment.DEVELOPMENT, _env_file=None)
    forger = Settings(secret_key=secrets.token_urlsafe(48), _env_file=None)
    forged, _ = security.create_access_token(
        settings=forger, account_id=1, token_version=0, role="admin"
    )
    with pytest.raises(security.InvalidToken):
        security.decode_access_token(settings=ours, token=forged)


def test_production_refuses_missing_key(no_key_given: Path) -> None:
    with pytest.raises(ValidationError, match="BIENTRAITANCE_SECRET_KEY must be set"):
        Settings(environment=Environment.PRODUCTION, _env_file=None)
    assert not (no_key_given / DEVELOPMENT_SECRET_KEY_FILE).exists()


@pytest.mark.parametrize(
    "key",
    [
        "short-Key-9",
        "development-only-secret-key-change-me",  # long enough, but words
        "a" * 64,
        "abc123" * 8,
        "BientraitanceSecretKey2026BientraitanceSecretKey2026",
        "0123456789abcdefghijklmnopqrstuvwxyz",
        "password" * 20,  # long, and nothing but a word
    ],
)
def test_production_refuses_a_key_that_can_be_guessed_without_repeating_it(key: str) -> None:
    with pytest.raises(ValidationError, match="BIENTRAITANCE_SECRET_KEY is") as refused:
        Settings(environment=Environment.PRODUCTION, _env_file=None, secret_key=key)
    assert key not in str(refused.value)
    assert key[:12] not in repr(refused.value)


@pytest.mark.parametrize(
    "key", [secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_urlsafe(512)]
)
def test_production_takes_a_random_key(key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIENTRAITANCE_ENVIRONMENT", "production")
    monkeypatch.setenv("BIENTRAITANCE_SECRET_KEY", key)
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", "postgresql+psycopg://db/register")
    settings = Settings(_env_file=None)
    assert settings.environment is Environment.PRODUCTION
    assert settings.signing_key == key


def test_the_command_refuses_a_weak_key_without_printing_it(tmp_path: Path) -> None:
    weak = "BientraitanceSecretKey2026BientraitanceSecretKey2026"
    env = {
        **os.environ,
        "BIENTRAITANCE_ENVIRONMENT": "production",
        "BIENTRAITANCE_SECRET_KEY": weak,
        "BIENTRAITANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from app.cli import main; sys.argv[0] = 'bientraitance'; main()",
        "migrate",
    ]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode != 0
    assert "BIENTRAITANCE_SECRET_KEY is too easy to guess" in result.stdout + result.stderr
    assert weak not in result.stdout + result.stderr
    assert weak[:16] not in result.stdout + result.stderr
