"""Every error is problem+json; bad input never gives a 500."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.core.config import Settings
from app.main import create_app
from tests.factories import World, situation_body
from tests.helpers import assert_problem


async def test_unknown_route(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404)


async def test_wrong_method(client: httpx.AsyncClient, world: World) -> None:
    response = await client.delete("/api/v1/typologies", headers=world.delegate.headers)
    assert_problem(response, 405)


async def test_malformed_json(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        "/api/v1/situations",
        content=b'{"summary": ',
        headers={**world.delegate.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 422)


async def test_body_not_an_object(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post("/api/v1/situations", json=[1, 2], headers=world.delegate.headers)
    assert_problem(response, 422)


async def test_body_too_large(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(summary="x" * 70_000)
    response = await client.post("/api/v1/situations", json=body, headers=world.delegate.headers)
    problem = assert_problem(response, 413, slug="payload-too-large")
    assert "65536" in problem["detail"]


async def test_body_too_large_without_length(client: httpx.AsyncClient, world: World) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 8192

    response = await client.post(
        "/api/v1/situations",
        content=chunks(),
        headers={**world.delegate.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)


async def test_situation_id_of_any_shape(client: httpx.AsyncClient, world: World) -> None:
    for situation_id in ("1", "' OR 1=1 --", "%00", "x" * 300):
        response = await client.get(
            f"/api/v1/situations/{situation_id}", headers=world.delegate.headers
        )
        assert_problem(response, 404)


async def test_security_headers(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get("/api/v1/typologies", headers=world.delegate.headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-ID"]


@pytest.fixture
def failing_app(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


async def test_unexpected_error_is_generic(failing_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=failing_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/api/v1/boom")
    problem = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert problem["request_id"]


async def test_nul_characters(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(summary="before\u0000after")
    response = await client.post("/api/v1/situations", json=body, headers=world.delegate.headers)
    # SQLite stores the character; PostgreSQL refuses it, as a 422 rather than a 500.
    assert response.status_code in (201, 422)
    if response.status_code == 422:
        assert_problem(response, 422)
    login = await client.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": "a\u0000b", "password": "x"},
    )
    assert login.status_code in (400, 422)


async def test_integer_out_of_range(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"/api/v1/accounts/{2**70}", headers=world.admin.headers)
    problem = assert_problem(response, 422, field="account_id")
    assert problem["errors"][0]["location"] == "path"
    body = situation_body(site_id=2**70)
    response = await client.post("/api/v1/situations", json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="site_id")
