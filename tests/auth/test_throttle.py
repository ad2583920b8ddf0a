"""Brute force on the token endpoint, and nobody locking someone else out: failed logins are
counted in the database; a name is locked for the address that guessed it only, and a name from
anywhere or an address is slowed down, never locked; 429 says when to retry; an administrator
unlocks."""

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update
from typer.testing import CliRunner

from app.auth.models import LoginThrottle
from app.cli import app as cli
from app.core.config import Settings, get_settings
from app.core.db import utcnow
from app.main import create_app
from tests.conftest import TEST_ENCRYPTION_KEYS, Database
from tests.factories import PASSWORD, World
from tests.helpers import assert_problem

TOKEN_URL = "/api/v1/auth/token"


@pytest.fixture
def limits(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    """Small limits for these tests, on the running app."""
    small = settings.model_copy(
        update={
            "login_max_failures": 3,
            "login_name_max_failures": 6,
            "login_address_max_failures": 100,
        }
    )
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


def _from(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A client seen by the service as coming from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_a_guesser_locks_the_name_for_its_own_address_only(
    app: FastAPI, world: World, limits: Settings
) -> None:
    async with _from(app, "203.0.113.5") as attacker, _from(app, "198.51.100.7") as owner:
        for _ in range(limits.login_max_failures):
            assert_problem(await _login(attacker, world.delegate.username, "wrong"), 400)
        locked = await _login(attacker, world.delegate.username, PASSWORD)
        problem = assert_problem(locked, 429)
        assert int(locked.headers["Retry-After"]) > limits.login_slowdown_max_seconds
        assert "try again in 15 minutes" in problem["detail"]
        # The owner, from elsewhere, logs in.
        assert (await _login(owner, world.delegate.username, PASSWORD)).status_code == 200


async def test_guessing_from_many_addresses_slows_the_name_down_without_locking_it(
    app: FastAPI, world: World, limits: Settings, db: Database
) -> None:
    name = world.delegate.username
    waits = []
    for n in range(limits.login_name_max_failures + 3):
        async with _from(app, f"203.0.113.{n + 1}") as guesser:
            assert_problem(await _login(guesser, name, "wrong"), 400)
        if n >= limits.login_name_max_failures:
            async with _from(app, "198.51.100.7") as owner:
                delayed = await _login(owner, name, PASSWORD)
            assert_problem(delayed, 429)
            waits.append(int(delayed.headers["Retry-After"]))
            # The wait passes.
            db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    # Delayed by seconds, twice as long each time, never by the lockout.
    assert waits == [2, 4, 8]
    assert max(waits) <= limits.login_slowdown_max_seconds < limits.login_lockout_seconds
    async with _from(app, "198.51.100.7") as owner:
        assert (await _login(owner, name, PASSWORD)).status_code == 200


async def test_spraying_from_one_address_slows_it_down_without_locking_out_its_people(
    app: FastAPI, world: World, limits: Settings, db: Database
) -> None:
    app.state.settings = limits.model_copy(update={"login_address_max_failures": 5})
    async with _from(app, "192.0.2.10") as shared:
        for n in range(6):
            await _login(shared, f"guess{n}@example.org", "wrong")
        slowed = await _login(shared, world.coordinator_a.username, PASSWORD)
        assert_problem(slowed, 429)
        assert int(slowed.headers["Retry-After"]) <= limits.login_slowdown_max_seconds
        db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
        assert (await _login(shared, world.coordinator_a.username, PASSWORD)).status_code == 200


async def test_an_administrator_unlocks_an_account(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    limits: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with _from(app, "203.0.113.5") as attacker:
        for _ in range(limits.login_max_failures):
            await _login(attacker, world.delegate.username, "wrong")
        assert_problem(await _login(attacker, world.delegate.username, PASSWORD), 429)
        url = f"/api/v1/accounts/{world.delegate.account_id}/unlock"
        assert_problem(await client.post(url, headers=world.coordinator_a.headers), 403)
        assert (await client.post(url, headers=world.admin.headers)).status_code == 204
        assert (await _login(attacker, world.delegate.username, PASSWORD)).status_code == 200
        # And with the command.
        for _ in range(limits.login_max_failures):
            await _login(attacker, world.delegate.username, "wrong")
        monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", database_url)
        monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
        get_settings.cache_clear()
        try:
            done = CliRunner().invoke(cli, ["users", "unlock", "--email", world.delegate.username])
        finally:
            get_settings.cache_clear()
        assert done.exit_code == 0, done.output
        assert (await _login(attacker, world.delegate.username, PASSWORD)).status_code == 200


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
