"""PATCH /api/v1/situations/{id}"""

import httpx

from app.situations.models import SituationEdit
from tests.conftest import Database
from tests.factories import World
from tests.helpers import assert_problem
from tests.situations.conftest import NewSituation

URL = "/api/v1/situations"


async def test_valid(client: httpx.AsyncClient, world: World, new_situation: NewSituation) -> None:
    created = await new_situation()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"intake_typology": "M19", "summary": "Corrected account.", "age_group": None},
        headers={**world.delegate.headers, "If-Match": created["etag"]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["intake_typology"], body["summary"], body["age_group"]) == (
        "M19",
        "Corrected account.",
        None,
    )
    assert body["version"] == created["version"] + 1
    assert response.headers["ETag"] == f'"{body["version"]}"'


async def test_without_if_match(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.patch(
        f"{URL}/{created['id']}", json={"summary": "x"}, headers=world.delegate.headers
    )
    assert_problem(response, 428, slug="precondition-required")


async def test_stale_etag(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation, db: Database
) -> None:
    created = await new_situation()
    headers = {**world.delegate.headers, "If-Match": created["etag"]}
    first = await client.patch(f"{URL}/{created['id']}", json={"summary": "first"}, headers=headers)
    assert first.status_code == 200
    second = await client.patch(
        f"{URL}/{created['id']}", json={"summary": "second"}, headers=headers
    )
    problem = assert_problem(second, 412, slug="precondition-failed")
    assert problem["current_etag"] == first.headers["ETag"]
    current = await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)
    assert current.json()["summary"] == "first"
    assert db.count(SituationEdit) == 1


async def test_other_organisation(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"summary": "taken over"},
        headers={**world.coordinator_b.headers, "If-Match": created["etag"]},
    )
    assert_problem(response, 404)
    current = await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)
    assert current.json()["summary"] == created["summary"]


async def test_severity_is_not_patched(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"severity": "green"},
        headers={**world.delegate.headers, "If-Match": created["etag"]},
    )
    assert_problem(response, 422, field="severity")


async def test_null_for_required_field(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"summary": None},
        headers={**world.delegate.headers, "If-Match": created["etag"]},
    )
    assert_problem(response, 422, field="summary")


async def test_edit_history_keeps_no_narrative(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    await client.patch(
        f"{URL}/{created['id']}",
        json={"summary": "A new secret account.", "intake_typology": "M3"},
        headers={**world.delegate.headers, "If-Match": created["etag"]},
    )
    history = (
        await client.get(f"{URL}/{created['id']}/history", headers=world.delegate.headers)
    ).json()
    edit = next(e for e in history["entries"] if e["kind"] == "edited")
    assert {"field": "summary"} in edit["changes"]
    assert {"field": "intake_typology", "from": "M1", "to": "M3"} in edit["changes"]
    assert "secret" not in str(edit)
