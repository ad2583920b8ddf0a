"""PUT /api/v1/statistics/baselines/{year}: past years' published totals, and comparisons."""

from typing import Any

import httpx
import pytest

from tests.factories import World
from tests.helpers import assert_problem
from tests.statistics.conftest import tell, year_2024

URL = "/api/v1/statistics/baselines"
BASELINE_2023: dict[str, Any] = {
    "situations": 10,
    "intake": {"M1": 5, "M2": 2, "M21": 3},
    "groups": {"sexualised": {"intake": 2}, "questionings": {"intake": 3, "closure": 4}},
    "reports": {"reported": 2},
    "source_note": "Rapport annuel 2023",
}


async def test_put_and_replace(client: httpx.AsyncClient, world: World) -> None:
    created = await client.put(f"{URL}/2023", json=BASELINE_2023, headers=world.admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["figures"]["intake"] == {"M1": 5, "M2": 2, "M21": 3}
    replaced = await client.put(
        f"{URL}/2023",
        json={**BASELINE_2023, "situations": 11},
        headers={**world.admin.headers, "If-Match": created.headers["ETag"]},
    )
    assert replaced.status_code == 200, replaced.text
    stale = await client.put(
        f"{URL}/2023",
        json=BASELINE_2023,
        headers={**world.admin.headers, "If-Match": created.headers["ETag"]},
    )
    assert_problem(stale, 412)
    listed = await client.get(URL, headers=world.reporter.headers)
    assert [(b["year"], b["figures"]["situations"]) for b in listed.json()["items"]] == [(2023, 11)]


async def test_inconsistent_totals(client: httpx.AsyncClient, world: World) -> None:
    full = {f"M{n}": 0 for n in range(1, 25)} | {"M1": 4}
    response = await client.put(
        f"{URL}/2022", json={"situations": 5, "intake": full}, headers=world.admin.headers
    )
    problem = assert_problem(response, 422, field="intake")
    assert "4" in problem["detail"]
    group = await client.put(
        f"{URL}/2022",
        json={"intake": full, "groups": {"professional_to_beneficiary": {"intake": 9}}},
        headers=world.admin.headers,
    )
    assert_problem(group, 422, field="groups.professional_to_beneficiary.intake")
    unknown = await client.put(
        f"{URL}/2022", json={"groups": {"nope": {"intake": 1}}}, headers=world.admin.headers
    )
    assert_problem(unknown, 422, field="groups.nope")
    bad_code = await client.put(
        f"{URL}/2022", json={"intake": {"M25": 1}}, headers=world.admin.headers
    )
    assert_problem(bad_code, 422)
    negative = await client.put(f"{URL}/2022", json={"situations": -1}, headers=world.admin.headers)
    assert_problem(negative, 422, field="situations")


async def test_wrong_role(client: httpx.AsyncClient, world: World) -> None:
    for caller in (world.delegate, world.reporter, world.coordinator_a):
        response = await client.put(f"{URL}/2023", json=BASELINE_2023, headers=caller.headers)
        assert_problem(response, 403)
    assert_problem(await client.get(URL, headers=world.coordinator_a.headers), 403)


async def test_statistics_compare_with_baseline(client: httpx.AsyncClient, world: World) -> None:
    await tell(client, world, year_2024())
    await client.put(f"{URL}/2023", json=BASELINE_2023, headers=world.admin.headers)
    stats = (
        await client.get("/api/v1/statistics/annual/2024", headers=world.reporter.headers)
    ).json()
    assert stats["comparison"] == {"year": 2023, "source": "baseline"}
    assert stats["situations"]["previous"] == 10
    assert stats["situations"]["change_pct"] == -60.0
    intake = {f["code"]: f for f in stats["intake"]}
    assert (intake["M1"]["value"], intake["M1"]["previous"], intake["M1"]["change_pct"]) == (
        2,
        5,
        -60.0,
    )
    # Not given in the baseline: unknown, never taken as zero.
    assert (intake["M3"]["previous"], intake["M3"]["change_pct"]) == (None, None)
    groups = {g["code"]: g for g in stats["groups"]}
    assert groups["sexualised"]["intake"]["previous"] == 2
    assert groups["sexualised"]["intake"]["previous_share_pct"] == 20.0
    assert groups["questionings"]["closure"]["previous"] == 4
    assert groups["neglect"]["intake"]["previous"] is None
    reports = {r["status"]: r for r in stats["reports"]}
    assert (reports["reported"]["previous"], reports["none"]["previous"]) == (2, None)


@pytest.mark.parametrize("caller", ["reporter", "coordinator_a"])
async def test_year_known_only_from_baseline(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    await client.put(f"{URL}/2023", json=BASELINE_2023, headers=world.admin.headers)
    headers = getattr(world, caller).headers
    stats = (await client.get("/api/v1/statistics/annual/2023", headers=headers)).json()
    if caller == "reporter":
        assert (stats["source"], stats["situations"]["value"]) == ("baseline", 10)
    else:
        # A baseline holds network totals: nothing in it is one organisation's.
        assert (stats["source"], stats["situations"]["value"]) == ("records", 0)


async def test_delete(client: httpx.AsyncClient, world: World) -> None:
    await client.put(f"{URL}/2023", json=BASELINE_2023, headers=world.admin.headers)
    assert (await client.delete(f"{URL}/2023", headers=world.admin.headers)).status_code == 204
    assert_problem(await client.get(f"{URL}/2023", headers=world.reporter.headers), 404)


async def test_future_year(client: httpx.AsyncClient, world: World) -> None:
    response = await client.put(f"{URL}/2199", json={"situations": 1}, headers=world.admin.headers)
    assert_problem(response, 422, field="year")
