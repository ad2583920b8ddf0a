"""The caseload: what needs attention, the filters, the pages of the list."""

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update

from app.console import caseload
from app.core.db import utcnow
from app.situations.models import Situation
from tests.conftest import Database
from tests.console.test_sessions import sign_in
from tests.factories import World, situation_body


async def _file(client: httpx.AsyncClient, world: World, **body: object) -> str:
    filed = await client.post(
        "/api/v1/situations", json=situation_body(**body), headers=world.delegate.headers
    )
    assert filed.status_code == 201, filed.text
    return str(filed.json()["reference"])


def _listed(page: httpx.Response) -> list[str]:
    return re.findall(r'<a href="/situations/([0-9-]+)"><strong>', page.text)


async def test_what_needs_attention_and_the_filters(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    red = await _file(client, world, severity="red", intake_typology="M2")
    old = await _file(client, world, organisation="HSO")
    await _file(client, world, severity="green")
    db.execute(
        update(Situation)
        .where(Situation.reference == old)
        .values(updated_at=utcnow() - timedelta(days=120))
    )
    await sign_in(client, world.delegate.username)
    home = await client.get("/")
    assert len(_listed(home)) == 3
    assert _listed(await client.get("/?attention=red")) == [red]
    assert _listed(await client.get("/?attention=untouched")) == [old]
    assert _listed(await client.get("/?typology=M2")) == [red]
    assert _listed(await client.get("/?organisation=HSO")) == [old]
    assert _listed(await client.get("/?colour=green&status=open")) != []
    assert _listed(await client.get(f"/?reference={red}")) == [red]
    assert _listed(await client.get("/?status=closed")) == []


async def test_pages_of_the_list_and_counts_that_stop(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    filed = [await _file(client, world) for _ in range(caseload.PAGE_SIZE + 2)]
    monkeypatch.setattr(caseload, "COUNTED_UP_TO", 5)
    await sign_in(client, world.delegate.username)
    first = await client.get("/")
    assert '<span class="count">5+</span>' in first.text
    assert len(_listed(first)) == caseload.PAGE_SIZE
    next_page = re.search(r'<a href="([^"]+)" rel="next">', first.text)
    assert next_page
    second = await client.get(next_page.group(1).replace("&amp;", "&"))
    assert _listed(second) == sorted(filed)[:2][::-1]
    assert 'class="count"' not in second.text  # the overview heads the first page only
