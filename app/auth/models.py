from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, str_enum, utcnow
from app.core.principal import AccountKind, Role
from app.organisations.models import Organisation


class Account(Base):
    """A person (login by e-mail and password) or a machine client (client id and secret)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AccountKind] = mapped_column(str_enum(AccountKind, "account_kind"))
    # E-mail (lower-cased) for a person, client id for a machine client.
    username: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped whenever earlier tokens must stop working (disabled, secret rotated).
    token_version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LoginThrottle(Base):
    """Failed logins counted per account name and per address, in the database so that every
    worker process sees the same counts."""

    __tablename__ = "login_throttles"

    # `name:<username or client id>` or `address:<IP address>`.
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    failures: Mapped[int]
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
