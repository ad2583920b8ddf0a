"""Hostile input is a 4xx with a problem, never a 500, on both databases: tampered cursors on
every paginated list, and numbers no database column holds."""

import base64
import json
from typing import Any

import httpx
import pytest

from tests.factories import World, situation_body
from tests.helpers import assert_problem


def _cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


TAMPERED = {
    "thirty digits": [10**30, 1],
    "beyond 64 bits": [2**63, 2**63],
    "negative": [-1, -1],
    "float": [1.5, 1],
    "infinity": "[1e999, 1]",
    "nested": [[1], {"a": 1}],
    "too many": [1, 2, 3],
    "string": ["2026", "1"],
    "null": None,
}


def _tampered(name: str) -> str:
    values = TAMPERED[name]
    if isinstance(values, str):  # JSON that json.dumps would not write
        return base64.urlsafe_b64encode(values.encode()).decode().rstrip("=")
    return _cursor(values)


async def _lists(client: httpx.AsyncClient, world: World) -> dict[str, tuple[str, str]]:
    """Every list that pages with a cursor, and who may read it."""
    created = await client.post(
        "/api/v1/situations", json=situation_body(), headers=world.delegate.headers
    )
    situation_id = created.json()["id"]
    subscribed = await client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["situation.created"]},
        headers=world.coordinator_a.headers,
    )
    assert subscribed.status_code == 201, subscribed.text
    subscription_id = subscribed.json()["id"]
    return {
        "situations": ("/api/v1/situations", "delegate"),
        "accesses": (f"/api/v1/situations/{situation_id}/accesses", "delegate"),
        "accounts": ("/api/v1/accounts", "admin"),
        "audit": ("/api/v1/audit-entries", "admin"),
        "deliveries": (f"/api/v1/webhooks/{subscription_id}/deliveries", "coordinator_a"),
    }


@pytest.mark.parametrize("tampering", sorted(TAMPERED))
async def test_a_tampered_cursor_is_refused_on_every_list(
    client: httpx.AsyncClient, world: World, tampering: str
) -> None:
    for name, (url, caller) in (await _lists(client, world)).items():
        response = await client.get(
            url, params={"cursor": _tampered(tampering)}, headers=getattr(world, caller).headers
        )
        assert response.status_code == 422, (name, response.status_code, response.text)
        assert_problem(response, 422, field="cursor")


async def test_a_cursor_the_service_wrote_still_pages(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(3):
        await client.post(
            "/api/v1/situations", json=situation_body(), headers=world.delegate.headers
        )
    first = await client.get(
        "/api/v1/situations", params={"limit": 2}, headers=world.delegate.headers
    )
    cursor = first.json()["next_cursor"]
    second = await client.get(
        "/api/v1/situations", params={"limit": 2, "cursor": cursor}, headers=world.delegate.headers
    )
    assert second.status_code == 200
    assert len(second.json()["items"]) == 1


@pytest.mark.parametrize(
    "number", ["99999999999999999999999999999999999999", "2147483648", "-1", "0"]
)
async def test_ids_no_column_holds_are_refused(
    client: httpx.AsyncClient, world: World, number: str
) -> None:
    for url, caller in [
        (f"/api/v1/accounts/{number}", "admin"),
        (f"/api/v1/webhooks/{number}/deliveries", "coordinator_a"),
    ]:
        response = await client.get(url, headers=getattr(world, caller).headers)
        assert response.status_code in (404, 422), (url, response.text)
    body = situation_body(site_id=int(number))
    response = await client.post("/api/v1/situations", json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="site_id")
