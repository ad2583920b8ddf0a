"""What an intranet's developer meets first: a malformed body, a token asked for in JSON, an
ETag sent without its quotes. Each answer says what is wrong, never something else."""

import httpx

from app.situations.enums import ActionKind
from tests.factories import World, situation_body
from tests.helpers import assert_problem

SITUATIONS = "/api/v1/situations"


async def test_a_malformed_json_body_names_the_position_not_a_field(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        SITUATIONS,
        content=b'{"organisation": "MRE", oops}',
        headers={**world.delegate.headers, "Content-Type": "application/json"},
    )
    problem = assert_problem(response, 422, slug="validation-failed")
    (error,) = problem["errors"]
    assert error["field"] == ""
    assert error["reason"].startswith("the body is not valid JSON at character 24"), error
    assert problem["detail"].startswith("the body is not valid JSON"), problem


async def test_the_token_endpoint_tells_json_that_it_takes_form_fields(
    client: httpx.AsyncClient, world: World
) -> None:
    response = await client.post(
        "/api/v1/auth/token",
        json={"grant_type": "password", "username": world.delegate.username, "password": "x"},
    )
    problem = assert_problem(response, 415, slug="unsupported-media-type")
    assert "form fields" in problem["detail"]


async def test_an_etag_without_its_quotes_is_malformed_not_stale(
    client: httpx.AsyncClient, world: World
) -> None:
    """`If-Match: 1` for a record at version 1 is not "changed since you read it": it is
    refused as malformed, and so the change is not made."""
    created = await client.post(SITUATIONS, json=situation_body(), headers=world.delegate.headers)
    assert created.headers["ETag"] == '"1"'
    path = f"{SITUATIONS}/{created.json()['id']}"

    def patch(if_match: str) -> dict[str, str]:
        return {**world.delegate.headers, "If-Match": if_match}

    unquoted = await client.patch(path, json={"summary": "Other."}, headers=patch("1"))
    problem = assert_problem(unquoted, 400)
    assert "double quotes" in problem["detail"]
    weak = await client.patch(path, json={"summary": "Other."}, headers=patch('W/"1"'))
    assert "weak" in assert_problem(weak, 412)["detail"].lower()
    unchanged = await client.get(path, headers=world.delegate.headers)
    assert unchanged.json()["summary"] != "Other."
    quoted = await client.patch(path, json={"summary": "Other."}, headers=patch('"1"'))
    assert quoted.status_code == 200, quoted.text


async def test_a_situation_is_read_by_its_reference_within_reach_only(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await client.post(SITUATIONS, json=situation_body(), headers=world.delegate.headers)
    reference, situation_id = created.json()["reference"], created.json()["id"]
    by_reference = await client.get(f"{SITUATIONS}/{reference}", headers=world.delegate.headers)
    assert by_reference.status_code == 200, by_reference.text
    assert by_reference.json()["id"] == situation_id
    assert by_reference.headers["ETag"] == created.headers["ETag"]
    history = await client.get(
        f"{SITUATIONS}/{reference}/history", headers=world.coordinator_a.headers
    )
    assert history.status_code == 200, history.text
    # Another organisation's coordinator: the same "not found" as for a reference never given.
    theirs = await client.get(f"{SITUATIONS}/{reference}", headers=world.coordinator_b.headers)
    nobody = await client.get(f"{SITUATIONS}/2026-9999", headers=world.coordinator_b.headers)
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json()["detail"] == nobody.json()["detail"]


async def test_the_kinds_of_an_action_are_reference_data(
    client: httpx.AsyncClient, world: World
) -> None:
    """Listed with their labels in each language, exactly the codes an action takes; an unknown
    one is refused, naming them."""
    listed = await client.get(
        "/api/v1/reference/action-kinds", params={"lang": "de"}, headers=world.delegate.headers
    )
    assert listed.status_code == 200, listed.text
    items = {item["code"]: item["label"] for item in listed.json()["items"]}
    assert set(items) == {kind.value for kind in ActionKind}
    assert items["call"] == "Telefonat"
    created = await client.post(SITUATIONS, json=situation_body(), headers=world.delegate.headers)
    unknown = await client.post(
        f"{SITUATIONS}/{created.json()['id']}/actions",
        json={"kind": "séance", "occurred_on": "2026-03-14", "duration_minutes": 30},
        headers=world.delegate.headers,
    )
    problem = assert_problem(unknown, 422, field="kind")
    assert "call" in str(problem["errors"])
