"""Several worker processes on one database: nothing that must be shared lives in a process.

Two servers (separate processes, as uvicorn's workers or two hosts behind a load balancer would
be) run on the test database; requests alternate between them."""

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from app.situations.models import Situation
from scripts import live
from tests.conftest import TEST_ENCRYPTION_KEYS, TEST_SECRET_KEY, Database
from tests.factories import PASSWORD, World, situation_body

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def workers(database_url: str, world: World, tmp_path: Path) -> Iterator[list[str]]:
    settings = {
        # As `bientraitance serve --workers 2` sets it: the workers add up their metrics.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "BIENTRAITANCE_DATABASE_URL": database_url,
        "BIENTRAITANCE_SECRET_KEY": TEST_SECRET_KEY,
        "BIENTRAITANCE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "BIENTRAITANCE_LOGIN_MAX_FAILURES": "4",
        "BIENTRAITANCE_LOG_LEVEL": "WARNING",
    }
    ports = [live.free_port(), live.free_port()]
    processes: list[subprocess.Popen[bytes]] = []
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for port in ports:
            processes.append(live.start(port, settings))
        yield bases
    finally:
        for process in processes:
            live.stop(process)


async def test_references_idempotency_and_lockouts_hold_across_workers(
    workers: list[str], world: World, db: Database
) -> None:
    clients = [httpx.AsyncClient(base_url=base, timeout=30) for base in workers]
    try:
        headers = world.delegate.headers
        # References: numbered without gaps or duplicates whichever worker allocates them.
        created = await asyncio.gather(
            *(
                clients[n % 2].post("/api/v1/situations", json=situation_body(), headers=headers)
                for n in range(30)
            )
        )
        assert [r.status_code for r in created] == [201] * 30
        references = sorted(r.json()["reference"] for r in created)
        assert references == [f"2026-{n:04d}" for n in range(1, 31)]

        # One Idempotency-Key sent to both workers at once: one situation, one answer.
        key = {"Idempotency-Key": str(uuid.uuid4()), **headers}
        body = situation_body(summary="Sent twice, to two workers.")
        answers: list[httpx.Response] = []
        for _ in range(20):
            answers = list(
                await asyncio.gather(
                    *(c.post("/api/v1/situations", json=body, headers=key) for c in clients)
                )
            )
            if all(a.status_code == 201 for a in answers):
                break
            assert all(a.status_code in (201, 409) for a in answers)
            await asyncio.sleep(0.2)
        assert len({a.json()["id"] for a in answers}) == 1
        stored = db.all(select(Situation.id).where(Situation.reference > "2026-0030"))
        assert len(stored) == 1

        # Failed logins counted by one worker lock the name on the other.
        form = {"grant_type": "password", "username": world.coordinator_a.username}
        for n in range(4):
            await clients[n % 2].post("/api/v1/auth/token", data={**form, "password": "wrong"})
        for client in clients:
            locked = await client.post("/api/v1/auth/token", data={**form, "password": PASSWORD})
            assert locked.status_code == 429
        # Either worker's metrics page counts the requests both answered.
        for client in clients:
            page = (await client.get("/metrics")).text
            counted = next(
                line
                for line in page.splitlines()
                if line.startswith("bientraitance_http_requests_total")
                and 'route="/api/v1/situations"' in line
                and 'status="201"' in line
            )
            assert float(counted.rsplit(" ", 1)[1]) >= 31
    finally:
        for client in clients:
            await client.aclose()
