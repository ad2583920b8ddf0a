"""The admin's account management, and tokens that stop working."""

import httpx
from sqlalchemy import select

from app.auth.models import Account
from tests.conftest import Database
from tests.factories import PASSWORD, World
from tests.helpers import assert_problem

URL = "/api/v1/accounts"


async def test_create_person(client: httpx.AsyncClient, world: World, db: Database) -> None:
    response = await client.post(
        f"{URL}/people",
        json={
            "email": "New.Coord@Example.org",
            "role": "coordinator",
            "organisation": world.org_b,
            "password": "a long enough password",
        },
        headers=world.admin.headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["username"], body["role"], body["organisation"]) == (
        "new.coord@example.org",
        "coordinator",
        world.org_b,
    )
    stored = db.scalar(select(Account).where(Account.username == "new.coord@example.org"))
    assert stored.secret_hash.startswith("$argon2id$")
    assert "a long enough password" not in stored.secret_hash
    login = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": "new.coord@example.org",
            "password": "a long enough password",
        },
    )
    assert login.status_code == 200


async def test_coordinator_needs_organisation(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{URL}/people",
        json={"email": "c@example.org", "role": "coordinator", "password": "long password 123"},
        headers=world.admin.headers,
    )
    assert_problem(response, 422, field="organisation")


async def test_delegate_has_no_organisation(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{URL}/people",
        json={
            "email": "d@example.org",
            "role": "delegate",
            "organisation": world.org_a,
            "password": "long password 123",
        },
        headers=world.admin.headers,
    )
    assert_problem(response, 422, field="organisation")


async def test_person_cannot_be_intranet(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{URL}/people",
        json={
            "email": "i@example.org",
            "role": "intranet",
            "organisation": world.org_a,
            "password": "long password 123",
        },
        headers=world.admin.headers,
    )
    assert_problem(response, 422, field="role")


async def test_short_password(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{URL}/people",
        json={"email": "s@example.org", "role": "delegate", "password": "short"},
        headers=world.admin.headers,
    )
    assert_problem(response, 422, field="password")


async def test_duplicate_email(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        f"{URL}/people",
        json={
            "email": world.delegate.username,
            "role": "delegate",
            "password": "long password 123",
        },
        headers=world.admin.headers,
    )
    assert_problem(response, 409)


async def test_create_client_shows_secret_once(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    response = await client.post(
        f"{URL}/clients",
        json={"name": "MRE intranet", "role": "intranet", "organisation": world.org_a},
        headers=world.admin.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["client_secret"]
    stored = db.scalar(select(Account).where(Account.username == created["username"]))
    assert secret not in stored.secret_hash
    again = await client.get(f"{URL}/{created['id']}", headers=world.admin.headers)
    assert "client_secret" not in again.json()
    token = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["username"],
            "client_secret": secret,
        },
    )
    assert token.status_code == 200


async def test_wrong_role(client: httpx.AsyncClient, world: World) -> None:
    for caller in (world.delegate, world.coordinator_a, world.intranet_a, world.reporter):
        assert_problem(await client.get(URL, headers=caller.headers), 403)
        response = await client.post(
            f"{URL}/clients", json={"name": "x", "role": "reporter"}, headers=caller.headers
        )
        assert_problem(response, 403)


async def test_disabled_account_token_stops_at_once(
    client: httpx.AsyncClient, world: World
) -> None:
    me = await client.get(f"{URL}/me", headers=world.coordinator_a.headers)
    assert me.status_code == 200
    current = await client.get(
        f"{URL}/{world.coordinator_a.account_id}", headers=world.admin.headers
    )
    disabled = await client.patch(
        f"{URL}/{world.coordinator_a.account_id}",
        json={"active": False},
        headers={**world.admin.headers, "If-Match": current.headers["ETag"]},
    )
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert_problem(await client.get(f"{URL}/me", headers=world.coordinator_a.headers), 401)
    login = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "password",
            "username": world.coordinator_a.username,
            "password": PASSWORD,
        },
    )
    assert_problem(login, 400)


async def test_update_needs_if_match(client: httpx.AsyncClient, world: World) -> None:
    response = await client.patch(
        f"{URL}/{world.delegate.account_id}", json={"active": False}, headers=world.admin.headers
    )
    assert_problem(response, 428)
    stale = await client.patch(
        f"{URL}/{world.delegate.account_id}",
        json={"active": False},
        headers={**world.admin.headers, "If-Match": '"999"'},
    )
    assert_problem(stale, 412)
    assert (await client.get(f"{URL}/me", headers=world.delegate.headers)).status_code == 200


async def test_rotated_secret_invalidates_tokens(client: httpx.AsyncClient, world: World) -> None:
    rotated = await client.post(
        f"{URL}/{world.reporter.account_id}/secret", headers=world.admin.headers
    )
    assert rotated.status_code == 200, rotated.text
    assert_problem(await client.get(f"{URL}/me", headers=world.reporter.headers), 401)
    old = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": world.reporter.username,
            "client_secret": PASSWORD,
        },
    )
    assert_problem(old, 401)
    new = await client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": world.reporter.username,
            "client_secret": rotated.json()["client_secret"],
        },
    )
    assert new.status_code == 200


async def test_list_pages(client: httpx.AsyncClient, world: World) -> None:
    first = (await client.get(URL, params={"limit": 4}, headers=world.admin.headers)).json()
    assert len(first["items"]) == 4
    second = (
        await client.get(
            URL, params={"limit": 4, "cursor": first["next_cursor"]}, headers=world.admin.headers
        )
    ).json()
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None
    ids = [a["id"] for a in first["items"] + second["items"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 6
