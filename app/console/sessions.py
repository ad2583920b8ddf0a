"""Who is signed in to the console: a session kept in the database, named by a cookie, ended by
signing out, after an idle time, after an absolute lifetime, and at once when the account is
disabled or its password reset. Each session has its own token against cross-site request
forgery, which every form sends back."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.auth.models import Account
from app.console.models import ConsoleSession
from app.core.config import Settings
from app.core.db import utcnow

COOKIE = "bientraitance_session"
# Before signing in there is no session: the login form's token is kept in a cookie of its own
# and must come back in the form (a site elsewhere can send neither).
LOGIN_COOKIE = "bientraitance_login"
# The last-seen time is written at most this often, not at every page.
_SEEN_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def start(*, session: Session, account: Account, settings: Settings) -> str:
    """A new session for the account: the token its cookie holds. Sessions past their
    lifetime, of anyone, are removed on the way."""
    session.execute(
        delete(ConsoleSession).where(
            ConsoleSession.started_at < utcnow() - timedelta(hours=settings.console_lifetime_hours)
        )
    )
    token = new_token()
    session.add(
        ConsoleSession(
            token_hash=_hash(token),
            account_id=account.id,
            token_version=account.token_version,
            csrf_token=new_token(),
        )
    )
    return token


def current(
    *, session: Session, settings: Settings, token: str | None, touch: bool = True
) -> tuple[ConsoleSession, Account] | None:
    """The session this cookie names and its account, if it is still valid; an ended one is
    removed. `touch`: the request counts as activity, written in this transaction (a request
    that only reads says False, and `seen` later)."""
    if not token:
        return None
    row = session.execute(
        select(ConsoleSession, Account)
        .join(Account, Account.id == ConsoleSession.account_id)
        .where(ConsoleSession.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    found, account = row
    now = utcnow()
    if (
        not account.active
        or account.token_version != found.token_version
        or now - found.last_seen_at > timedelta(minutes=settings.console_idle_minutes)
        or now - found.started_at > timedelta(hours=settings.console_lifetime_hours)
    ):
        if touch:
            session.delete(found)
        return None
    if touch:
        seen(session=session, record=found)
    return found, account


def seen(*, session: Session, record: ConsoleSession) -> None:
    """The session was used now (written at most once a minute)."""
    now = utcnow()
    if now - record.last_seen_at > _SEEN_EVERY:
        session.merge(record).last_seen_at = now


def end(*, session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _hash(token)))


def same_token(expected: str | None, sent: str | None) -> bool:
    return bool(expected) and bool(sent) and hmac.compare_digest(str(expected), str(sent))
