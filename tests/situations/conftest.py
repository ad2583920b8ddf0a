from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.factories import Caller, World, situation_body

NewSituation = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def new_situation(client: httpx.AsyncClient, world: World) -> NewSituation:
    """Opens a situation through the API and returns its body (with its ETag under `etag`)."""

    async def create(caller: Caller | None = None, **overrides: Any) -> dict[str, Any]:
        response = await client.post(
            "/api/v1/situations",
            json=situation_body(**overrides),
            headers=(caller or world.delegate).headers,
        )
        assert response.status_code == 201, response.text
        return {**response.json(), "etag": response.headers["ETag"]}

    return create
