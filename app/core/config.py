"""Settings, read from `BIENTRAITANCE_*` environment variables or a `.env` file."""

import contextlib
import os
import secrets
import tempfile
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from zxcvbn import zxcvbn

# Where a development server keeps the key it signs tokens with, made on its first start.
DEVELOPMENT_SECRET_KEY_FILE = Path("bientraitance.secret")
MIN_SECRET_KEY_LENGTH = 32
# A production key must be one that no guessing reaches: about 100 bits (10^30 guesses, as
# zxcvbn estimates them: it sees through words, repetitions, sequences and dates).
MIN_SECRET_KEY_GUESSES_LOG10 = 30
# zxcvbn reads at most this many characters; a longer key is judged by its beginning.
ESTIMATED_CHARACTERS = 72
HOW_TO_MAKE_A_KEY = "for example: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BIENTRAITANCE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        # An error about a setting never repeats the value given (a refused key included).
        hide_input_in_errors=True,
    )

    environment: Environment = Environment.DEVELOPMENT
    database_url: str = "sqlite:///./bientraitance.db"
    # Signs the access tokens. Required outside development; in development, made at random
    # on the first start and kept in DEVELOPMENT_SECRET_KEY_FILE.
    secret_key: SecretStr | None = None
    token_issuer: str = "bientraitance"  # noqa: S105
    token_audience: str = "bientraitance-api"  # noqa: S105
    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    # Upper bounds that protect the service from oversized input.
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    log_level: str = "INFO"
    # Failed logins (app/auth/throttle.py), counted within `login_window_seconds`: a name from
    # one address is locked after `login_max_failures` for `login_lockout_seconds`; a name from
    # anywhere, or an address whatever the names, is slowed down (never locked) beyond its limit,
    # at most `login_slowdown_max_seconds` between tries.
    login_max_failures: int = Field(default=5, ge=1)
    login_name_max_failures: int = Field(default=20, ge=1)
    login_address_max_failures: int = Field(default=50, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    login_slowdown_max_seconds: int = Field(default=60, ge=1)
    # A console session ends after this long without a request, and this long after signing
    # in whatever happens.
    console_idle_minutes: int = Field(default=30, ge=1)
    console_lifetime_hours: int = Field(default=12, ge=1)
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
    # Webhooks go to public addresses only; these host names and networks besides, e.g.
    # '["intranet.mre.local", "10.20.0.0/16"]' for an intranet inside the network.
    webhook_allowed_destinations: list[str] = Field(default_factory=list)
    webhook_max_per_organisation: int = Field(default=10, ge=1)
    # Years a closed situation keeps its narratives and identifying details after its closure.
    retention_years: int = Field(default=10, ge=1, le=100)
    # When set, GET /metrics asks for it (Authorization: Bearer <token>); the scraper's own.
    metrics_token: SecretStr | None = None
    # Keys of the narratives' encryption at rest (see app/core/crypto.py).
    encryption_keys: SecretStr | None = None
    encryption_key_file: Path | None = None

    @model_validator(mode="after")
    def _a_signing_key_nobody_knows(self) -> "Settings":
        if self.secret_key is None:
            if self.environment is not Environment.DEVELOPMENT:
                raise ValueError(
                    "BIENTRAITANCE_SECRET_KEY must be set outside development "
                    f"({HOW_TO_MAKE_A_KEY})"
                )
            self.secret_key = SecretStr(development_secret_key(DEVELOPMENT_SECRET_KEY_FILE))
        elif self.environment is not Environment.DEVELOPMENT:
            refusal = weak_key_reason(self.secret_key.get_secret_value())
            if refusal is not None:
                raise ValueError(f"BIENTRAITANCE_SECRET_KEY is {refusal} ({HOW_TO_MAKE_A_KEY})")
        return self

    @property
    def signing_key(self) -> str:
        if self.secret_key is None:  # the validator always sets it
            raise RuntimeError("no signing key")
        return self.secret_key.get_secret_value()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def weak_key_reason(key: str) -> str | None:
    """Why a signing key is too easy to find, or None. Never says what the key is."""
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if zxcvbn(key[:ESTIMATED_CHARACTERS])["guesses_log10"] < MIN_SECRET_KEY_GUESSES_LOG10:
        return "too easy to guess: use a random value"
    return None


def development_secret_key(path: Path) -> str:
    """The development key in `path`, made at random on the first start: readable by its owner
    only, written whole before it is visible (servers starting together all read the same)."""
    if not path.exists():
        folder = path.parent.resolve()
        descriptor, draft = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.")  # mode 0600
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(draft, path)
        finally:
            os.unlink(draft)
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
