"""Signing in to the console, as a browser does it: cookies, forms, redirects."""

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.auth.models import Account
from app.console.models import ConsoleSession
from app.core.db import utcnow
from tests.conftest import Database
from tests.factories import PASSWORD, World, situation_body


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> httpx.Response:
    form = await client.get("/login")
    return await client.post(
        "/login", data={"email": email, "password": password, "csrf": csrf_of(form)}
    )


async def test_a_delegate_signs_in_sees_the_caseload_and_signs_out(
    client: httpx.AsyncClient, world: World
) -> None:
    assert (await client.get("/")).headers["location"] == "/login"
    signed = await sign_in(client, world.delegate.username)
    assert signed.status_code == 303
    assert signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert "bientraitance_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    home = await client.get("/")
    assert home.status_code == 200
    assert "<h1>Situations</h1>" in home.text
    assert "script-src 'self'" in home.headers["content-security-policy"]
    assert home.headers["cache-control"] == "no-store"
    out = await client.post("/logout", data={"csrf": csrf_of(home)})
    assert out.headers["location"] == "/login?out=1"
    assert (await client.get("/")).headers["location"] == "/login"


async def test_a_wrong_password_is_said_in_french_and_counted(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(world.settings.login_max_failures):
        refused = await sign_in(client, world.delegate.username, "not the password")
        assert refused.status_code == 400
        assert "Adresse e-mail ou mot de passe incorrect." in refused.text
        assert 'value="delegate@example.org"' in refused.text
    locked = await sign_in(client, world.delegate.username)
    assert locked.status_code == 400
    assert "Trop d&#39;essais manqués : réessayez dans 15 min." in locked.text


async def test_machine_clients_have_no_console(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    refused = await sign_in(client, world.intranet_a.username)
    assert refused.status_code == 400
    assert "Adresse e-mail ou mot de passe incorrect." in refused.text
    assert db.count(ConsoleSession) == 0


async def test_a_form_from_another_site_is_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    await client.get("/login")
    forged = await client.post(
        "/login", data={"email": world.delegate.username, "password": PASSWORD, "csrf": "x"}
    )
    assert forged.status_code == 403
    assert db.count(ConsoleSession) == 0
    await sign_in(client, world.delegate.username)
    home = await client.get("/")
    refused = await client.post("/logout", data={"csrf": "guessed"})
    assert refused.status_code == 403
    elsewhere = await client.post(
        "/logout", data={"csrf": csrf_of(home)}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    assert (await client.get("/")).status_code == 200  # still signed in


@pytest.mark.parametrize("ends", ["disabled", "idle", "lifetime", "password reset"])
async def test_a_session_ends(
    client: httpx.AsyncClient, world: World, db: Database, ends: str
) -> None:
    await sign_in(client, world.delegate.username)
    assert (await client.get("/")).status_code == 200
    long_ago = utcnow() - timedelta(hours=13)
    if ends == "disabled":
        await _admin_patch(client, world, {"active": False})
    elif ends == "password reset":
        db.execute(
            update(Account)
            .where(Account.username == world.delegate.username)
            .values(token_version=Account.token_version + 1)
        )
    elif ends == "idle":
        db.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(minutes=31)))
    else:
        db.execute(update(ConsoleSession).values(started_at=long_ago))
    ended = await client.get("/")
    assert ended.headers["location"] == "/login?ended=1"
    assert "votre session a pris fin" in (await client.get("/login?ended=1")).text.lower()
    assert db.count(ConsoleSession) == 0


async def _admin_patch(client: httpx.AsyncClient, world: World, body: dict[str, object]) -> None:
    accounts = (await client.get("/api/v1/accounts", headers=world.admin.headers)).json()
    [delegate] = [a for a in accounts["items"] if a["username"] == world.delegate.username]
    url = f"/api/v1/accounts/{delegate['id']}"
    read = await client.get(url, headers=world.admin.headers)
    changed = await client.patch(
        url, json=body, headers={**world.admin.headers, "If-Match": read.headers["etag"]}
    )
    assert changed.status_code == 200, changed.text


async def test_another_organisations_situation_is_not_found_as_an_unknown_one(
    client: httpx.AsyncClient, world: World
) -> None:
    created = await client.post(
        "/api/v1/situations",
        json=situation_body(organisation="HSO"),
        headers=world.delegate.headers,
    )
    reference = created.json()["reference"]
    await sign_in(client, world.coordinator_a.username)
    theirs = await client.get(f"/situations/{reference}")
    unknown = await client.get("/situations/2026-9999")
    assert theirs.status_code == unknown.status_code == 404
    # The same page, but for the address it was asked at.
    assert theirs.text.replace(reference, "2026-9999") == unknown.text
    await client.post("/logout", data={"csrf": csrf_of(await client.get("/"))})
    await sign_in(client, world.coordinator_b.username)
    page = await client.get(f"/situations/{reference}")
    assert page.status_code == 200
    assert reference in page.text


async def test_the_language_at_a_click(client: httpx.AsyncClient, world: World) -> None:
    assert '<html lang="fr">' in (await client.get("/login")).text
    chosen = await client.get("/language?to=de&back=/login")
    assert chosen.headers["location"] == "/login"
    page = await client.get("/login")
    assert '<html lang="de">' in page.text
    assert "Anmelden" in page.text
    for elsewhere in ("//evil.example/", "/\\evil.example/", "https://evil.example/"):
        away = await client.get("/language", params={"to": "en", "back": elsewhere})
        assert away.headers["location"] == "/", elsewhere
