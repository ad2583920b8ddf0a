"""Kill the server in the middle of concurrent writes, restart it, retry, and count the damage.

Each run starts the real server (uvicorn, one process) on the database, sends situations from
concurrent clients, each with its own Idempotency-Key, kills the server with SIGKILL after a
random moment, restarts it, and retries every request that was not acknowledged (same key,
same body). Then it checks, over everything sent so far:

- acknowledged writes lost: a 201 was received, and the situation is not in the database;
- duplicates: one request (one key) stored more than once;
- integrity: SQLite's integrity and foreign-key checks (on PostgreSQL: the foreign keys by
  query), references unique and without gaps within each year, and the audit trail's chain.

    .venv/bin/python scripts/crash_test.py --runs 20 --seed 7
    bash scripts/with_postgres.sh sh -c \
        '.venv/bin/python scripts/crash_test.py --database-url "$BIENTRAITANCE_DATABASE_URL"'

The target over 20 runs: 0 lost, 0 duplicates, integrity ok. The database is emptied first.
"""

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.audit import chain  # noqa: E402
from app.auth import service as auth_service  # noqa: E402
from app.core import crypto  # noqa: E402
from app.core.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from app.core.migrate import rebuild  # noqa: E402
from app.core.principal import Role  # noqa: E402
from app.organisations.models import Organisation  # noqa: E402
from app.situations.models import Situation  # noqa: E402
from scripts import live  # noqa: E402

SECRET_KEY = "crash-test-" + "k" * 40
ENCRYPTION_KEYS = crypto.new_key_entry()
PASSWORD = "crash test password"  # noqa: S105


@dataclass
class Sent:
    key: str
    body: dict[str, Any]
    acknowledged_id: str | None = None


@dataclass
class Tally:
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    return live.start(
        port,
        {
            "BIENTRAITANCE_DATABASE_URL": url,
            "BIENTRAITANCE_SECRET_KEY": SECRET_KEY,
            "BIENTRAITANCE_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
            "BIENTRAITANCE_RATE_LIMIT_PER_MINUTE": "1000000",
            "BIENTRAITANCE_LOG_LEVEL": "CRITICAL",
        },
    )


def prepare(url: str) -> None:
    rebuild(url)
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        session.add(Organisation(code="MRE", name="Maison relais Est"))
        session.flush()
        auth_service.create_person(
            session=session,
            principal=None,
            email="delegate@example.org",
            role=Role.DELEGATE,
            password=PASSWORD,
        )
    engine.dispose()


def token(base: str) -> str:
    response = httpx.post(
        f"{base}/api/v1/auth/token",
        data={"grant_type": "password", "username": "delegate@example.org", "password": PASSWORD},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


def send(client: httpx.Client, headers: dict[str, str], item: Sent) -> bool:
    """True when the server acknowledged the creation."""
    try:
        response = client.post(
            "/api/v1/situations", json=item.body, headers={**headers, "Idempotency-Key": item.key}
        )
    except httpx.TransportError:
        return False
    if response.status_code == 201:
        item.acknowledged_id = response.json()["id"]
        return True
    if response.status_code == 409:  # the same key still being processed: retry later
        return False
    raise RuntimeError(f"unexpected answer {response.status_code}: {response.text[:200]}")


def one_run(url: str, tally: Tally, rng: random.Random, run: int, clients: int) -> int:
    """Write until the server is killed; restart; retry. Returns how many were unacknowledged."""
    port = live.free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(url, port)
    headers = {"Authorization": f"Bearer {token(base)}"}
    dead = threading.Event()

    def writer(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while not dead.is_set():
                n += 1
                item = Sent(
                    key=str(uuid.uuid4()),
                    body={
                        "organisation": "MRE",
                        "opened_on": "2026-01-15",
                        "intake_typology": "M1",
                        "severity": "orange",
                        "summary": f"crash run {run} worker {worker} request {n}",
                        "requester_kind": "staff",
                    },
                )
                with tally.lock:
                    tally.sent.append(item)
                if not send(client, headers, item):
                    return

    with ThreadPoolExecutor(clients) as pool:
        futures = [pool.submit(writer, w) for w in range(clients)]
        time.sleep(rng.uniform(0.05, 0.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        dead.set()
        for future in futures:
            future.result()

    pending = [s for s in tally.sent if s.acknowledged_id is None]
    process = start_server(url, port)
    try:
        headers = {"Authorization": f"Bearer {token(base)}"}
        with httpx.Client(base_url=base, timeout=30) as client:
            for item in pending:
                for _ in range(20):
                    if send(client, headers, item):
                        break
                    time.sleep(0.1)
                else:
                    raise RuntimeError(f"request {item.key} never acknowledged after restart")
    finally:
        process.terminate()
        process.wait()
    return len(pending)


def check(url: str, tally: Tally) -> tuple[int, int, list[str]]:
    """Acknowledged writes lost, duplicates, and the integrity problems found."""
    crypto.install(crypto.Keyring.parse(ENCRYPTION_KEYS))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    problems: list[str] = []
    with factory() as session:
        stored = {s.id: s for s in session.scalars(select(Situation))}
        summaries = Counter(s.summary for s in stored.values())
        if engine.dialect.name == "sqlite":
            integrity = session.execute(text("PRAGMA integrity_check")).scalar()
            if integrity != "ok":
                problems.append(f"integrity_check: {integrity}")
            if session.execute(text("PRAGMA foreign_key_check")).first() is not None:
                problems.append("foreign_key_check: dangling references")
        else:
            dangling = session.scalar(
                text(
                    "SELECT count(*) FROM situations s"
                    " LEFT JOIN organisations o ON o.id = s.organisation_id WHERE o.id IS NULL"
                )
            )
            if dangling:
                problems.append(f"{dangling} situations without their organisation")
        duplicated_references = session.scalar(
            select(func.count()).select_from(
                select(Situation.reference)
                .group_by(Situation.reference)
                .having(func.count() > 1)
                .subquery()
            )
        )
        if duplicated_references:
            problems.append(f"{duplicated_references} references given twice")
        sequences = sorted(s.sequence for s in stored.values())
        if sequences != list(range(1, len(sequences) + 1)):
            problems.append("reference numbers have gaps")
    verdict = chain.verify(factory)
    problems.extend(f"audit chain: {p}" for p in verdict.problems)
    engine.dispose()
    lost = sum(1 for s in tally.sent if s.acknowledged_id and s.acknowledged_id not in stored)
    duplicates = sum(count - 1 for count in summaries.values() if count > 1)
    return lost, duplicates, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8, help="concurrent writers")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='crash-')}/crash.db"
    rng = random.Random(args.seed)
    prepare(url)
    tally = Tally()
    print(f"{args.runs} runs on {url.split(':')[0]}, {args.clients} clients, seed {args.seed}")
    for run in range(1, args.runs + 1):
        retried = one_run(url, tally, rng, run, args.clients)
        lost, duplicates, problems = check(url, tally)
        acknowledged = sum(1 for s in tally.sent if s.acknowledged_id)
        print(
            f"run {run:>2}: {len(tally.sent):>5} sent, {retried:>2} retried after the kill; "
            f"lost {lost}, duplicates {duplicates}, "
            f"integrity {'ok' if not problems else '; '.join(problems)} "
            f"({acknowledged} acknowledged in all)",
            flush=True,
        )
    lost, duplicates, problems = check(url, tally)
    print()
    print(f"acknowledged writes lost: {lost}")
    print(f"duplicates:               {duplicates}")
    print(f"integrity:                {'ok' if not problems else '; '.join(problems)}")
    return 0 if (lost, duplicates, problems) == (0, 0, []) else 1


if __name__ == "__main__":
    sys.exit(main())
