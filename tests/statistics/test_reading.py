"""Annual statistics are read in a transaction that only reads, then audited in one of their
own: a long count holds up no one filing a situation, and no figures leave unaudited."""

import asyncio
import threading
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.statistics import service
from tests.conftest import Database
from tests.factories import World, situation_body

URL = "/api/v1/statistics/annual/2026"


async def test_intake_goes_on_while_statistics_are_counted(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting, may_finish = threading.Event(), threading.Event()
    count = service.year_counts

    def slow_count(**kwargs: Any) -> Any:
        counting.set()
        may_finish.wait(timeout=30)
        return count(**kwargs)

    monkeypatch.setattr(service, "year_counts", slow_count)
    statistics = asyncio.create_task(client.get(URL, headers=world.reporter.headers))
    try:
        assert await asyncio.to_thread(counting.wait, 10)
        # Still counting: a situation is filed and committed meanwhile.
        created = await asyncio.wait_for(
            client.post(
                "/api/v1/situations", json=situation_body(), headers=world.coordinator_a.headers
            ),
            timeout=10,
        )
        assert created.status_code == 201, created.text
        assert not statistics.done()
    finally:
        may_finish.set()
    response = await statistics
    assert response.status_code == 200, response.text
    entries = db.all(select(AuditEntry).where(AuditEntry.action == "statistics.annual"))
    assert [(e.account_id, e.role, e.object_id) for e in entries] == [
        (world.reporter.account_id, "reporter", "2026")
    ]
    assert entries[0].detail == {"compare_to": 2025, "organisation": None, "suppress_below": None}


async def test_figures_that_cannot_be_audited_are_not_answered(
    client: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(**_kwargs: Any) -> None:
        raise RuntimeError("the audit trail cannot be written")

    monkeypatch.setattr(service, "record_annual", fail)
    with pytest.raises(RuntimeError):
        await client.get(URL, headers=world.reporter.headers)
    assert db.all(select(AuditEntry.id).where(AuditEntry.action == "statistics.annual")) == []
