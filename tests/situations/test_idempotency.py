"""Idempotency-Key on creating POSTs."""

import asyncio

import httpx

from app.situations.models import SeverityChange, Situation
from tests.conftest import Database
from tests.factories import World, situation_body
from tests.helpers import assert_problem
from tests.situations.conftest import NewSituation

URL = "/api/v1/situations"


async def test_retry_returns_first_answer(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    headers = {**world.delegate.headers, "Idempotency-Key": "8d3c7a0e-retry"}
    first = await client.post(URL, json=situation_body(), headers=headers)
    retry = await client.post(URL, json=situation_body(), headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert db.count(Situation) == 1


async def test_same_key_other_body(client: httpx.AsyncClient, world: World, db: Database) -> None:
    headers = {**world.delegate.headers, "Idempotency-Key": "k-1"}
    await client.post(URL, json=situation_body(), headers=headers)
    other = await client.post(URL, json=situation_body(severity="red"), headers=headers)
    problem = assert_problem(other, 422)
    assert problem["error"] == "idempotency_key_reused"
    assert db.count(Situation) == 1


async def test_keys_are_per_account(client: httpx.AsyncClient, world: World, db: Database) -> None:
    for caller in (world.delegate, world.coordinator_a):
        response = await client.post(
            URL, json=situation_body(), headers={**caller.headers, "Idempotency-Key": "shared"}
        )
        assert response.status_code == 201
    assert db.count(Situation) == 2


async def test_failed_request_can_be_retried(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    headers = {**world.delegate.headers, "Idempotency-Key": "k-2"}
    refused = await client.post(URL, json=situation_body(requester_kind="x"), headers=headers)
    assert_problem(refused, 422)
    accepted = await client.post(URL, json=situation_body(), headers=headers)
    assert accepted.status_code == 201
    assert db.count(Situation) == 1


async def test_sub_resource_retry(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation, db: Database
) -> None:
    created = await new_situation()
    headers = {**world.delegate.headers, "Idempotency-Key": "sev-1"}
    body = {"severity": "red", "reason": "Disclosure by a resident."}
    first = await client.post(f"{URL}/{created['id']}/severity-changes", json=body, headers=headers)
    retry = await client.post(f"{URL}/{created['id']}/severity-changes", json=body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert db.count(SeverityChange) == 1


async def test_key_too_long(client: httpx.AsyncClient, world: World) -> None:
    headers = {**world.delegate.headers, "Idempotency-Key": "k" * 256}
    response = await client.post(URL, json=situation_body(), headers=headers)
    assert_problem(response, 422, field="Idempotency-Key")


async def test_concurrent_retries_create_one(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    headers = {**world.delegate.headers, "Idempotency-Key": "concurrent"}
    responses = await asyncio.gather(
        *(client.post(URL, json=situation_body(), headers=headers) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert db.count(Situation) == 1
    ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1
