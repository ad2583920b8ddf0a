"""Sending the queued events: signed, retried with backoff, logged.

Any number of deliverers may run (one per server process, or `bientraitance webhooks deliver`):
each claims a delivery by setting its lease in one conditional update, so that no two send the
same one at once. A receiver may still get an event twice (a deliverer killed after sending,
before recording it): the `X-Bientraitance-Delivery` id lets it ignore a repeat.
"""

import asyncio
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import httpx
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.core.db import transaction, utcnow
from app.webhooks.enums import DeliveryStatus
from app.webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min... at most 6 hours."""
    wait: timedelta = FIRST_RETRY * (2 ** (attempts - 1))
    return min(wait, LONGEST_WAIT)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@dataclass(frozen=True)
class Round:
    delivered: int
    retried: int
    failed: int


def deliver_due(
    factory: sessionmaker[Session],
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> Round:
    """Send the deliveries that are due; returns what became of them."""
    now = now or utcnow()
    claimed = _claim(factory, now=now, limit=limit)
    own_client = client is None
    client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)
    delivered = retried = failed = 0
    try:
        for delivery_id in claimed:
            outcome = _send(factory, client, delivery_id, now)
            delivered += outcome is DeliveryStatus.DELIVERED
            failed += outcome is DeliveryStatus.FAILED
            retried += outcome is DeliveryStatus.PENDING
    finally:
        if own_client:
            client.close()
    return Round(delivered=delivered, retried=retried, failed=failed)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
    )


def _claim(factory: sessionmaker[Session], *, now: datetime, limit: int) -> list[int]:
    # Most rounds find nothing due: finding out takes no write lock (on SQLite, the one writer
    # would otherwise be held up every few seconds by every server process).
    with transaction(factory, read_only=True) as session:
        if not session.scalar(select(exists().where(_due(now)))):
            return []
    claimed: list[int] = []
    with transaction(factory) as session:
        due = session.scalars(
            select(WebhookDelivery.id).where(_due(now)).order_by(WebhookDelivery.id).limit(limit)
        ).all()
        for delivery_id in due:
            result = session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    or_(
                        WebhookDelivery.leased_until.is_(None),
                        WebhookDelivery.leased_until < now,
                    ),
                )
                .values(leased_until=now + LEASE)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(delivery_id)
    return claimed


def _send(
    factory: sessionmaker[Session], client: httpx.Client, delivery_id: int, now: datetime
) -> DeliveryStatus:
    with transaction(factory, read_only=True) as session:
        delivery = session.get_one(WebhookDelivery, delivery_id)
        url, secret = delivery.subscription.url, delivery.subscription.secret
        body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
        event = delivery.event
    status_code: int | None = None
    error: str | None = None
    try:
        response = client.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "bientraitance-webhooks",
                "X-Bientraitance-Event": event,
                "X-Bientraitance-Delivery": str(delivery_id),
                "X-Bientraitance-Signature": signature(secret, int(now.timestamp()), body),
            },
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"answered {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}"[:300]
    with transaction(factory) as session:
        delivery = session.get_one(WebhookDelivery, delivery_id)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        delivery.leased_until = None
        if error is None:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = utcnow()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        outcome = delivery.status
    if error is not None:
        logger.warning("webhook delivery %s: %s", delivery_id, error)
    return outcome


async def deliver_webhooks_forever(factory: sessionmaker[Session], every_seconds: float) -> None:
    """The server's own deliverer: a round every `every_seconds`, in a worker thread."""
    while True:
        try:
            await anyio.to_thread.run_sync(deliver_due, factory)
        except Exception:  # a bad round must not stop the next ones
            logger.exception("webhook delivery round failed")
        await asyncio.sleep(every_seconds)
