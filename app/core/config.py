"""Settings, read from `BIENTRAITANCE_*` environment variables or a `.env` file."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET_KEY = "development-only-secret-key-change-me"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 32


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BIENTRAITANCE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///./bientraitance.db"
    secret_key: SecretStr = SecretStr(PLACEHOLDER_SECRET_KEY)
    token_issuer: str = "bientraitance"  # noqa: S105
    token_audience: str = "bientraitance-api"  # noqa: S105
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    # Upper bounds that protect the service from oversized input.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    log_level: str = "INFO"
    # Failed logins: an account name is locked after `login_max_failures` within the window,
    # an address after `login_address_max_failures`, for `login_lockout_seconds`.
    login_max_failures: int = Field(default=5, ge=1)
    login_address_max_failures: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    # Web origins allowed to call the API from a browser; none unless configured, e.g.
    # BIENTRAITANCE_CORS_ORIGINS='["https://intranet.example.org"]'.
    cors_origins: list[str] = Field(default_factory=list)
    # Audited requests (reads and changes of records, statistics) an account may make a minute.
    # 100 a second over a minute: bounds a runaway client or a stolen token reading records
    # in bulk, and lets an intranet or a script enter a year's records in one go.
    rate_limit_per_minute: int = Field(default=6000, ge=1)
    # Webhooks: each server process sends the due deliveries every `webhook_poll_seconds`
    # (set webhooks_in_process to false to leave it to `bientraitance webhooks deliver`).
    webhooks_in_process: bool = True
    webhook_poll_seconds: float = Field(default=5.0, gt=0)
    # Years a closed situation keeps its narratives and identifying details after its closure.
    retention_years: int = Field(default=10, ge=1, le=100)
    # Keys of the narratives' encryption at rest (see app/core/crypto.py).
    encryption_keys: SecretStr | None = None
    encryption_key_file: Path | None = None

    @model_validator(mode="after")
    def _refuse_placeholder_secret_outside_development(self) -> "Settings":
        if self.environment is Environment.DEVELOPMENT:
            return self
        key = self.secret_key.get_secret_value()
        if key == PLACEHOLDER_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                "BIENTRAITANCE_SECRET_KEY must be set to a random value of at least "
                f"{MIN_SECRET_KEY_LENGTH} characters outside development "
                '(for example: python -c "import secrets; print(secrets.token_urlsafe(48))")'
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
