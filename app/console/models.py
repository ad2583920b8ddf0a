from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ConsoleSession(Base):
    """A person signed in to the console, in the database so that every worker and host sees
    it. The cookie holds a random token; only its hash is kept, so that a copy of the database
    opens no session."""

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # The account's token version when the session began: disabling the account or resetting
    # its password bumps it, which ends the session at once.
    token_version: Mapped[int]
    csrf_token: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
