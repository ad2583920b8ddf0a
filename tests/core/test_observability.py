"""/healthz, /readyz, /metrics, and the JSON logs."""

import io
import json
import logging
from pathlib import Path

import httpx
from alembic import command
from fastapi import FastAPI
from pydantic import SecretStr

from app.core.config import Settings
from app.core.migrate import alembic_config
from app.core.observability import JsonHandler
from app.main import create_app
from tests.factories import World, situation_body


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


async def test_readyz(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
    assert "(latest)" in response.json()["migrations"]


async def _get(app: FastAPI, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.get(path)


async def test_not_ready_behind_migrations_or_without_database(
    settings: Settings, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0006")
    behind = await _get(create_app(settings.model_copy(update={"database_url": url})), "/readyz")
    assert behind.status_code == 503
    assert behind.json()["migrations"].startswith("at 0006, latest is")
    missing = f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}"
    down = await _get(create_app(settings.model_copy(update={"database_url": missing})), "/readyz")
    assert down.status_code == 503
    assert down.json()["database"].startswith("unreachable")


async def test_metrics(client: httpx.AsyncClient, world: World) -> None:
    created = await client.post(
        "/api/v1/situations", json=situation_body(severity="red"), headers=world.delegate.headers
    )
    await client.post(
        "/api/v1/situations", json=situation_body(severity="red"), headers=world.delegate.headers
    )
    missing = await client.get(
        "/api/v1/situations/00000000-0000-4000-8000-000000000000", headers=world.delegate.headers
    )
    assert missing.status_code == 404
    await client.get("/no/such/path/4711")
    page = (await client.get("/metrics")).text
    assert (
        'bientraitance_http_requests_total{method="POST",route="/api/v1/situations",status="201"}'
        in page
    )
    assert 'route="/api/v1/situations/{situation_id}",status="404"' in page
    assert 'route="unmatched",status="404"' in page
    # The path asked for is no label (numbers of its own fill the page: timestamps, counts).
    assert "/no/such/path" not in page
    assert "bientraitance_http_request_duration_seconds_bucket" in page
    assert 'bientraitance_open_situations{severity="red"} 2.0' in page
    assert 'bientraitance_open_situations{severity="green"} 0.0' in page
    # Nothing that names a situation or a person.
    body = created.json()
    for private in (body["id"], body["reference"], body["summary"], world.delegate.username):
        assert private not in page


async def test_logs_are_json_with_the_request_id(settings: Settings, world: World) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("internal detail")

    stream = io.StringIO()
    handler = JsonHandler(stream)
    logging.getLogger().addHandler(handler)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(
                "/api/v1/boom", headers={"Authorization": f"Bearer {world.delegate.token}"}
            )
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 500
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    assert lines, stream.getvalue()
    request_id = response.json()["request_id"]
    logged = [line for line in lines if line.get("request_id") == request_id]
    assert logged
    assert logged[0]["level"] == "ERROR"
    assert {"time", "level", "logger", "message"} <= set(logged[0])
    assert world.delegate.token not in stream.getvalue()


async def test_metrics_ask_for_the_scrapers_token_when_one_is_set(
    settings: Settings, world: World
) -> None:
    scraper = "scraper-" + "k" * 40
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr(scraper)}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/metrics")).status_code == 401
        for wrong in (world.admin.token, scraper[:-1], scraper + "k", ""):
            answer = await client.get("/metrics", headers={"Authorization": f"Bearer {wrong}"})
            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
        opened = await client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"})
        assert opened.status_code == 200
        assert "bientraitance_open_situations" in opened.text
        # The probes stay open: an orchestrator has no token.
        assert (await client.get("/healthz")).status_code == 200
