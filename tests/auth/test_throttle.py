"""Brute force on the token endpoint: failed logins are counted in the database and lock the
name, or the address, with 429 and Retry-After."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from app.auth.models import LoginThrottle
from app.core.config import Settings
from app.core.db import utcnow
from app.main import create_app
from tests.conftest import Database
from tests.factories import PASSWORD, World
from tests.helpers import assert_problem

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def limits(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    """Small limits for these tests, on the running app."""
    small = settings.model_copy(update={"login_max_failures": 3, "login_address_max_failures": 100})
    app.state.settings = small
    yield small
    app.state.settings = settings


async def _login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(
        TOKEN_URL, data={"grant_type": "password", "username": username, "password": password}
    )


def _comparable(response: httpx.Response) -> tuple[int, dict[str, Any], str | None]:
    body = {k: v for k, v in response.json().items() if k != "request_id"}
    return response.status_code, body, response.headers.get("Retry-After")


async def test_name_is_locked_after_repeated_failures(
    client: httpx.AsyncClient, world: World, limits: Settings
) -> None:
    for _ in range(limits.login_max_failures):
        assert_problem(await _login(client, world.delegate.username, "wrong"), 400)
    # Locked: even the right password is not checked now.
    locked = await _login(client, world.delegate.username, PASSWORD)
    problem = assert_problem(locked, 429, slug="too-many-requests")
    assert "access_token" not in problem
    retry_after = int(locked.headers["Retry-After"])
    assert 0 < retry_after <= limits.login_lockout_seconds
    # Another person is not locked out by it.
    response = await _login(client, world.coordinator_a.username, PASSWORD)
    assert response.status_code == 200


async def test_unknown_name_and_wrong_password_answer_alike_all_along(
    client: httpx.AsyncClient, world: World, limits: Settings
) -> None:
    for _ in range(limits.login_max_failures + 2):
        known = await _login(client, world.delegate.username, "wrong")
        unknown = await _login(client, "nobody@example.org", "wrong")
        assert _comparable(known)[:2] == _comparable(unknown)[:2]
        assert (known.headers.get("Retry-After") is None) == (
            unknown.headers.get("Retry-After") is None
        )
    assert known.status_code == 429


async def test_success_clears_the_count(
    client: httpx.AsyncClient, world: World, limits: Settings
) -> None:
    # Without the clearing, the second round would reach the limit.
    for _ in range(2):
        for _ in range(limits.login_max_failures - 1):
            await _login(client, world.delegate.username, "wrong")
        response = await _login(client, world.delegate.username, PASSWORD)
        assert response.status_code == 200, response.text


async def test_address_is_locked_across_names(
    client: httpx.AsyncClient, world: World, app: FastAPI, limits: Settings
) -> None:
    app.state.settings = limits.model_copy(update={"login_address_max_failures": 5})
    for n in range(5):
        assert_problem(await _login(client, f"guess{n}@example.org", "wrong"), 400)
    response = await _login(client, world.coordinator_a.username, PASSWORD)
    assert_problem(response, 429)


async def test_client_credentials_are_throttled(
    client: httpx.AsyncClient, world: World, limits: Settings
) -> None:
    form = {"grant_type": "client_credentials", "client_id": world.reporter.username}
    for _ in range(limits.login_max_failures):
        response = await client.post(TOKEN_URL, data={**form, "client_secret": "wrong"})
        assert_problem(response, 401)
    response = await client.post(TOKEN_URL, data={**form, "client_secret": "still wrong"})
    assert_problem(response, 429)


async def test_lockout_ends(
    client: httpx.AsyncClient, world: World, limits: Settings, db: Database
) -> None:
    for _ in range(limits.login_max_failures):
        await _login(client, world.delegate.username, "wrong")
    assert_problem(await _login(client, world.delegate.username, PASSWORD), 429)
    db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    assert (await _login(client, world.delegate.username, PASSWORD)).status_code == 200


@pytest.fixture
async def second_worker(limits: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another instance of the service on the same database, as a second worker would be."""
    other = create_app(limits)
    transport = httpx.ASGITransport(app=other)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_counts_are_shared_by_workers(
    client: httpx.AsyncClient,
    second_worker: httpx.AsyncClient,
    world: World,
    limits: Settings,
    db: Database,
) -> None:
    for n in range(limits.login_max_failures):
        worker = client if n % 2 else second_worker
        await _login(worker, world.delegate.username, "wrong")
    assert_problem(await _login(second_worker, world.delegate.username, PASSWORD), 429)
    assert_problem(await _login(client, world.delegate.username, PASSWORD), 429)
    keys = set(db.all(select(LoginThrottle.key)))
    assert f"name:{world.delegate.username}" in keys
