"""Concurrent requests: references stay unique, and of two updates from one version one wins."""

import asyncio

import httpx

from tests.factories import World, situation_body
from tests.situations.conftest import NewSituation

URL = "/api/v1/situations"


async def test_concurrent_creation_gives_distinct_references(
    client: httpx.AsyncClient, world: World
) -> None:
    count = 60  # more than the thread pool has workers: waiting must not hold one
    responses = await asyncio.gather(
        *(
            client.post(URL, json=situation_body(), headers=world.delegate.headers)
            for _ in range(count)
        )
    )
    assert [r.status_code for r in responses] == [201] * count
    references = sorted(r.json()["reference"] for r in responses)
    assert references == [f"2026-{n:04d}" for n in range(1, count + 1)]


async def test_concurrent_updates_with_same_etag(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    headers = {**world.delegate.headers, "If-Match": created["etag"]}
    responses = await asyncio.gather(
        *(
            client.patch(
                f"{URL}/{created['id']}", json={"summary": f"version {n}"}, headers=headers
            )
            for n in range(6)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 5
    winner = next(r for r in responses if r.status_code == 200).json()
    current = (await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)).json()
    assert current["summary"] == winner["summary"]
    assert current["version"] == created["version"] + 1
