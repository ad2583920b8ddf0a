"""Webhooks to an intranet: subscribed per organisation, queued with the change, signed,
retried with backoff, logged; never a narrative."""

import hashlib
import hmac
import json
import sqlite3
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.core.db import utcnow
from app.webhooks.delivery import MAX_ATTEMPTS, Round, deliver_due
from app.webhooks.destinations import Allowed
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.conftest import LOOPBACK, Database
from tests.factories import World, situation_body
from tests.helpers import Receiver, assert_problem

HOOKS = "/api/v1/webhooks"
ALLOWED = Allowed.parse(LOOPBACK)
CREATED = "situation.created"


async def _subscribe(
    client: httpx.AsyncClient, world: World, url: str, events: list[str]
) -> dict[str, Any]:
    response = await client.post(
        HOOKS, json={"url": url, "events": events}, headers=world.intranet_a.headers
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_creation_is_queued_for_its_organisations_subscriptions_to_it_only(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    """The creation's event, queued in the creation's own transaction whether or not an
    Idempotency-Key is given: for the active
    subscriptions of the situation's organisation to that event, and no other."""
    created = await _subscribe(client, world, "http://127.0.0.1:9/a", [CREATED])
    await _subscribe(client, world, "http://127.0.0.1:9/b", ["situation.closed"])
    stopped = await _subscribe(client, world, "http://127.0.0.1:9/c", [CREATED])
    db.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == stopped["id"])
        .values(active=False)
    )

    answers = [
        await client.post(
            "/api/v1/situations",
            json=situation_body(severity="red", intake_typology="M7"),
            headers=world.delegate.headers,
        ),
        await client.post(
            "/api/v1/situations",
            json=situation_body(opened_on="2026-02-01"),
            headers={**world.delegate.headers, "Idempotency-Key": str(uuid.uuid4())},
        ),
        # Another organisation's.
        await client.post(
            "/api/v1/situations",
            json=situation_body(organisation=world.org_b),
            headers=world.delegate.headers,
        ),
    ]
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    mine = [answer.json() for answer in answers[:2]]
    queued = db.all(select(WebhookDelivery).order_by(WebhookDelivery.id))
    assert [(d.subscription_id, d.event, d.status, d.attempts) for d in queued] == [
        (created["id"], CREATED, "pending", 0)
    ] * 2
    for delivery, situation in zip(queued, mine, strict=True):
        occurred_at = delivery.payload.pop("occurred_at")
        assert datetime.fromisoformat(occurred_at) == datetime.fromisoformat(
            situation["created_at"]
        )
        assert delivery.payload == {
            "event": CREATED,
            "situation": {
                "id": situation["id"],
                "reference": situation["reference"],
                "organisation": world.org_a,
                "opened_on": situation["opened_on"],
                "intake_typology": situation["intake_typology"],
                "severity": situation["severity"],
                "status": "open",
            },
        }
    assert (mine[0]["severity"], mine[0]["intake_typology"]) == ("red", "M7")
    assert mine[1]["opened_on"] == "2026-02-01"


async def test_events_are_signed_and_carry_no_narrative(
    client: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    session_factory: sessionmaker[Session],
) -> None:
    hook = await _subscribe(client, world, receiver.url, ["situation.created", "situation.closed"])
    assert hook["organisation"] == world.org_a
    secret = hook["secret"]
    listed = (await client.get(HOOKS, headers=world.intranet_a.headers)).json()["items"]
    assert "secret" not in listed[0]  # shown once

    body = situation_body(summary="Never sent to an intranet.")
    mine = (
        await client.post("/api/v1/situations", json=body, headers=world.delegate.headers)
    ).json()
    # Another organisation's situation, and an event not subscribed to: nothing queued.
    await client.post(
        "/api/v1/situations",
        json=situation_body(organisation=world.org_b),
        headers=world.delegate.headers,
    )
    await client.post(
        f"/api/v1/situations/{mine['id']}/severity-changes",
        json={"severity": "green", "reason": "Reassessed.", "changed_on": "2026-03-15"},
        headers=world.delegate.headers,
    )
    done = deliver_due(session_factory, allowed=ALLOWED)
    assert (done.delivered, done.retried, done.failed) == (1, 0, 0)
    assert len(receiver.received) == 1
    headers, raw = receiver.received[0]
    assert headers["X-Bientraitance-Event"] == "situation.created"
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["X-Bientraitance-Signature"].split(",")
    )
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    payload = json.loads(raw)
    assert payload["event"] == "situation.created"
    assert payload["situation"]["reference"] == mine["reference"]
    assert payload["situation"]["organisation"] == world.org_a
    assert "Never sent" not in raw.decode()
    assert "summary" not in payload["situation"]

    closed = await client.post(
        f"/api/v1/situations/{mine['id']}/closure",
        json={"closed_on": "2026-03-20", "typology": "M21", "outcome": "Settled, privately."},
        headers=world.delegate.headers,
    )
    assert closed.status_code == 201
    deliver_due(session_factory, allowed=ALLOWED)
    payload = json.loads(receiver.received[1][1])
    assert (payload["event"], payload["closure_typology"]) == ("situation.closed", "M21")
    assert "privately" not in receiver.received[1][1].decode()

    log = await client.get(f"{HOOKS}/{hook['id']}/deliveries", headers=world.coordinator_a.headers)
    assert [(d["event"], d["status"], d["attempts"]) for d in log.json()["items"]] == [
        ("situation.closed", "delivered", 1),
        ("situation.created", "delivered", 1),
    ]


async def test_retried_with_backoff_then_given_up(
    client: httpx.AsyncClient,
    world: World,
    receiver: Receiver,
    session_factory: sessionmaker[Session],
    db: Database,
) -> None:
    await _subscribe(client, world, receiver.url, ["situation.created"])
    await client.post("/api/v1/situations", json=situation_body(), headers=world.delegate.headers)
    receiver.answers = [503]
    now = utcnow()
    assert deliver_due(session_factory, allowed=ALLOWED, now=now).retried == 1
    delivery = db.scalar(select(WebhookDelivery))
    assert delivery.next_attempt_at == now + timedelta(seconds=30)
    assert delivery.last_status_code == 503
    # Not due before its time; delivered when it is.
    assert (
        deliver_due(session_factory, allowed=ALLOWED, now=now + timedelta(seconds=29)).retried == 0
    )
    assert (
        deliver_due(session_factory, allowed=ALLOWED, now=now + timedelta(seconds=31)).delivered
        == 1
    )
    assert len(receiver.received) == 2
    assert (
        receiver.received[0][0]["X-Bientraitance-Delivery"]
        == receiver.received[1][0]["X-Bientraitance-Delivery"]
    )

    # A receiver that never answers well: given up after the last attempt.
    await client.post("/api/v1/situations", json=situation_body(), headers=world.delegate.headers)
    receiver.answers = [500] * MAX_ATTEMPTS
    moment = now
    for _ in range(MAX_ATTEMPTS):
        moment += timedelta(hours=7)
        deliver_due(session_factory, allowed=ALLOWED, now=moment)
    statuses = sorted(d.status for d in db.all(select(WebhookDelivery)))
    assert statuses == ["delivered", "failed"]


async def test_nothing_queued_for_a_refused_change(
    client: httpx.AsyncClient, world: World, receiver: Receiver, db: Database
) -> None:
    await _subscribe(client, world, receiver.url, ["situation.created"])
    refused = await client.post(
        "/api/v1/situations",
        json=situation_body(intake_typology="M99"),
        headers=world.delegate.headers,
    )
    assert refused.status_code == 422
    assert db.count(WebhookDelivery) == 0


async def test_subscriptions_belong_to_their_organisation(
    client: httpx.AsyncClient, world: World, receiver: Receiver
) -> None:
    hook = await _subscribe(client, world, receiver.url, ["situation.created"])
    other = world.coordinator_b.headers
    assert (await client.get(HOOKS, headers=other)).json()["items"] == []
    for method, suffix in (("DELETE", ""), ("GET", "/deliveries")):
        theirs = await client.request(method, f"{HOOKS}/{hook['id']}{suffix}", headers=other)
        missing = await client.request(method, f"{HOOKS}/999999{suffix}", headers=other)
        assert_problem(theirs, 404)
        assert theirs.json()["detail"] == missing.json()["detail"]
    for caller in (world.delegate, world.reporter):
        assert_problem(await client.get(HOOKS, headers=caller.headers), 403)
    bad = await client.post(
        HOOKS,
        json={"url": "ftp://example.org/x", "events": ["situation.created"]},
        headers=world.intranet_a.headers,
    )
    assert_problem(bad, 422, field="url")
    deleted = await client.delete(f"{HOOKS}/{hook['id']}", headers=world.intranet_a.headers)
    assert deleted.status_code == 204


def test_a_round_with_nothing_due_takes_no_write_lock(
    session_factory: sessionmaker[Session], database_url: str
) -> None:
    """Every server process looks for due deliveries every few seconds: on SQLite, looking must
    not take (or wait for) the one writer's lock. Here another connection holds it throughout."""
    if not database_url.startswith("sqlite"):
        pytest.skip("only SQLite has a single writer")
    writer = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        assert deliver_due(session_factory, allowed=ALLOWED) == Round(
            delivered=0, retried=0, failed=0
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
