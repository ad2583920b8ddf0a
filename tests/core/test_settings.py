"""The service refuses to start outside development with a missing or placeholder key."""

import pytest
from pydantic import ValidationError

from app.core.config import PLACEHOLDER_SECRET_KEY, Environment, Settings


def test_development_accepts_placeholder() -> None:
    settings = Settings(environment=Environment.DEVELOPMENT, _env_file=None)
    assert settings.secret_key.get_secret_value() == PLACEHOLDER_SECRET_KEY


def test_production_refuses_missing_key() -> None:
    with pytest.raises(ValidationError, match="BIENTRAITANCE_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION, _env_file=None)


@pytest.mark.parametrize("key", [PLACEHOLDER_SECRET_KEY, "short"])
def test_production_refuses_placeholder(key: str) -> None:
    with pytest.raises(ValidationError, match="BIENTRAITANCE_SECRET_KEY"):
        Settings(environment=Environment.PRODUCTION, _env_file=None, secret_key=key)


def test_production_with_real_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIENTRAITANCE_ENVIRONMENT", "production")
    monkeypatch.setenv("BIENTRAITANCE_SECRET_KEY", "k" * 48)
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", "postgresql+psycopg://db/register")
    settings = Settings(_env_file=None)
    assert settings.environment is Environment.PRODUCTION
    assert settings.database_url == "postgresql+psycopg://db/register"
