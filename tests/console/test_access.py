"""Who may open each page of the console: every page is declared here, and checked for a
visitor who is not signed in and for each role."""

import httpx
import pytest
from fastapi.routing import APIRoute

from app.console.routes import PARTS
from tests.console.test_sessions import sign_in
from tests.factories import World, situation_body

# (method, path) -> what a visitor who is not signed in gets: "login" (sent to sign in) or
# "open" (the page is for them).
PAGES = {
    ("GET", "/login"): "open",
    ("POST", "/login"): "open",
    ("GET", "/language"): "open",
    ("POST", "/logout"): "login",
    ("GET", "/"): "login",
    ("GET", "/situations/{reference}"): "login",
    ("GET", "/situations/new"): "login",
    ("POST", "/situations/new"): "login",
    ("GET", "/situations/filed/{form_id}"): "login",
    ("POST", "/situations/{reference}/{kind}"): "login",
    ("GET", "/statistics"): "login",
    ("GET", "/admin"): "login",
    ("GET", "/admin/{section}"): "login",
    ("POST", "/admin/audit/verify"): "login",
    ("POST", "/admin/{section}/{action}"): "login",
}


def test_every_page_is_declared() -> None:
    routes = {
        (method, route.path)
        for part in PARTS
        for route in part.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }
    assert routes == set(PAGES)


@pytest.mark.parametrize(("method", "path"), [k for k, v in PAGES.items() if v == "login"])
async def test_a_visitor_not_signed_in_is_sent_to_sign_in(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    answer = await client.request(
        method,
        path.replace("{reference}", "2026-0001")
        .replace("{form_id}", "x")
        .replace("{kind}", "close")
        .replace("{section}", "accounts")
        .replace("{action}", "unlock"),
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"


@pytest.mark.parametrize(
    ("role", "caseload", "situation"),
    [
        ("delegate", 200, 200),
        ("coordinator_a", 200, 200),
        ("coordinator_b", 200, 404),
        ("admin", 303, 404),
    ],
)
async def test_what_each_role_sees(
    client: httpx.AsyncClient, world: World, role: str, caseload: int, situation: int
) -> None:
    """A situation of MRE: its delegates and coordinators read it; another organisation's
    coordinator and an admin meet "not found"; an admin's home is the administration."""
    filed = await client.post(
        "/api/v1/situations", json=situation_body(), headers=world.delegate.headers
    )
    reference = filed.json()["reference"]
    await sign_in(client, getattr(world, role).username)
    home = await client.get("/")
    assert home.status_code == caseload
    assert (f"/situations/{reference}" in home.text) is (situation == 200)
    assert (await client.get(f"/situations/{reference}")).status_code == situation
    files = role != "admin"
    assert (await client.get("/situations/new")).status_code == (200 if files else 404)
    assert ('href="/situations/new"' in home.text) is files
    administers = (await client.get("/admin/accounts")).status_code
    assert administers == (404 if files else 200)
