"""The checked-in OpenAPI document is the one the service serves."""

import json

import httpx

from scripts.export_openapi import TARGET, render


def test_checked_in_document_is_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == render(), (
        "openapi/openapi.json is out of date: run python scripts/export_openapi.py"
    )


async def test_served_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json() == json.loads(render())


async def test_docs_use_local_assets_only(client: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        response = await client.get(page)
        assert response.status_code == 200
        assert "cdn" not in response.text.lower()
        assert "http://" not in response.text
        assert "https://" not in response.text
