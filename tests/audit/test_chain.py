"""The audit trail is a hash chain: altered or removed entries show, under concurrency too;
and a delegate can see who accessed a situation."""

import asyncio
import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.audit import chain
from app.audit import service as audit_service
from app.audit.models import AuditEntry, AuditHead
from app.cli import app as cli
from app.core.config import get_settings
from tests.conftest import Database
from tests.factories import World, situation_body
from tests.helpers import assert_problem

URL = "/api/v1/situations"


async def _activity(client: httpx.AsyncClient, world: World) -> str:
    created = await client.post(URL, json=situation_body(), headers=world.coordinator_a.headers)
    situation_id: str = created.json()["id"]
    await client.get(f"{URL}/{situation_id}", headers=world.delegate.headers)
    await client.post(
        f"{URL}/{situation_id}/severity-changes",
        json={"severity": "red", "reason": "Disclosure."},
        headers=world.delegate.headers,
    )
    await client.get(f"{URL}/{situation_id}/history", headers=world.coordinator_a.headers)
    return situation_id


async def test_chain_is_intact_and_complete(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session], db: Database
) -> None:
    await _activity(client, world)
    verdict = chain.verify(session_factory, batch=2)
    assert verdict.intact, verdict.problems
    assert verdict.entries == db.count(AuditEntry) >= 4
    positions = db.all(select(AuditEntry.position).order_by(AuditEntry.id))
    assert positions == list(range(1, verdict.entries + 1))
    assert verdict.head_hash == db.scalar(
        select(AuditEntry.hash).where(AuditEntry.position == verdict.entries)
    )


async def test_altered_entry_shows(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session], db: Database
) -> None:
    await _activity(client, world)
    # Someone hides that the delegate read the record (its number in the account's entries
    # would collide with one of the other account's).
    db.execute(
        update(AuditEntry)
        .where(AuditEntry.action == "situation.read")
        .values(account_id=world.coordinator_a.account_id, account_sequence=None)
    )
    read_at = db.scalar(select(AuditEntry.position).where(AuditEntry.action == "situation.read"))
    verdict = chain.verify(session_factory)
    assert verdict.problems == [f"position {read_at}: altered (its hash does not match)"]


async def test_removed_entry_shows(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session], db: Database
) -> None:
    await _activity(client, world)
    db.execute(delete(AuditEntry).where(AuditEntry.position == 2))
    verdict = chain.verify(session_factory)
    assert not verdict.intact
    assert verdict.problems[0] == "position 2: missing (next entry is 3)"


async def test_rewritten_entry_shows_at_the_next(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session], db: Database
) -> None:
    """Resealing an altered entry is not enough: the next entry still names the old hash."""
    await _activity(client, world)
    with session_factory.begin() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.position == 2)).one()
        entry.action = "situation.list"
        entry.hash = chain.seal(entry, entry.previous_hash)
    verdict = chain.verify(session_factory)
    assert verdict.problems == ["position 3: does not follow the entry before it"]


def test_entries_are_sealed_as_verify_seals_them(
    session_factory: sessionmaker[Session], db: Database
) -> None:
    """Entries sealed as a transaction commits verify as `verify` reads them back from the
    database: text beyond ASCII, a `position` key inside the detail, several entries sealed by
    one commit; and the head follows the last."""
    details: list[dict[str, Any] | None] = [
        {"position": None, "note": "déjà signalé · Jugendamt", "changes": [{"position": 3}]},
        None,
        {"fields": ["summary"], "quote": '"position":null'},
    ]
    with session_factory.begin() as session:
        for detail in details:
            audit_service.record(
                session=session,
                principal=None,
                action="situation.update",
                object_type="situation",
                object_id="x",
                detail=detail,
            )
    verdict = chain.verify(session_factory)
    assert (verdict.entries, verdict.problems) == (3, [])
    assert db.all(select(AuditHead.position)) == [3]
    assert db.all(select(AuditHead.hash)) == [verdict.head_hash]


def test_canonical_content_is_the_one_chains_were_sealed_with() -> None:
    """What the hash covers is stored evidence: the entries already sealed must verify after
    any change to the code. The form is JSON with sorted keys, no spaces, UTF-8."""
    entry = AuditEntry(
        position=12,
        occurred_at=datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC),
        request_id="r1",
        account_id=7,
        role="delegate",
        organisation_id=None,
        action="situation.read",
        object_type="situation",
        object_id="s1",
        situation_id="s1",
        detail={"position": None, "note": "déjà"},
    )
    assert (
        chain.content(entry)
        == (
            '{"account_id":7,"action":"situation.read","detail":{"note":"déjà","position":null},'
            '"object_id":"s1","object_type":"situation",'
            '"occurred_at":"2026-03-04T05:06:07.000890+00:00","organisation_id":null,'
            '"position":12,"request_id":"r1","role":"delegate","situation_id":"s1"}'
        ).encode()
    )
    assert (
        chain.seal(entry, chain.GENESIS)
        == hashlib.sha256(chain.GENESIS.encode() + b"\n" + chain.content(entry)).hexdigest()
    )


async def test_concurrent_requests_keep_one_chain(
    client: httpx.AsyncClient, world: World, session_factory: sessionmaker[Session], db: Database
) -> None:
    responses = await asyncio.gather(
        *(
            client.post(URL, json=situation_body(), headers=world.delegate.headers)
            for _ in range(30)
        ),
        *(client.get(URL, headers=world.coordinator_a.headers) for _ in range(10)),
    )
    assert all(r.status_code in (200, 201) for r in responses)
    verdict = chain.verify(session_factory)
    assert verdict.intact, verdict.problems
    assert verdict.entries == db.count(AuditEntry) == 40
    # Each account's entries are numbered 1, 2, 3... in the chain's order (the rate limit
    # counts with these numbers), however the requests interleaved.
    for account, requests in ((world.delegate, 30), (world.coordinator_a, 10)):
        numbers = db.all(
            select(AuditEntry.account_sequence)
            .where(AuditEntry.account_id == account.account_id)
            .order_by(AuditEntry.position)
        )
        assert numbers == list(range(1, requests + 1))


async def test_cli_verify(
    client: httpx.AsyncClient,
    world: World,
    database_url: str,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    await _activity(client, world)
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        intact = runner.invoke(cli, ["audit", "verify"])
        db.execute(update(AuditEntry).where(AuditEntry.position == 1).values(object_id="x"))
        broken = runner.invoke(cli, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert intact.exit_code == 0, intact.output
    count = db.scalar(select(func.count()).select_from(AuditEntry))
    assert f"{count} entries" in intact.output
    assert "intact" in intact.output
    assert broken.exit_code == 1
    assert "position 1: altered" in broken.output


async def test_access_report(client: httpx.AsyncClient, world: World) -> None:
    situation_id = await _activity(client, world)
    response = await client.get(
        f"{URL}/{situation_id}/accesses", params={"limit": 3}, headers=world.delegate.headers
    )
    assert response.status_code == 200, response.text
    page = response.json()
    seen = [(a["by"]["name"], a["by"]["organisation"], a["purpose"]) for a in page["items"]]
    assert seen == [
        ("coord.a", world.org_a, "opened the situation"),
        ("delegate", None, "read the record"),
        ("delegate", None, "changed the colour"),
    ]
    rest = await client.get(
        f"{URL}/{situation_id}/accesses",
        params={"cursor": page["next_cursor"]},
        headers=world.delegate.headers,
    )
    purposes = [a["purpose"] for a in rest.json()["items"]]
    # The history read, then the first page of this very report.
    assert purposes == ["read the history", "read who accessed the situation"]
    assert rest.json()["next_cursor"] is None


async def test_access_report_is_for_delegates(client: httpx.AsyncClient, world: World) -> None:
    situation_id = await _activity(client, world)
    for caller in (world.coordinator_a, world.intranet_a, world.reporter, world.admin):
        response = await client.get(f"{URL}/{situation_id}/accesses", headers=caller.headers)
        assert_problem(response, 403)
    response = await client.get(
        f"{URL}/00000000-0000-4000-8000-000000000000/accesses", headers=world.delegate.headers
    )
    assert_problem(response, 404)


def test_the_chain_head_cannot_be_deleted(db: Database) -> None:
    """Without its head no entry could be sealed: every audited request would fail."""
    with pytest.raises(DBAPIError, match="head of the audit chain cannot be deleted"):
        db.execute(delete(AuditHead))
    assert db.all(select(AuditHead.position)) == [0]
