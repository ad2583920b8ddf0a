"""Brute force on the token endpoint, without letting anyone lock someone else out.

Failed logins are counted in the database (every worker sees the same counts) three ways, each
within a window (`login_window_seconds`):

- a name *from one address*: after `login_max_failures`, that address may not try that name
  again until the lockout ends (`login_lockout_seconds`). The account's owner, elsewhere, goes on.
- a name *from anywhere*: beyond `login_name_max_failures`, each further try waits a little
  longer, twice as long each time, at most `login_slowdown_max_seconds`: guessing from many
  addresses stays slow, and the owner is delayed by seconds, never locked out.
- an address *whatever the names*: beyond `login_address_max_failures`, the same slowdown:
  spraying from one address is slow, and the people behind a shared address are only delayed.

While a count waits, the endpoint answers 429 with Retry-After (and says how long in words)
without checking the password. Unknown names are counted like known ones, so that both answer
alike. A successful login clears its name's counts; an administrator can clear them (`unlock`).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.auth.models import LoginThrottle
from app.core.config import Settings
from app.core.db import table, utcnow
from app.core.errors import TooManyRequests

KEY_LENGTH = 300


@dataclass(frozen=True)
class _Count:
    key: str
    kind: str  # "pair" locks at its limit; "name" and "address" slow down beyond theirs


def _name(name: str) -> str:
    return name.strip().lower()


def _counts(*, name: str, address: str | None) -> list[_Count]:
    counts = [_Count(f"name:{_name(name)}"[:KEY_LENGTH], "name")]
    if address:
        counts.append(_Count(f"pair:{_name(name)}|{address}"[:KEY_LENGTH], "pair"))
        counts.append(_Count(f"address:{address}"[:KEY_LENGTH], "address"))
    return counts


def check(*, session: Session, name: str, address: str | None) -> None:
    """Refuse at once while a count of this name or this address waits."""
    now = utcnow()
    waits_until = session.scalar(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_([c.key for c in _counts(name=name, address=address)]),
            LoginThrottle.locked_until > now,
        )
    )
    if waits_until is not None:
        retry_after = max(1, math.ceil((waits_until - now).total_seconds()))
        raise TooManyRequests(
            f"Too many failed logins: try again in {_in_words(retry_after)}.",
            retry_after=retry_after,
        )


def record_failure(*, session: Session, settings: Settings, name: str, address: str | None) -> None:
    """Count one failure for the name, the name from this address, and the address."""
    now = utcnow()
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    throttles = table(LoginThrottle)
    expired = throttles.c.window_started_at < window_start
    for count in _counts(name=name, address=address):
        failures = session.execute(
            insert(throttles)
            .values(key=count.key, failures=1, window_started_at=now, locked_until=None)
            .on_conflict_do_update(
                index_elements=[throttles.c.key],
                set_={
                    "failures": case((expired, 1), else_=throttles.c.failures + 1),
                    "window_started_at": case((expired, now), else_=throttles.c.window_started_at),
                },
            )
            .returning(throttles.c.failures)
        ).scalar_one()
        waits_until = _waits_until(count.kind, failures, settings, now)
        if waits_until is not None:
            restart = {"failures": 0, "window_started_at": now} if count.kind == "pair" else {}
            session.execute(
                update(throttles)
                .where(throttles.c.key == count.key)
                .values(locked_until=waits_until, **restart)
            )


def _waits_until(kind: str, failures: int, settings: Settings, now: datetime) -> datetime | None:
    if kind == "pair":
        if failures < settings.login_max_failures:
            return None
        return now + timedelta(seconds=settings.login_lockout_seconds)
    limit = (
        settings.login_name_max_failures if kind == "name" else settings.login_address_max_failures
    )
    beyond = failures - limit
    if beyond <= 0:
        return None
    return now + timedelta(seconds=min(2 ** min(beyond, 30), settings.login_slowdown_max_seconds))


def clear(*, session: Session, name: str, address: str | None) -> None:
    """After a successful login: the name's counts, from anywhere and from this address."""
    keys = [c.key for c in _counts(name=name, address=address) if c.kind != "address"]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))


def unlock(*, session: Session, name: str) -> int:
    """An administrator's: every count of the name, from every address. How many there were."""
    throttles = table(LoginThrottle)
    result = session.execute(
        delete(throttles).where(
            or_(
                throttles.c.key == f"name:{_name(name)}"[:KEY_LENGTH],
                throttles.c.key.startswith(f"pair:{_name(name)}|", autoescape=True),
            )
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _in_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
