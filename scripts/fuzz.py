"""Schemathesis against the OpenAPI document, as each role: counts server errors and responses
that break the document.

It builds a database with two organisations, a few situations and one account for each role,
starts the real server, and runs `st run` once per role (and once without a token) with the
checks `not_a_server_error`, `response_schema_conformance`, `status_code_conformance` and
`content_type_conformance`. It prints, per role, the test cases sent and the failures found,
and exits 1 on any failure. `POST /api/v1/webhooks` is left out: the service resolves the
host name of a subscription's URL, and generated names would be looked up by the system's
resolver, off loopback (tests/webhooks/test_destinations.py attacks that operation).

    .venv/bin/python scripts/fuzz.py --max-examples 25
    bash scripts/with_postgres.sh sh -c \\
        '.venv/bin/python scripts/fuzz.py --database-url "$BIENTRAITANCE_DATABASE_URL"'

The database given is emptied first.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.auth import service as auth_service  # noqa: E402
from app.core import crypto  # noqa: E402
from app.core.db import make_engine, make_sessionmaker, transaction  # noqa: E402
from app.core.migrate import rebuild  # noqa: E402
from app.core.principal import Role  # noqa: E402
from app.organisations.models import Organisation, Site  # noqa: E402
from scripts import live  # noqa: E402

SECRET_KEY = "fuzz-" + "k" * 40
ENCRYPTION_KEYS = crypto.new_key_entry()
PASSWORD = "fuzzing password"  # noqa: S105
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,"
    "content_type_conformance"
)


def prepare(url: str) -> dict[str, tuple[str, str, str]]:
    """The database, and the credentials of each role: (grant, name, secret)."""
    rebuild(url)
    engine = make_engine(url)
    credentials: dict[str, tuple[str, str, str]] = {}
    with transaction(make_sessionmaker(engine)) as session:
        for code in ("MRE", "HSO"):
            organisation = Organisation(code=code, name=f"Organisation {code}")
            session.add(organisation)
            session.flush()
            session.add(Site(organisation_id=organisation.id, name=f"Site {code}"))
        for role, organisation_code in (
            (Role.ADMIN, None),
            (Role.DELEGATE, None),
            (Role.COORDINATOR, "MRE"),
        ):
            auth_service.create_person(
                session=session,
                principal=None,
                email=f"{role.value}@example.org",
                role=role,
                password=PASSWORD,
                organisation_code=organisation_code,
            )
            credentials[role.value] = ("password", f"{role.value}@example.org", PASSWORD)
        for role, organisation_code in ((Role.INTRANET, "MRE"), (Role.REPORTER, None)):
            account, secret = auth_service.create_client(
                session=session,
                principal=None,
                name=f"{role.value} client",
                role=role,
                organisation_code=organisation_code,
            )
            credentials[role.value] = ("client_credentials", account.username, secret)
    engine.dispose()
    return credentials


def token(base: str, grant: str, name: str, secret: str) -> str:
    form = (
        {"grant_type": grant, "username": name, "password": secret}
        if grant == "password"
        else {"grant_type": grant, "client_id": name, "client_secret": secret}
    )
    response = httpx.post(f"{base}/api/v1/auth/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


def seed_situations(base: str, delegate_token: str) -> None:
    headers = {"Authorization": f"Bearer {delegate_token}"}
    for organisation, severity in (("MRE", "red"), ("HSO", "orange"), ("MRE", "green")):
        body = {
            "organisation": organisation,
            "opened_on": "2026-02-01",
            "intake_typology": "M1",
            "severity": severity,
            "summary": "A situation for the fuzzing run.",
            "requester_kind": "staff",
        }
        httpx.post(f"{base}/api/v1/situations", json=body, headers=headers).raise_for_status()


def run_role(
    base: str, role: str, bearer: str | None, args: argparse.Namespace, reports: Path
) -> tuple[int, int, list[str]]:
    """(test cases, failures, failure descriptions) for one role."""
    report = reports / f"{role}.json"
    arguments = [
        shutil.which("st", path=str(Path(sys.executable).parent)) or "st",
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--generation-database",
        "none",
        "--report",
        "json,har",
        "--report-json-path",
        str(report),
        "--report-har-path",
        str(reports / f"{role}.har"),
        "--no-color",
        # Its URL's host name is resolved by the service (see the docstring).
        "--exclude-name",
        "POST /api/v1/webhooks",
    ]
    if bearer is not None:
        arguments += ["--header", f"Authorization: Bearer {bearer}"]
    # Run in the work folder: schemathesis keeps a cache where it runs.
    completed = subprocess.run(arguments, capture_output=True, text=True, check=False, cwd=reports)
    if not report.exists():
        raise RuntimeError(f"schemathesis gave no report for {role}:\n{completed.stdout[-3000:]}")
    data = json.loads(report.read_text())
    cases, failures, described = _summary(data)
    if completed.returncode != 0 and not failures:
        described.append(f"schemathesis exited {completed.returncode}: {completed.stdout[-2000:]}")
        failures = max(failures, 1)
    return cases, failures, described


def _summary(data: dict[str, Any]) -> tuple[int, int, list[str]]:
    """Test cases sent, test cases that failed a check, and what failed where."""
    cases = data["test_cases"]
    described = [
        f"{failure['title']} ({failure['count']}): {', '.join(failure['operations'])}"
        for failure in data.get("failures", [])
    ]
    return int(cases["generated"]), int(cases["with_failures"]), described


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="fuzz-"))
    url = args.database_url or f"sqlite:///{workdir}/fuzz.db"
    credentials = prepare(url)
    port = live.free_port()
    base = f"http://127.0.0.1:{port}"
    server = live.start(
        port,
        {
            "BIENTRAITANCE_DATABASE_URL": url,
            "BIENTRAITANCE_SECRET_KEY": SECRET_KEY,
            "BIENTRAITANCE_ENCRYPTION_KEYS": ENCRYPTION_KEYS,
            "BIENTRAITANCE_RATE_LIMIT_PER_MINUTE": "1000000",
            "BIENTRAITANCE_LOGIN_MAX_FAILURES": "1000000",
            "BIENTRAITANCE_LOGIN_ADDRESS_MAX_FAILURES": "1000000",
            "BIENTRAITANCE_LOG_LEVEL": "CRITICAL",
            # Generated subscriptions name any address: send nothing to them.
            "BIENTRAITANCE_WEBHOOKS_IN_PROCESS": "false",
        },
        cwd=workdir,
    )
    try:
        tokens = {role: token(base, *credentials[role]) for role in credentials}
        seed_situations(base, tokens["delegate"])
        print(f"schemathesis on {url.split(':')[0]}, {args.max_examples} examples an operation")
        print(f"{'role':>12} | {'test cases':>10} | {'failures':>8}")
        total_failures = 0
        for role, bearer in [("anonymous", None), *tokens.items()]:
            cases, failures, described = run_role(base, role, bearer, args, workdir)
            total_failures += failures
            print(f"{role:>12} | {cases:>10} | {failures:>8}", flush=True)
            for line in described[:20]:
                print(f"    {line[:400]}")
        print()
        print(f"server errors and schema violations: {total_failures}")
        return 0 if total_failures == 0 else 1
    finally:
        live.stop(server)


if __name__ == "__main__":
    sys.exit(main())
