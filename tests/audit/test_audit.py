"""GET /api/v1/audit-entries, and the entries every read and change leaves."""

import httpx

from tests.factories import World, situation_body
from tests.helpers import assert_problem

URL = "/api/v1/audit-entries"


async def test_trail_of_a_situation(client: httpx.AsyncClient, world: World) -> None:
    created = (
        await client.post(
            "/api/v1/situations", json=situation_body(), headers=world.coordinator_a.headers
        )
    ).json()
    sid = created["id"]
    await client.get(f"/api/v1/situations/{sid}", headers=world.delegate.headers)
    await client.post(
        f"/api/v1/situations/{sid}/severity-changes",
        json={"severity": "red", "reason": "Disclosure."},
        headers=world.delegate.headers,
    )
    await client.get(f"/api/v1/situations/{sid}/history", headers=world.coordinator_a.headers)
    response = await client.get(URL, params={"situation_id": sid}, headers=world.delegate.headers)
    assert response.status_code == 200
    entries = response.json()["items"]
    assert [(e["action"], e["account_id"], e["role"]) for e in reversed(entries)] == [
        ("situation.create", world.coordinator_a.account_id, "coordinator"),
        ("situation.read", world.delegate.account_id, "delegate"),
        ("situation.severity_change", world.delegate.account_id, "delegate"),
        ("situation.history", world.coordinator_a.account_id, "coordinator"),
    ]
    assert all(e["request_id"] for e in entries)
    assert "Disclosure" not in response.text
    assert created["summary"] not in response.text


async def test_filters_and_pages(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(3):
        await client.post(
            "/api/v1/situations", json=situation_body(), headers=world.delegate.headers
        )
    page = await client.get(
        URL, params={"action": "situation.create", "limit": 2}, headers=world.admin.headers
    )
    body = page.json()
    assert len(body["items"]) == 2
    rest = await client.get(
        URL,
        params={"action": "situation.create", "limit": 2, "cursor": body["next_cursor"]},
        headers=world.admin.headers,
    )
    assert len(rest.json()["items"]) == 1
    assert rest.json()["next_cursor"] is None
    since = await client.get(
        URL, params={"since": "2999-01-01T00:00:00"}, headers=world.admin.headers
    )
    assert since.json()["items"] == []


async def test_wrong_role(client: httpx.AsyncClient, world: World) -> None:
    for caller in (world.coordinator_a, world.intranet_a, world.reporter):
        assert_problem(await client.get(URL, headers=caller.headers), 403)
