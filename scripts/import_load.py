"""Whether a large spreadsheet import holds up the people filing situations meanwhile.

    python scripts/import_load.py                  # SQLite, 10,000 rows
    python scripts/import_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

It builds a register (seven organisations, `--register` situations over ten past years, as
`bench.py` does), writes a spreadsheet of `--rows` situations of this year drawn as the demo
draws them (some reported, most closed), and serves the register on loopback. Four delegates
then file situations through POST /api/v1/situations, each one every 100 ms: first with nothing
else going on, then while `bientraitance import situations` checks the spreadsheet
(`--dry-run`), then while it imports it. It prints the filing latencies of each phase (median,
p95, p99, slowest), the answers that were not 201, and how long the import took.

THE DATABASE IT IS GIVEN IS EMPTIED. Without --database-url it uses a SQLite file in a temporary
folder.
"""

import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages, `scripts` included

from app import demo  # noqa: E402
from app.core import security  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.principal import Role  # noqa: E402
from scripts import bench  # noqa: E402

FILERS = 4
PAUSE = 0.1


@dataclass
class Filed:
    """The filings sent within a phase: how long each took, and the answers' statuses."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[round(0.95 * (len(ordered) - 1))]

    def line(self, name: str) -> str:
        ordered = sorted(self.latencies)

        def at(share: float) -> float:
            return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000

        failed = {s: n for s, n in self.statuses.items() if s != 201}
        median = statistics.median(ordered) * 1000
        return (
            f"{name:<18} {len(ordered):>6} filed   median {median:6.1f} ms   p95 {at(0.95):6.1f} ms"
            f"   p99 {at(0.99):7.1f} ms   slowest {ordered[-1] * 1000:7.1f} ms"
            f"   not 201: {failed or 'none'}"
        )


class Filers:
    """Delegates filing situations, each one every `PAUSE` seconds, until stopped: what each
    filing took is kept with the moment it was sent."""

    def __init__(self, base: str, tokens: list[str]) -> None:
        self.sent: list[tuple[float, float, int]] = []  # (sent at, took, status)
        self._going = threading.Event()
        self._going.set()
        self._threads = [
            threading.Thread(target=self._file, args=(base, token)) for token in tokens
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._going.clear()
        for thread in self._threads:
            thread.join()

    def within(self, start: float, end: float) -> Filed:
        filed = Filed()
        for sent_at, took, status in list(self.sent):
            if start <= sent_at <= end:
                filed.latencies.append(took)
                filed.statuses[status] += 1
        return filed

    def _file(self, base: str, token: str) -> None:
        body = json.dumps(
            {**bench.INTAKE_BODY, "opened_on": date.today().isoformat(), "organisation": "MRE"}
        ).encode()
        connection = HTTPConnection(urlsplit(base).netloc, timeout=600)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        while self._going.is_set():
            start = time.perf_counter()
            connection.request("POST", "/api/v1/situations", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            self.sent.append((start, time.perf_counter() - start, response.status))
            time.sleep(PAUSE)


def write_spreadsheet(path: Path, rows: int, rng: random.Random) -> None:
    today = date.today()
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            [
                "Organisme", "Date d'ouverture", "Typologie", "Couleur", "Résumé", "Demandeur",
                "Âge", "Signalement", "Autorité", "Date du signalement", "Justification",
                "Date de clôture", "Typologie de clôture", "Issue",
            ]
        )  # fmt: skip
        for n in range(rows):
            story = demo.story(rng, year=today.year, today=today, organisations=bench.ORGANISATIONS)
            report = story.report
            closure = story.closure
            writer.writerow(
                [
                    story.organisation,
                    story.opened_on.strftime("%d/%m/%Y"),
                    story.code,
                    story.severity.value,
                    f"Situation importée n° {n} (fictive).",
                    story.requester_kind,
                    story.age_group or "",
                    ("oui" if report.authority else "non") if report else "",
                    report.authority or "" if report else "",
                    report.decided_on.strftime("%d/%m/%Y") if report else "",
                    "" if report is None or report.authority else "Décision de l'équipe.",
                    closure[0].strftime("%d/%m/%Y") if closure else "",
                    closure[1] if closure else "",
                    demo.CLOSED if closure else "",
                ]
            )


def run(arguments: list[str], environment: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from app.cli import main; main()", *arguments],
        env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the import failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    return time.perf_counter() - start, done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--register", type=int, default=10_000)
    parser.add_argument("--idle-seconds", type=float, default=10)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/import-load.db"
        rng = random.Random(2026)
        bench.reset_database(url)
        seeded = bench.seed(url, options.register, date.today().year - 10, rng)
        bench.analyze(url)
        spreadsheet = Path(folder) / "register.csv"
        write_spreadsheet(spreadsheet, options.rows, rng)
        settings = Settings(secret_key=bench.SECRET_KEY)
        tokens = [
            security.create_access_token(
                settings=settings, account_id=account, token_version=0, role=Role.DELEGATE.value
            )[0]
            for account in seeded["intake_accounts"][:FILERS]
        ]
        environment = {
            "BIENTRAITANCE_DATABASE_URL": url,
            "BIENTRAITANCE_SECRET_KEY": bench.SECRET_KEY,
            "BIENTRAITANCE_ENCRYPTION_KEYS": bench.ENCRYPTION_KEYS,
        }
        importing = ["import", "situations", str(spreadsheet), "--as", "bench.delegate@example.org"]
        print(f"{url.split(':')[0]}: {options.register} situations, {options.rows} rows to import")
        results: dict[str, Filed] = {}
        durations: dict[str, tuple[float, str]] = {}
        with bench.server(url, "app.asgi:app") as served:
            filers = Filers(served.base, tokens)
            try:
                time.sleep(1)  # under way
                start = time.perf_counter()
                time.sleep(options.idle_seconds)
                results["idle"] = filers.within(start, time.perf_counter())
                for name, command in (
                    ("during the check", [*importing, "--dry-run"]),
                    ("during the import", importing),
                ):
                    start = time.perf_counter()
                    durations[name] = run(command, environment)
                    results[name] = filers.within(start, time.perf_counter())
                    time.sleep(1)
            finally:
                filers.stop()
        for name, filed in results.items():
            print(filed.line(name))
        for name, (seconds, said) in durations.items():
            print(f"{name:<22} took {seconds:6.1f} s: {said}")
        idle = results["idle"].p95()
        worst = max(filed.p95() for name, filed in results.items() if name != "idle")
        print(f"p95 while importing / idle: {worst / idle:.2f} (at most 3)")
        errors = sum(n for f in results.values() for s, n in f.statuses.items() if s >= 500)
        print(f"5xx answers: {errors}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
