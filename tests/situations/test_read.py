"""GET /api/v1/situations/{id} and GET /api/v1/situations"""

import uuid

import httpx
from sqlalchemy import select

from app.audit.models import AuditEntry
from tests.conftest import Database
from tests.factories import World
from tests.helpers import assert_problem
from tests.situations.conftest import NewSituation

URL = "/api/v1/situations"


async def test_get_valid(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)
    assert response.status_code == 200
    assert response.json()["summary"] == created["summary"]
    assert response.headers["ETag"] == created["etag"]
    assert response.headers["Cache-Control"] == "no-store"


async def test_get_is_audited(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation, db: Database
) -> None:
    created = await new_situation()
    await client.get(f"{URL}/{created['id']}", headers=world.coordinator_a.headers)
    entries = db.all(select(AuditEntry).where(AuditEntry.action == "situation.read"))
    assert [(e.account_id, e.situation_id) for e in entries] == [
        (world.coordinator_a.account_id, created["id"])
    ]


async def test_get_other_organisation_is_like_unknown(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()  # organisation A
    other = await client.get(f"{URL}/{created['id']}", headers=world.coordinator_b.headers)
    unknown = await client.get(f"{URL}/{uuid.uuid4()}", headers=world.coordinator_b.headers)
    assert_problem(other, 404)
    assert_problem(unknown, 404)
    strip = ("instance", "request_id")
    assert {k: v for k, v in other.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }


async def test_get_wrong_role(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    for caller in (world.reporter, world.admin):
        response = await client.get(f"{URL}/{created['id']}", headers=caller.headers)
        assert_problem(response, 403)


async def test_list_is_scoped(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    a = await new_situation(organisation=world.org_a)
    b = await new_situation(organisation=world.org_b)
    delegate = await client.get(URL, headers=world.delegate.headers)
    assert {s["id"] for s in delegate.json()["items"]} == {a["id"], b["id"]}
    for caller in (world.coordinator_a, world.intranet_a):
        own = await client.get(URL, headers=caller.headers)
        assert [s["id"] for s in own.json()["items"]] == [a["id"]]
    # Naming the other organisation in a filter does not widen the reach.
    other = await client.get(
        URL, params={"organisation": world.org_b}, headers=world.coordinator_a.headers
    )
    assert other.json()["items"] == []
    for caller in (world.reporter, world.admin):
        assert_problem(await client.get(URL, headers=caller.headers), 403)


async def test_list_has_no_narrative(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    await new_situation()
    item = (await client.get(URL, headers=world.delegate.headers)).json()["items"][0]
    assert "summary" not in item


async def test_list_pages_in_stable_order(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = [await new_situation(opened_on=f"2025-0{m}-01") for m in range(1, 6)]
    created += [await new_situation(opened_on="2026-01-10")]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(URL, params=params, headers=world.delegate.headers)).json()
        assert len(page["items"]) <= 2
        seen += [s["reference"] for s in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["2026-0001", "2025-0005", "2025-0004", "2025-0003", "2025-0002", "2025-0001"]
    assert len(created) == len(seen)


async def test_list_limit_is_bounded(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(URL, params={"limit": 201}, headers=world.delegate.headers)
    problem = assert_problem(response, 422, field="limit")
    assert problem["errors"][0]["location"] == "query"


async def test_list_bad_cursor(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(URL, params={"cursor": "garbage!"}, headers=world.delegate.headers)
    assert_problem(response, 422, field="cursor")


async def test_list_unknown_filter(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(URL, params={"colour": "red"}, headers=world.delegate.headers)
    assert_problem(response, 422, field="colour")


async def test_list_filters(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    red = await new_situation(severity="red", intake_typology="M2", opened_on="2026-02-01")
    green = await new_situation(severity="green", intake_typology="M21", opened_on="2026-05-01")
    other = await new_situation(organisation=world.org_b, opened_on="2025-11-30")
    await client.post(
        f"{URL}/{green['id']}/closure",
        json={"closed_on": "2026-06-01", "typology": "M22", "outcome": "Team supported."},
        headers=world.delegate.headers,
    )

    async def ids(**params: str) -> set[str]:
        response = await client.get(URL, params=params, headers=world.delegate.headers)
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["items"]}

    assert await ids(severity="red") == {red["id"]}
    assert await ids(intake_typology="M21") == {green["id"]}
    assert await ids(closure_typology="M22") == {green["id"]}
    assert await ids(status="closed") == {green["id"]}
    assert await ids(status="open") == {red["id"], other["id"]}
    assert await ids(organisation=world.org_b) == {other["id"]}
    assert await ids(opened_from="2026-01-01", opened_to="2026-03-01") == {red["id"]}
    assert await ids(red_without_report="true") == {red["id"]}
    assert await ids(reference=red["reference"]) == {red["id"]}
    await client.post(
        f"{URL}/{red['id']}/reports",
        json={"decision": "reported", "authority": "parquet", "decided_on": "2026-02-02"},
        headers=world.delegate.headers,
    )
    assert await ids(red_without_report="true") == set()
