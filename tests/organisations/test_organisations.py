"""/api/v1/organisations"""

import httpx

from tests.factories import World
from tests.helpers import assert_problem

URL = "/api/v1/organisations"


async def test_admin_creates_and_renames(client: httpx.AsyncClient, world: World) -> None:
    created = await client.post(
        URL, json={"code": "sdf-1", "name": "Foyer de nuit"}, headers=world.admin.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "SDF-1"
    renamed = await client.patch(
        f"{URL}/SDF-1",
        json={"name": "Foyer de nuit Nord"},
        headers={**world.admin.headers, "If-Match": created.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Foyer de nuit Nord"
    stale = await client.patch(
        f"{URL}/SDF-1",
        json={"name": "again"},
        headers={**world.admin.headers, "If-Match": created.headers["ETag"]},
    )
    assert_problem(stale, 412)


async def test_duplicate_code(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        URL, json={"code": world.org_a, "name": "Twin"}, headers=world.admin.headers
    )
    assert_problem(response, 409)


async def test_bad_code(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        URL, json={"code": "a b!", "name": "Spaces"}, headers=world.admin.headers
    )
    assert_problem(response, 422, field="code")


async def test_wrong_role(client: httpx.AsyncClient, world: World) -> None:
    for caller in (world.delegate, world.coordinator_a, world.reporter):
        response = await client.post(URL, json={"code": "XX", "name": "x"}, headers=caller.headers)
        assert_problem(response, 403)


async def test_coordinator_sees_own_organisation_only(
    client: httpx.AsyncClient, world: World
) -> None:
    listed = await client.get(URL, headers=world.coordinator_a.headers)
    assert [o["code"] for o in listed.json()["items"]] == [world.org_a]
    assert (
        await client.get(f"{URL}/{world.org_a}", headers=world.intranet_a.headers)
    ).status_code == 200
    other = await client.get(f"{URL}/{world.org_b}", headers=world.coordinator_a.headers)
    unknown = await client.get(f"{URL}/NOPE", headers=world.coordinator_a.headers)
    assert_problem(other, 404)
    assert other.json()["detail"] == unknown.json()["detail"]
    sites = await client.get(f"{URL}/{world.org_b}/sites", headers=world.coordinator_a.headers)
    assert_problem(sites, 404)
    delegate = await client.get(URL, headers=world.delegate.headers)
    assert {o["code"] for o in delegate.json()["items"]} == {world.org_a, world.org_b}


async def test_sites(client: httpx.AsyncClient, world: World) -> None:
    created = await client.post(
        f"{URL}/{world.org_a}/sites", json={"name": "Antenne Nord"}, headers=world.admin.headers
    )
    assert created.status_code == 201, created.text
    listed = await client.get(f"{URL}/{world.org_a}/sites", headers=world.coordinator_a.headers)
    assert [s["name"] for s in listed.json()] == ["Antenne Nord", "Groupe de vie 1"]
    duplicate = await client.post(
        f"{URL}/{world.org_a}/sites", json={"name": "Antenne Nord"}, headers=world.admin.headers
    )
    assert_problem(duplicate, 409)
