"""Benchmarks of the annual statistics and of intake, printed side by side.

    python scripts/bench.py                    # SQLite, 100,000 then 1,000,000 situations
    python scripts/bench.py --sizes 100000 --repeat 5
    python scripts/bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

For each size it builds a database of synthetic situations spread over ten past years and
seven organisations, each one's life drawn as the demo draws it (`app.demo.story`: changes of
colour, reports, actions, year-end reviews and closures) and inserted straight as rows, then
measures over HTTP against the real server:

- the annual statistics endpoint (median and p95 of repeated calls), against the floor: the
  same figures from one hand-written SQL statement per year, on the same database;
- intake: situations created per second through POST /api/v1/situations (spread over 100
  delegates, each within the default rate limit), against a bare FastAPI + SQLAlchemy endpoint
  inserting the same row, with the same database settings. Both servers run side by side and
  are measured in alternating runs; each one's median is printed with its range, and the CPU a
  request cost the server's process, the database's and the whole machine (from /proc, on Linux);
- the server's resident memory, idle, after mixed requests, and once suppression has been asked;
- the caller's check that every request runs (account, token, rate limit), in-process, for
  accounts that made 100, 1,000 and the limit's worth of requests in the last minute.

THE DATABASE IT IS GIVEN IS EMPTIED. Without --database-url it uses a SQLite file in a
temporary folder.
"""

import argparse
import contextlib
import itertools
import json
import math
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy import insert, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages, `scripts` included

import app.models  # noqa: E402, F401  (every table known to the metadata, for the bare app too)
from app import demo  # noqa: E402
from app.audit import service as audit_service  # noqa: E402
from app.auth import service as auth_service  # noqa: E402
from app.core import crypto, security  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.core.errors import TooManyRequests  # noqa: E402
from app.core.migrate import rebuild  # noqa: E402
from app.core.principal import Role  # noqa: E402
from app.demo import Story  # noqa: E402
from app.organisations.models import Organisation  # noqa: E402
from app.situations.enums import Severity  # noqa: E402
from app.situations.models import (  # noqa: E402
    AuthorityReport,
    Closure,
    DelegateAction,
    ReferenceCounter,
    SeverityChange,
    Situation,
    YearEndReview,
)
from app.situations.service import reference_of  # noqa: E402
from scripts import live  # noqa: E402

SECRET_KEY = "bench-" + "k" * 40
ENCRYPTION_KEYS = crypto.new_key_entry()  # the narratives are encrypted, as in service
ORGANISATIONS = ["MRE", "HSO", "FDN", "CDH", "MSE", "ADD", "EPI"]
# What intake sends, besides the day and (to the service) the organisation.
INTAKE_BODY = {
    "intake_typology": "M1",
    "severity": "orange",
    "summary": "Benchmark intake.",
    "requester_kind": "staff",
}
CHUNK = 5_000
# Accounts that intake is spread over, as it comes from many delegates and intranets: each
# stays well under the default rate limit.
INTAKE_ACCOUNTS = 100

# ---------------------------------------------------------------------------------------------
# The floor: the same counts as the endpoint, from one statement per year written by hand.

FLOOR_SQL = """
WITH facts AS MATERIALIZED (
  SELECT s.id, s.organisation_id, s.intake_typology AS intake,
    COALESCE(
      (SELECT c.typology FROM closures c
        WHERE c.situation_id = s.id AND c.closed_on <= :year_end
          AND NOT EXISTS (SELECT 1 FROM reopenings r
                          WHERE r.closure_id = c.id AND r.reopened_on <= :year_end)
        ORDER BY c.closed_on DESC, c.id DESC LIMIT 1),
      (SELECT v.typology FROM year_end_reviews v
        WHERE v.situation_id = s.id AND v.year <= :year
        ORDER BY v.year DESC, v.reviewed_on DESC, v.id DESC LIMIT 1)) AS closure,
    COALESCE(
      (SELECT g.to_severity FROM severity_changes g
        WHERE g.situation_id = s.id AND g.changed_on <= :year_end
        ORDER BY g.changed_on DESC, g.id DESC LIMIT 1),
      s.initial_severity) AS severity_end,
    (SELECT MAX(CASE g.to_severity WHEN 'red' THEN 3 WHEN 'orange' THEN 2 ELSE 1 END)
       FROM severity_changes g
      WHERE g.situation_id = s.id AND g.changed_on <= :year_end) AS severity_max_change,
    CASE s.initial_severity WHEN 'red' THEN 3 WHEN 'orange' THEN 2 ELSE 1 END AS severity_initial,
    EXISTS (SELECT 1 FROM authority_reports a WHERE a.situation_id = s.id
            AND a.decision = 'reported' AND a.decided_on <= :year_end) AS reported,
    EXISTS (SELECT 1 FROM authority_reports a WHERE a.situation_id = s.id
            AND a.decision = 'not_reported' AND a.decided_on <= :year_end) AS not_reported
  FROM situations s WHERE s.opened_on BETWEEN :year_start AND :year_end
)
SELECT 'total', NULL, NULL, COUNT(*) FROM facts
UNION ALL SELECT 'intake', intake, NULL, COUNT(*) FROM facts GROUP BY intake
UNION ALL SELECT 'closure', closure, NULL, COUNT(*) FROM facts GROUP BY closure
UNION ALL SELECT 'requalification', intake, closure, COUNT(*) FROM facts
  WHERE closure IS NOT NULL AND closure <> intake GROUP BY intake, closure
UNION ALL SELECT 'organisation', CAST(organisation_id AS VARCHAR), NULL, COUNT(*)
  FROM facts GROUP BY organisation_id
UNION ALL SELECT 'severity_end', severity_end, NULL, COUNT(*) FROM facts GROUP BY severity_end
UNION ALL SELECT 'severity_max',
  CAST(CASE WHEN COALESCE(severity_max_change, 0) > severity_initial
            THEN severity_max_change ELSE severity_initial END AS VARCHAR), NULL, COUNT(*)
  FROM facts GROUP BY 2
UNION ALL SELECT 'report',
  CASE WHEN reported THEN 'reported' WHEN not_reported THEN 'decided_not_to_report'
       WHEN severity_end = 'red' THEN 'red_without_report' ELSE 'none' END, NULL, COUNT(*)
  FROM facts GROUP BY 2
UNION ALL SELECT 'authority', a.authority_code, NULL, COUNT(DISTINCT a.situation_id)
  FROM facts f JOIN authority_reports a ON a.situation_id = f.id
  WHERE a.decision = 'reported' AND a.decided_on <= :year_end
  GROUP BY a.authority_code
"""


# ---------------------------------------------------------------------------------------------
# The bare intake endpoint: validation, one insert, one commit.


class BareSituation(BaseModel):
    organisation_id: int
    opened_on: date
    intake_typology: str
    severity: str
    summary: str
    requester_kind: str
    created_by_id: int


def create_bare_app() -> FastAPI:
    crypto.install(crypto.load_keyring(Settings()))
    engine = make_engine(os.environ["BIENTRAITANCE_DATABASE_URL"])
    factory = make_sessionmaker(engine)
    # Negative, so as never to meet the service's own numbers; one server at a time.
    sequences = itertools.count(-1, -1)
    app = FastAPI()

    @app.post("/bare", status_code=201)
    def bare(data: BareSituation) -> dict[str, str]:
        situation_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        with factory.begin() as session:
            session.execute(
                insert(Situation),
                [
                    {
                        **data.model_dump(),
                        "id": situation_id,
                        "reference": situation_id[:16],
                        "year": data.opened_on.year,
                        "sequence": next(sequences),
                        "initial_severity": data.severity,
                        "status": "open",
                        "created_at": now,
                        "updated_at": now,
                        "version": 1,
                    }
                ],
            )
        return {"id": situation_id}

    return app


# ---------------------------------------------------------------------------------------------
# Building the database


def reset_database(url: str) -> None:
    rebuild(url)


def analyze(url: str) -> None:
    """Planner statistics for the freshly loaded tables, as a database in service has them (on
    PostgreSQL, vacuumed too, as autovacuum would have: index-only scans need it)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    engine.dispose()


def seed(url: str, total: int, first_year: int, rng: random.Random) -> dict[str, Any]:
    crypto.install(crypto.Keyring.parse(ENCRYPTION_KEYS))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        organisations = []
        for code in ORGANISATIONS:
            organisation = Organisation(code=code, name=f"Organisation {code}")
            session.add(organisation)
            organisations.append(organisation)
        session.flush()
        organisation_ids = {o.code: o.id for o in organisations}
        delegate_password = secrets.token_urlsafe(16)
        delegate = auth_service.create_person(
            session=session,
            principal=None,
            email="bench.delegate@example.org",
            role=Role.DELEGATE,
            password=delegate_password,
        )
        reporter, reporter_secret = auth_service.create_client(
            session=session, principal=None, name="bench reporter", role=Role.REPORTER
        )
        delegate_id = delegate.id
        # Intake comes from many delegates and intranets, each well within its rate limit.
        intake_accounts = [
            auth_service.create_person(
                session=session,
                principal=None,
                email=f"bench.intake{n}@example.org",
                role=Role.DELEGATE,
                password=delegate_password,
            ).id
            for n in range(INTAKE_ACCOUNTS)
        ]
        credentials = {
            "delegate": ("bench.delegate@example.org", delegate_password),
            "reporter": (reporter.username, reporter_secret),
        }
    per_year = total // 10
    closure_id = 0
    today = date.today()
    with factory() as session:
        for year in range(first_year, first_year + 10):
            rows: dict[str, list[dict[str, Any]]] = {
                "situations": [],
                "closures": [],
                "reviews": [],
                "changes": [],
                "reports": [],
                "actions": [],
            }
            for sequence in range(1, per_year + 1):
                told = demo.story(rng, year=year, today=today, organisations=ORGANISATIONS)
                closure_id = _story(
                    rows,
                    told,
                    (year, sequence),
                    organisation_ids[told.organisation],
                    delegate_id,
                    closure_id,
                )
                if len(rows["situations"]) >= CHUNK:
                    _flush(session, rows)
            _flush(session, rows)
            session.execute(insert(ReferenceCounter), [{"year": year, "last_value": per_year}])
            session.commit()
        if engine.dialect.name == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('closures', 'id'), :v)"),
                {"v": max(closure_id, 1)},
            )
            session.commit()
    engine.dispose()
    return {
        "credentials": credentials,
        "organisation_ids": organisation_ids,
        "delegate_id": delegate_id,
        "intake_accounts": intake_accounts,
    }


def _story(
    rows: dict[str, list[dict[str, Any]]],
    told: Story,
    reference: tuple[int, int],
    organisation_id: int,
    account_id: int,
    closure_id: int,
) -> int:
    """The rows of a situation whose life `demo.story` drew, as the services would write
    them; returns the last closure id used."""
    situation_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    record = {"situation_id": situation_id, "recorded_by_id": account_id, "recorded_at": now}
    if told.turned_red_on is not None:
        rows["changes"].append(
            {
                **record,
                "from_severity": told.severity,
                "to_severity": Severity.RED,
                "changed_on": told.turned_red_on,
                "reason": "Reassessed.",
            }
        )
    if told.report is not None:
        reported = told.report.authority is not None
        rows["reports"].append(
            {
                **record,
                "decision": "reported" if reported else "not_reported",
                "authority_code": told.report.authority,
                "decided_on": told.report.decided_on,
                "justification": None if reported else "Already known.",
                "details": None,
            }
        )
    if told.action is not None:
        rows["actions"].append(
            {
                **record,
                "kind": told.action.kind,
                "occurred_on": told.action.occurred_on,
                "duration_minutes": told.action.minutes,
                "note": None,
            }
        )
    for year, typology in told.reviews:
        rows["reviews"].append(
            {
                **record,
                "year": year,
                "reviewed_on": date(year, 12, 31),
                "typology": typology,
                "note": None,
            }
        )
    current_closure = None
    if told.closure is not None:
        closure_id += 1
        closed_on, typology = told.closure
        rows["closures"].append(
            {
                **record,
                "id": closure_id,
                "closed_on": closed_on,
                "typology": typology,
                "outcome": "Closed.",
            }
        )
        current_closure = closure_id
    year, sequence = reference
    rows["situations"].append(
        {
            "id": situation_id,
            "reference": reference_of(year, sequence),
            "year": year,
            "sequence": sequence,
            "organisation_id": organisation_id,
            "site_id": None,
            "opened_on": told.opened_on,
            "intake_typology": told.code,
            "initial_severity": told.severity,
            "severity": told.severity_now,
            "status": "closed" if current_closure else "open",
            "report_decided": told.report is not None,
            "requester_kind": told.requester_kind,
            "age_group": told.age_group,
            "summary": "Synthetic situation.",
            "current_closure_id": None,
            "created_by_id": account_id,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "_closure": current_closure,
        }
    )
    return closure_id


def _flush(session: Session, rows: dict[str, list[dict[str, Any]]]) -> None:
    situations = rows["situations"]
    closures = {s["id"]: s.pop("_closure") for s in situations}
    if situations:
        session.execute(insert(Situation), situations)
    for model, key in (
        (Closure, "closures"),
        (YearEndReview, "reviews"),
        (SeverityChange, "changes"),
        (AuthorityReport, "reports"),
        (DelegateAction, "actions"),
    ):
        if rows[key]:
            session.execute(insert(model), rows[key])
    pairs = [{"sid": sid, "cid": cid} for sid, cid in closures.items() if cid]
    if pairs:
        session.connection().execute(
            text("UPDATE situations SET current_closure_id = :cid WHERE id = :sid"), pairs
        )
    for key in rows:
        rows[key] = []


# ---------------------------------------------------------------------------------------------
# Measuring


@dataclass(frozen=True)
class Served:
    base: str
    pid: int


@contextmanager
def server(url: str, target: str, factory: bool = False) -> Iterator[Served]:
    port = live.free_port()
    process = live.start(
        port,
        {
            "BIENTRAITANCE_DATABASE_URL": url,
            "BIENTRAITANCE_SECRET_KEY": SECRET_KEY,
            "BIENTRAITANCE_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
            "BIENTRAITANCE_LOG_LEVEL": "WARNING",
        },
        target=target,
        factory=factory,
        ready_path="/docs" if factory else "/healthz",
    )
    try:
        yield Served(f"http://127.0.0.1:{port}", process.pid)
    finally:
        live.stop(process)


def timings(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm caches and connections
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def measure_statistics(
    url: str, base: str, credentials: tuple[str, str], year: int, repeat: int
) -> dict[str, float]:
    with httpx.Client(base_url=base, timeout=600) as client:
        headers = {"Authorization": f"Bearer {_reporter_token(client, credentials)}"}

        def endpoint() -> None:
            response = client.get(f"/api/v1/statistics/annual/{year}", headers=headers)
            response.raise_for_status()

        endpoint_median, endpoint_p95 = timings(endpoint, repeat)
    engine = make_engine(url)
    years = [
        {"year": y, "year_start": date(y, 1, 1), "year_end": date(y, 12, 31)}
        for y in (year, year - 1)
    ]
    with engine.connect() as connection:

        def floor() -> None:
            for parameters in years:
                connection.execute(text(FLOOR_SQL), parameters).all()
            connection.rollback()

        floor_median, floor_p95 = timings(floor, repeat)
    engine.dispose()
    return {
        "endpoint_median": endpoint_median,
        "endpoint_p95": endpoint_p95,
        "floor_median": floor_median,
        "floor_p95": floor_p95,
    }


def _reporter_token(client: httpx.Client, credentials: tuple[str, str]) -> str:
    token: str = client.post(
        "/api/v1/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": credentials[0],
            "client_secret": credentials[1],
        },
    ).json()["access_token"]
    return token


def measure_filing_while_counting(
    base: str, seeded: dict[str, Any], year: int, calls: int
) -> dict[str, float]:
    """How long filing a situation takes while the annual statistics are being counted: one
    client files a situation every 20 ms while `calls` statistics calls run one after the
    other; the creations sent during a call are the ones that count."""
    settings = Settings(secret_key=SECRET_KEY)
    token = security.create_access_token(
        settings=settings,
        account_id=seeded["intake_accounts"][0],
        token_version=0,
        role=Role.DELEGATE.value,
    )[0]
    payload = json.dumps(
        {**INTAKE_BODY, "opened_on": date.today().isoformat(), "organisation": ORGANISATIONS[0]}
    ).encode()
    sent: list[tuple[float, float]] = []
    done = threading.Event()

    def file_situations() -> None:
        connection = HTTPConnection(urlsplit(base).netloc, timeout=600)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        while not done.is_set():
            start = time.perf_counter()
            connection.request("POST", "/api/v1/situations", body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 201:
                raise RuntimeError(f"intake: {response.status}")
            sent.append((start, time.perf_counter()))
            time.sleep(0.02)

    windows: list[tuple[float, float]] = []
    with httpx.Client(base_url=base, timeout=600) as client:
        headers = {
            "Authorization": f"Bearer {_reporter_token(client, seeded['credentials']['reporter'])}"
        }
        filer = threading.Thread(target=file_situations)
        filer.start()
        try:
            time.sleep(0.5)
            for _ in range(calls):
                start = time.perf_counter()
                client.get(f"/api/v1/statistics/annual/{year}", headers=headers).raise_for_status()
                windows.append((start, time.perf_counter()))
        finally:
            done.set()
            filer.join()
    during = sorted(end - start for start, end in sent if any(a <= start <= b for a, b in windows))
    return {
        "created": len(during),
        "median": statistics.median(during) if during else math.nan,
        "slowest": during[-1] if during else math.nan,
        "counting": sum(b - a for a, b in windows),
    }


def _rss_mb(pid: int) -> float:
    """The process's resident memory, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def measure_memory(
    served: Served, seeded: dict[str, Any], year: int, requests: int
) -> dict[str, float]:
    """The server's resident memory: idle, after `requests` mixed requests of a delegate and a
    reporter (intake, a change of colour, reads, lists, histories, statistics without
    suppression), then after one statistics call with suppression."""
    settings = Settings(secret_key=SECRET_KEY)
    idle = _rss_mb(served.pid)
    accounts = itertools.cycle(seeded["intake_accounts"])
    tokens = {
        account_id: security.create_access_token(
            settings=settings, account_id=account_id, token_version=0, role=Role.DELEGATE.value
        )[0]
        for account_id in seeded["intake_accounts"]
    }
    body = {**INTAKE_BODY, "opened_on": date.today().isoformat(), "organisation": ORGANISATIONS[0]}
    with httpx.Client(base_url=served.base, timeout=600) as client:
        reporter = {
            "Authorization": f"Bearer {_reporter_token(client, seeded['credentials']['reporter'])}"
        }
        situation_id = ""
        for n in range(requests):
            headers = {"Authorization": f"Bearer {tokens[next(accounts)]}"}
            kind = n % 10
            if kind in (0, 1, 2) or not situation_id:
                response = client.post("/api/v1/situations", json=body, headers=headers)
                situation_id = response.json()["id"]
            elif kind == 3:
                response = client.post(
                    f"/api/v1/situations/{situation_id}/severity-changes",
                    json={"severity": "red", "reason": "Benchmark."},
                    headers=headers,
                )
            elif kind in (4, 5):
                response = client.get(f"/api/v1/situations/{situation_id}", headers=headers)
            elif kind in (6, 7):
                response = client.get("/api/v1/situations", params={"limit": 50}, headers=headers)
            elif kind == 8:
                response = client.get(f"/api/v1/situations/{situation_id}/history", headers=headers)
            elif n % 100 == 9:
                response = client.get(f"/api/v1/statistics/annual/{year}", headers=reporter)
            else:
                response = client.get("/api/v1/typologies", headers=headers)
            response.raise_for_status()
        mixed = _rss_mb(served.pid)
        client.get(
            f"/api/v1/statistics/annual/{year}", params={"suppress_below": 5}, headers=reporter
        ).raise_for_status()
        suppressed = _rss_mb(served.pid)
    return {"idle": idle, "mixed": mixed, "suppressed": suppressed}


def measure_caller_check(url: str, counts: list[int], repeat: int) -> list[dict[str, float]]:
    """The caller's check that every authenticated request runs (the account, its token, its
    requests of the last minute against the rate limit), timed in-process, for accounts that
    made `counts` audited requests in the last minute. It should not grow with them."""
    settings = Settings(secret_key=SECRET_KEY)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    results = []
    for count in counts:
        with factory.begin() as session:
            account = auth_service.create_person(
                session=session,
                principal=None,
                email=f"bench.busy{count}@example.org",
                role=Role.DELEGATE,
                password=secrets.token_urlsafe(16),
            )
            principal = auth_service.to_principal(account)
            for _ in range(count):
                audit_service.record(
                    session=session, principal=principal, action="situation.read", object_type="x"
                )
        token = security.create_access_token(
            settings=settings, account_id=principal.account_id, token_version=0, role="delegate"
        )[0]

        def check(token: str = token) -> None:
            # An account at the limit is refused after the same statement.
            with factory() as session, contextlib.suppress(TooManyRequests):
                auth_service.authenticate_token(session=session, settings=settings, token=token)

        median, p95 = timings(check, repeat)
        results.append({"count": count, "median": median, "p95": p95})
    engine.dispose()
    return results


@dataclass(frozen=True)
class Cpu:
    """CPU seconds used so far, read from /proc (Linux): by the server's process, by the
    database's processes (every PostgreSQL process of the machine; SQLite works inside the
    server's process) and by the whole machine, the load generator included."""

    service: float
    database: float
    machine: float

    def __sub__(self, other: "Cpu") -> "Cpu":
        return Cpu(
            self.service - other.service,
            self.database - other.database,
            self.machine - other.machine,
        )


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_cpu(pid: int | str) -> float:
    # utime and stime, the 14th and 15th fields, after the command's name in parentheses.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def cpu_now(server_pid: int, postgres: bool) -> Cpu | None:
    if not Path("/proc/stat").exists():
        return None
    database = 0.0
    if postgres:
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                    database += _process_cpu(entry.name)
            except OSError:  # gone meanwhile
                continue
    times = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(times) - times[3] - times[4]  # all but idle and iowait
    return Cpu(_process_cpu(server_pid), database, busy / _TICKS)


@dataclass(frozen=True)
class Intake:
    """Requests a second of each run, and the CPU a request cost in it."""

    ours: list[float]
    bare: list[float]
    ours_cpu: list[Cpu]
    bare_cpu: list[Cpu]


def measure_intake(
    url: str, seeded: dict[str, Any], requests: int, workers: int, rounds: int
) -> Intake:
    """Requests a second of each endpoint in `rounds` alternating runs: both servers run side
    by side, so that a slower moment of the machine falls on both alike. With each run, the CPU
    a request cost (see `Cpu`), where /proc tells it."""
    body = {**INTAKE_BODY, "opened_on": date.today().isoformat()}
    bare_body = {
        **body,
        "organisation_id": seeded["organisation_ids"][ORGANISATIONS[0]],
        "created_by_id": seeded["delegate_id"],
    }
    postgres = url.startswith("postgresql")
    runs = Intake([], [], [], [])
    with (
        server(url, "app.asgi:app") as ours_server,
        server(url, "scripts.bench:create_bare_app", factory=True) as bare_server,
    ):
        settings = Settings(secret_key=SECRET_KEY)
        tokens = [
            security.create_access_token(
                settings=settings, account_id=account_id, token_version=0, role=Role.DELEGATE.value
            )[0]
            for account_id in seeded["intake_accounts"]
        ]
        headers: list[dict[str, str]] = [{"Authorization": f"Bearer {t}"} for t in tokens]
        endpoints: dict[str, tuple[Served, str, dict[str, Any], list[dict[str, str]]]] = {
            "ours": (
                ours_server,
                "/api/v1/situations",
                {**body, "organisation": ORGANISATIONS[0]},
                headers,
            ),
            "bare": (bare_server, "/bare", bare_body, [{}]),
        }
        sent = requests + min(50, requests)  # with the warm-up
        for _ in range(rounds):
            for name, (served, path, payload, sent_with) in endpoints.items():
                before = cpu_now(served.pid, postgres)
                getattr(runs, name).append(
                    _throughput(served.base, path, payload, sent_with, requests, workers)
                )
                after = cpu_now(served.pid, postgres)
                if before is not None and after is not None:
                    used = after - before
                    getattr(runs, f"{name}_cpu").append(
                        Cpu(used.service / sent, used.database / sent, used.machine / sent)
                    )
    return runs


def _throughput(
    base: str,
    path: str,
    body: dict[str, Any],
    headers: list[dict[str, str]],
    requests: int,
    workers: int,
) -> float:
    """Requests a second, the n-th request sent with the n-th headers in turn. Each client
    thread keeps one connection open; the standard library's client costs the shared cores
    less than httpx, so that the load generator is less of a ceiling."""
    local = threading.local()
    address = urlsplit(base)
    payload = json.dumps(body).encode()

    def one(n: int) -> None:
        if not hasattr(local, "connection"):
            local.connection = HTTPConnection(address.netloc, timeout=60)
        local.connection.request(
            "POST",
            path,
            body=payload,
            headers={"Content-Type": "application/json", **headers[n % len(headers)]},
        )
        response = local.connection.getresponse()
        answer = response.read()
        if response.status != 201:
            raise RuntimeError(f"{path}: {response.status} {answer[:200]!r}")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(min(50, requests))))  # warm up
        start = time.perf_counter()
        list(pool.map(one, range(requests)))
        return requests / (time.perf_counter() - start)


def _rate(median: float, runs: list[float]) -> str:
    return f"{median:.0f} req/s ({min(runs):.0f}-{max(runs):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument(
        "--sizes", default="100000,1000000", help="total situations, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=15, help="calls per latency measurement")
    parser.add_argument("--intake-requests", type=int, default=1000)
    parser.add_argument("--intake-workers", type=int, default=4)
    parser.add_argument(
        "--intake-rounds", type=int, default=5, help="alternating runs of each endpoint"
    )
    parser.add_argument(
        "--memory-requests", type=int, default=2000, help="mixed requests before reading the RSS"
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="bientraitance-bench-")
    first_year = date.today().year - 10
    year = first_year + 8
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        url = args.database_url or f"sqlite:///{workdir}/bench-{size}.db"
        print(f"== {size:,} situations on {url.split(':')[0]}: building…", flush=True)
        start = time.perf_counter()
        reset_database(url)
        seeded = seed(url, size, first_year, random.Random(args.seed))
        analyze(url)
        print(f"   built in {time.perf_counter() - start:.0f} s; measuring…", flush=True)
        with server(url, "app.asgi:app") as served:
            base = served.base
            stats = measure_statistics(
                url, base, seeded["credentials"]["reporter"], year, args.repeat
            )
            overlap = measure_filing_while_counting(base, seeded, year, calls=3)
            memory = measure_memory(served, seeded, year, args.memory_requests)
        intake = measure_intake(
            url, seeded, args.intake_requests, args.intake_workers, args.intake_rounds
        )
        results.append((size, stats, intake, overlap, memory))
    # On the last database built: the check reads the audit trail, not the situations.
    busy = [100, 1000, Settings().rate_limit_per_minute]
    callers = measure_caller_check(url, busy, max(args.repeat, 200))
    print()
    print(f"Annual statistics for {year} (compared with {year - 1}), {args.repeat} calls each")
    print(
        f"{'situations':>12} {'per year':>9} | {'endpoint median':>15} {'p95':>8} | "
        f"{'floor median':>12} {'p95':>8} | {'ratio':>5} | {'µs / situation':>14}"
    )
    for size, stats, _, _, _ in results:
        ratio = stats["endpoint_median"] / stats["floor_median"]
        per_year = size // 10
        print(
            f"{size:>12,} {per_year:>9,} | {stats['endpoint_median'] * 1000:>12.0f} ms "
            f"{stats['endpoint_p95'] * 1000:>5.0f} ms | {stats['floor_median'] * 1000:>9.0f} ms "
            f"{stats['floor_p95'] * 1000:>5.0f} ms | {ratio:>5.2f} | "
            f"{stats['endpoint_median'] * 1e6 / (2 * per_year):>14.1f}"
        )
    print()
    print(
        f"Intake over HTTP, {args.intake_requests} requests, "
        f"{args.intake_workers} concurrent clients: median of {args.intake_rounds} "
        "alternating runs (lowest-highest)"
    )
    print(f"{'situations':>12} | {'POST /situations':>24} | {'bare insert':>24} | {'ratio':>5}")
    for size, _, intake, _, _ in results:
        ours, bare = statistics.median(intake.ours), statistics.median(intake.bare)
        print(
            f"{size:>12,} | {_rate(ours, intake.ours):>24} | "
            f"{_rate(bare, intake.bare):>24} | {ours / bare:>5.2f}"
        )
    postgres = (args.database_url or "").startswith("postgresql")
    if all(intake.ours_cpu and intake.bare_cpu for _, _, intake, _, _ in results):
        print()
        print(
            "CPU a request, median of the same runs: the server's process, the database's "
            "processes (on SQLite, inside the server's), the whole machine"
        )
        print(
            f"{'situations':>12} | {'endpoint':>16} | {'server':>8} | {'database':>8} | "
            f"{'machine':>8}"
        )
        for size, _, intake, _, _ in results:
            for name, label in (("ours", "POST /situations"), ("bare", "bare insert")):
                cpu: list[Cpu] = getattr(intake, f"{name}_cpu")
                database = statistics.median(c.database for c in cpu) if postgres else None
                print(
                    f"{size:>12,} | {label:>16} | "
                    f"{statistics.median(c.service for c in cpu) * 1e6:>5.0f} µs | "
                    + (f"{database * 1e6:>5.0f} µs" if database is not None else f"{'-':>8}")
                    + f" | {statistics.median(c.machine for c in cpu) * 1e6:>5.0f} µs"
                )
    print()
    print(
        "Filing while the statistics are counted: one client files a situation every 20 ms "
        "during 3 statistics calls"
    )
    print(f"{'situations':>12} | {'counting':>9} | {'filed':>5} | {'median':>7} | {'slowest':>7}")
    for size, _, _, overlap, _ in results:
        print(
            f"{size:>12,} | {overlap['counting']:>7.1f} s | {overlap['created']:>5.0f} | "
            f"{overlap['median'] * 1000:>4.0f} ms | {overlap['slowest'] * 1000:>4.0f} ms"
        )
    print()
    print(
        f"The server's resident memory (RSS): idle, after {args.memory_requests} mixed requests, "
        "then after one statistics call with suppression (solver loaded)"
    )
    print(f"{'situations':>12} | {'idle':>7} | {'mixed':>7} | {'suppression':>11}")
    for size, _, _, _, memory in results:
        print(
            f"{size:>12,} | {memory['idle']:>4.0f} MB | {memory['mixed']:>4.0f} MB | "
            f"{memory['suppressed']:>8.0f} MB"
        )
    print()
    print(
        "The caller's check that every request runs, with the account's audited requests of "
        f"the last minute (limit {busy[-1]:,}), {max(args.repeat, 200)} calls each"
    )
    print(f"{'in the last minute':>20} | {'median':>8} | {'p95':>8}")
    for caller in callers:
        print(
            f"{caller['count']:>20,} | {caller['median'] * 1e6:>5.0f} µs | "
            f"{caller['p95'] * 1e6:>5.0f} µs"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
