"""Request rate per account, shared by every worker; CORS closed unless configured."""

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from app.audit.models import AuditEntry
from app.core.config import Settings
from app.main import create_app
from app.situations.models import Situation
from tests.conftest import Database
from tests.factories import World, situation_body
from tests.helpers import assert_problem

URL = "/api/v1/situations"


@pytest.fixture
def low_rate(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    small = settings.model_copy(update={"rate_limit_per_minute": 5})
    app.state.settings = small
    yield small
    app.state.settings = settings


@pytest.fixture
async def second_worker(low_rate: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(low_rate))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_rate_per_account(
    client: httpx.AsyncClient,
    second_worker: httpx.AsyncClient,
    world: World,
    low_rate: Settings,
) -> None:
    # Five audited requests in a minute, spread over two workers...
    for n in range(low_rate.rate_limit_per_minute):
        response = await (client if n % 2 else second_worker).get(
            URL, headers=world.delegate.headers
        )
        assert response.status_code == 200, response.text
    # ...and the sixth is refused by either.
    for worker in (client, second_worker):
        refused = await worker.get(URL, headers=world.delegate.headers)
        assert_problem(refused, 429, slug="too-many-requests")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # Another account is not slowed by it.
    assert (await client.get(URL, headers=world.coordinator_a.headers)).status_code == 200


async def test_rate_counts_the_last_minute_only(
    client: httpx.AsyncClient, world: World, low_rate: Settings, db: Database
) -> None:
    for _ in range(low_rate.rate_limit_per_minute):
        assert (await client.get(URL, headers=world.delegate.headers)).status_code == 200
    assert (await client.get(URL, headers=world.delegate.headers)).status_code == 429
    # A minute later (the entries made older), the account may go on.
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.account_id == world.delegate.account_id)
        .values(occurred_at=datetime.now(UTC) - timedelta(seconds=61))
    )
    assert (await client.get(URL, headers=world.delegate.headers)).status_code == 200


async def test_rate_limit_stops_intake(
    client: httpx.AsyncClient, world: World, low_rate: Settings, db: Database
) -> None:
    """The limit holds for intake as for every request, and a refused creation writes
    nothing."""
    for _ in range(low_rate.rate_limit_per_minute):
        response = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
        assert response.status_code == 201, response.text
    refused = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
    assert_problem(refused, 429, slug="too-many-requests")
    assert db.count(Situation) == low_rate.rate_limit_per_minute
    assert db.count(AuditEntry) == low_rate.rate_limit_per_minute


async def test_cors_closed_by_default(client: httpx.AsyncClient, world: World) -> None:
    preflight = await client.options(
        URL,
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    response = await client.get(
        URL, headers={**world.delegate.headers, "Origin": "https://elsewhere.example"}
    )
    assert "access-control-allow-origin" not in response.headers


async def test_cors_for_configured_origins(settings: Settings, world: World) -> None:
    allowed = "https://intranet.example.org"
    app = create_app(settings.model_copy(update={"cors_origins": [allowed]}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        preflight = await client.options(
            URL,
            headers={
                "Origin": allowed,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, idempotency-key",
            },
        )
        assert preflight.headers["access-control-allow-origin"] == allowed
        response = await client.get(URL, headers={**world.delegate.headers, "Origin": allowed})
        assert response.headers["access-control-allow-origin"] == allowed
        assert "ETag" in response.headers["access-control-expose-headers"]
        other = await client.get(
            URL, headers={**world.delegate.headers, "Origin": "https://elsewhere.example"}
        )
        assert "access-control-allow-origin" not in other.headers
