"""Brute-force protection of the token endpoint: failed logins counted in the database.

An account name (known or not, so that both look alike) is locked after too many failures
within a window, and so is an address. While locked, the endpoint answers 429 with Retry-After
without checking the password. A successful login clears its name's count.
"""

import math
from datetime import timedelta

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.auth.models import LoginThrottle
from app.core.config import Settings
from app.core.db import utcnow
from app.core.errors import TooManyRequests


def _keys(*, name: str, address: str | None) -> dict[str, str]:
    keys = {"name": f"name:{name.strip().lower()}"[:300]}
    if address:
        keys["address"] = f"address:{address}"[:300]
    return keys


def check(*, session: Session, name: str, address: str | None) -> None:
    """Refuse at once while the name or the address is locked."""
    now = utcnow()
    locked_until = session.scalar(
        select(func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(_keys(name=name, address=address).values()),
            LoginThrottle.locked_until > now,
        )
    )
    if locked_until is not None:
        retry_after = max(1, math.ceil((locked_until - now).total_seconds()))
        raise TooManyRequests("Too many failed logins: try again later.", retry_after=retry_after)


def record_failure(*, session: Session, settings: Settings, name: str, address: str | None) -> None:
    """Count one failure for the name and the address, locking them at their limit."""
    now = utcnow()
    window_start = now - timedelta(seconds=settings.login_window_seconds)
    locked_until = now + timedelta(seconds=settings.login_lockout_seconds)
    limits = {"name": settings.login_max_failures, "address": settings.login_address_max_failures}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for kind, key in _keys(name=name, address=address).items():
        table = LoginThrottle.__table__
        expired = table.c.window_started_at < window_start
        failures = session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=1, window_started_at=now, locked_until=None)
            .on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "failures": case((expired, 1), else_=table.c.failures + 1),
                    "window_started_at": case((expired, now), else_=table.c.window_started_at),
                },
            )
            .returning(LoginThrottle.failures)
        ).scalar_one()
        if failures >= limits[kind]:
            session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(failures=0, window_started_at=now, locked_until=locked_until)
            )


def clear(*, session: Session, name: str) -> None:
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.key == _keys(name=name, address=None)["name"])
    )
