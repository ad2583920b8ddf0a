"""The end of the retention period erases narratives and identifying details, and leaves every
statistic exactly as it was."""

import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.audit.models import AuditEntry
from app.cli import app as cli
from app.core.config import get_settings
from app.idempotency.models import IdempotencyRecord
from app.situations import retention
from app.situations.models import Situation, SituationEdit
from tests.conftest import TEST_ENCRYPTION_KEYS, Database
from tests.factories import World, situation_body
from tests.helpers import assert_problem
from tests.statistics.conftest import tell, year_2024, year_2025

API = "/api/v1/situations"
AS_OF = date(2036, 1, 1)  # with 10 years: situations closed on or before 2026-01-01
TTL = timedelta(hours=24)


async def _rich_situation(client: httpx.AsyncClient, world: World, secret: str) -> str:
    """A 2025 situation with every narrative, a site, an age group and a correction."""
    headers = world.delegate.headers
    created = await client.post(
        API,
        json=situation_body(
            opened_on="2025-09-01", summary=secret, site_id=world.site_a, severity="red"
        ),
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    path = f"{API}/{created.json()['id']}"
    patched = await client.patch(
        path,
        json={"age_group": "adult"},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert patched.status_code == 200, patched.text
    for sub, body in [
        ("severity-changes", {"severity": "orange", "reason": secret, "changed_on": "2025-09-02"}),
        (
            "reports",
            {
                "decision": "reported",
                "authority": "police",
                "decided_on": "2025-09-03",
                "details": secret,
            },
        ),
        (
            "actions",
            {
                "kind": "meeting",
                "occurred_on": "2025-09-04",
                "duration_minutes": 60,
                "note": secret,
            },
        ),
        ("closure", {"closed_on": "2025-10-01", "typology": "M2", "outcome": secret}),
    ]:
        response = await client.post(f"{path}/{sub}", json=body, headers=headers)
        assert response.status_code == 201, (sub, response.text)
    return path


async def _figures(client: httpx.AsyncClient, world: World) -> list[str]:
    """Every way the statistics are published, as text."""
    answers = []
    for year in (2024, 2025, 2026):
        for params in ({}, {"suppress_below": 3}, {"format": "csv"}, {"organisation": "MRE"}):
            response = await client.get(
                f"/api/v1/statistics/annual/{year}", params=params, headers=world.reporter.headers
            )
            assert response.status_code == 200, response.text
            answers.append(response.text)
    return answers


async def test_statistics_stay_the_same(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session], db: Database
) -> None:
    secret = f"SENTINEL-{uuid.uuid4().hex}"
    await tell(client, world, year_2024() + year_2025())
    path = await _rich_situation(client, world, secret)
    before = await _figures(client, world)

    planned = retention.apply(
        factory=session_factory, as_of=AS_OF, years=10, idempotency_ttl=TTL, dry_run=True
    )
    assert db.scalar(select(Situation.id).where(Situation.erased_at.is_not(None))) is None
    done = retention.apply(factory=session_factory, as_of=AS_OF, years=10, idempotency_ttl=TTL)

    assert await _figures(client, world) == before
    assert done == planned
    closed_by_cutoff = db.all(
        select(Situation.reference)
        .where(Situation.status == "closed")
        .order_by(Situation.reference)
    )
    # Every closed file (16) but the one closed on 2026-01-15.
    assert done.situations == len(closed_by_cutoff) - 1 == 15
    erase_entries = db.all(
        select(AuditEntry.situation_id).where(AuditEntry.action == "situation.erase")
    )
    assert len(erase_entries) == done.situations

    situation = (await client.get(path, headers=world.delegate.headers)).json()
    assert situation["erased_at"] is not None
    assert (situation["summary"], situation["site"], situation["age_group"]) == ("", None, None)
    assert situation["intake_typology"] == "M1"
    assert situation["closure"]["typology"] == "M2"
    read = await client.get(path, headers=world.delegate.headers)
    history = await client.get(f"{path}/history", headers=world.delegate.headers)
    assert secret not in history.text
    assert "adult" not in history.text  # the corrected value went with the rest
    # The erasure ends the history, at the version it moved the situation to.
    last = history.json()["entries"][-1]
    assert (last["kind"], last["recorded_at"][:10]) == ("erased", situation["erased_at"][:10])
    assert read.headers["ETag"] == f'"{last["situation_version"]}"'
    edits = db.all(select(SituationEdit.changes))
    assert [{"field": "age_group"}] in edits
    assert all(secret not in r for r in db.all(select(IdempotencyRecord.body)))

    # The still-open and the recently closed are untouched.
    kept = db.all(select(Situation.summary).where(Situation.erased_at.is_(None)))
    assert len(kept) == 21 - 15
    assert all(kept)

    # An erased file stays closed.
    reopen = await client.post(
        f"{path}/reopening", json={"reason": "New facts."}, headers=world.delegate.headers
    )
    assert_problem(reopen, 409)
    assert reopen.json()["rule"] == "erased-situation"
    again = retention.apply(factory=session_factory, as_of=AS_OF, years=10, idempotency_ttl=TTL)
    assert again.situations == 0


async def test_cli(
    client: httpx.AsyncClient,
    world: World,
    database_url: str,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    await tell(client, world, year_2024())
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    monkeypatch.setenv("BIENTRAITANCE_RETENTION_YEARS", "5")
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        dry = runner.invoke(cli, ["retention", "apply", "--dry-run", "--as-of", "2029-06-01"])
        real = runner.invoke(cli, ["retention", "apply", "--as-of", "2029-06-01"])
        bad = runner.invoke(cli, ["retention", "apply", "--as-of", "soon"])
    finally:
        get_settings.cache_clear()
    assert dry.exit_code == 0, dry.output
    # Closed on 2024-04-01 and 2024-06-01: five years past by 2029-06-01; on 2024-07-01: not.
    listed = "2 situations closed on or before 2024-06-01 {}: 2024-0001, 2024-0002"
    assert listed.format("would be erased") in dry.output
    assert listed.format("erased") in real.output
    erased = db.all(select(Situation.reference).where(Situation.erased_at.is_not(None)))
    assert sorted(erased) == ["2024-0001", "2024-0002"]
    assert bad.exit_code == 1
