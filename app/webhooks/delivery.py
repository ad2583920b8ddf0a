"""Sending the queued events: signed, retried with backoff, logged.

Any number of deliverers may run (one per server process, or `bientraitance webhooks deliver`):
each claims a delivery by setting its lease in one conditional update, so that no two send the
same one at once. A receiver may still get an event twice (a deliverer killed after sending,
before recording it): the `X-Bientraitance-Delivery` id lets it ignore a repeat.

Each subscription's deliveries go in a thread of their own, with short timeouts, and a
subscription whose receiver fails is left until its next attempt: one organisation's receiver
that never answers holds up nobody else's. Only the subscriptions still trusted are served:
active, made by an account still active, for an organisation still active. The log says
delivered, or the receiver's HTTP status, or "unreachable": nothing that would tell which ports
of a network are open.
"""

import asyncio
import hashlib
import hmac
import json
import logging
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio
import httpx
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.core.db import transaction, utcnow
from app.webhooks import destinations, outbox
from app.webhooks.enums import DeliveryStatus
from app.webhooks.models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
LEASE = timedelta(minutes=2)
# A receiver has this long to accept the connection, then to take the event and answer.
CONNECT_SECONDS = 3.0
ANSWER_SECONDS = 5.0
UNREACHABLE = "unreachable"


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
    allowed: destinations.Allowed,
    client: httpx.Client | None = None,
    now: datetime | None = None,
    limit: int = 50,
) -> Round:
    """Send the deliveries that are due; returns what became of them."""
    now = now or utcnow()
    by_subscription: dict[int, list[int]] = defaultdict(list)
    for delivery_id, subscription_id in _claim(factory, now=now, limit=limit):
        by_subscription[subscription_id].append(delivery_id)
    if not by_subscription:
        return Round(delivered=0, retried=0, failed=0)
    own_client = client is None
    client = client or httpx.Client(
        timeout=httpx.Timeout(ANSWER_SECONDS, connect=CONNECT_SECONDS), follow_redirects=False
    )

    def send_in_turn(delivery_ids: list[int]) -> list[DeliveryStatus | None]:
        """One subscription's deliveries in order, until its receiver fails: the rest wait
        for the next round."""
        outcomes: list[DeliveryStatus | None] = []
        for n, delivery_id in enumerate(delivery_ids):
            outcome = _send(factory, client, delivery_id, now, allowed)
            outcomes.append(outcome)
            if outcome in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
                _release(factory, delivery_ids[n + 1 :])
                break
        return outcomes

    try:
        with ThreadPoolExecutor(max_workers=len(by_subscription)) as pool:
            outcomes = [
                o for batch in pool.map(send_in_turn, by_subscription.values()) for o in batch
            ]
    finally:
        if own_client:
            client.close()
    return Round(
        delivered=outcomes.count(DeliveryStatus.DELIVERED),
        retried=outcomes.count(DeliveryStatus.PENDING),
        failed=outcomes.count(DeliveryStatus.FAILED),
    )


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
    )


def _trusted() -> ColumnElement[bool]:
    return exists().where(
        WebhookSubscription.id == WebhookDelivery.subscription_id, outbox.still_trusted()
    )


def _claim(factory: sessionmaker[Session], *, now: datetime, limit: int) -> list[tuple[int, int]]:
    """(delivery, subscription) of the deliveries this deliverer now holds, oldest first."""
    # Most rounds find nothing due: finding out takes no write lock (on SQLite, the one writer
    # would otherwise be held up every few seconds by every server process).
    due = and_(_due(now), _trusted())
    with transaction(factory, read_only=True) as session:
        if not session.scalar(select(exists().where(due))):
            return []
    claimed: list[tuple[int, int]] = []
    with transaction(factory) as session:
        rows = session.execute(
            select(WebhookDelivery.id, WebhookDelivery.subscription_id)
            .where(due)
            .order_by(WebhookDelivery.id)
            .limit(limit)
        ).all()
        for delivery_id, subscription_id in rows:
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
                claimed.append((delivery_id, subscription_id))
    return claimed


def _release(factory: sessionmaker[Session], delivery_ids: list[int]) -> None:
    if delivery_ids:
        with transaction(factory) as session:
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(delivery_ids))
                .values(leased_until=None)
            )


def _send(
    factory: sessionmaker[Session],
    client: httpx.Client,
    delivery_id: int,
    now: datetime,
    allowed: destinations.Allowed,
) -> DeliveryStatus | None:
    """One attempt; its outcome, or None when the subscription was removed meanwhile."""
    with transaction(factory, read_only=True) as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return None
        url, secret = delivery.subscription.url, delivery.subscription.secret
        body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
        event = delivery.event
    status_code: int | None = None
    error: str | None = None
    try:
        destination = destinations.check(url, allowed)
        with client.stream(
            "POST",
            destination.url,
            content=body,
            headers={
                "Host": destination.host_header,
                "Content-Type": "application/json",
                "User-Agent": "bientraitance-webhooks",
                "X-Bientraitance-Event": event,
                "X-Bientraitance-Delivery": str(delivery_id),
                "X-Bientraitance-Signature": signature(secret, int(now.timestamp()), body),
            },
            extensions={"sni_hostname": destination.server_name},
        ) as response:  # its body is not read: a receiver cannot hold the deliverer with it
            status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"answered {status_code}"
    except destinations.Refused as refused:
        logger.warning("webhook delivery %s refused: %s", delivery_id, refused)
        error = UNREACHABLE
    except httpx.HTTPError:
        error = UNREACHABLE
    with transaction(factory) as session:
        record = session.get(WebhookDelivery, delivery_id)
        if record is None:
            return None
        record.attempts += 1
        record.last_status_code = status_code
        record.last_error = error
        record.leased_until = None
        if error is None:
            record.status = DeliveryStatus.DELIVERED
            record.delivered_at = utcnow()
        elif record.attempts >= MAX_ATTEMPTS:
            record.status = DeliveryStatus.FAILED
        else:
            record.next_attempt_at = now + backoff(record.attempts)
        outcome = record.status
    if error is not None:
        logger.warning("webhook delivery %s: %s", delivery_id, error)
    return outcome


async def deliver_webhooks_forever(
    factory: sessionmaker[Session], every_seconds: float, allowed: destinations.Allowed
) -> None:
    """The server's own deliverer: a round every `every_seconds`, in a worker thread."""
    while True:
        try:
            await anyio.to_thread.run_sync(lambda: deliver_due(factory, allowed=allowed))
        except Exception:  # a bad round must not stop the next ones
            logger.exception("webhook delivery round failed")
        await asyncio.sleep(every_seconds)
