"""The safety and reliability figures, in one run: what each proof checked, and its outcome.

Runs the proofs of the test suite one subject at a time (access matrix, tokens, brute force,
limits, encryption at rest, audit chain, retention, durability settings, concurrency), then
schemathesis as each role and the kill test, and prints one line a subject.

    .venv/bin/python scripts/reliability.py                       # SQLite
    bash scripts/with_postgres.sh .venv/bin/python scripts/reliability.py --postgres
    .venv/bin/python scripts/reliability.py --kill-runs 20 --seed 11

With --postgres, the tests and the scripts use the database named by
BIENTRAITANCE_TEST_DATABASE_URL (scripts/with_postgres.sh sets it); it is emptied.
"""

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_access_matrix import OPERATIONS, ROLES  # noqa: E402

SUBJECTS = [
    ("1. cross-organisation matrix", ["tests/test_access_matrix.py"]),
    (
        "2. function level (in the matrix)",
        ["tests/test_access_matrix.py::test_every_operation_is_declared"],
    ),
    ("3. tokens", ["tests/auth/test_token.py", "tests/auth/test_accounts.py"]),
    ("4. brute force", ["tests/auth/test_throttle.py"]),
    ("5. resource limits", ["tests/core/test_limits.py", "tests/core/test_errors.py"]),
    ("6. encryption at rest", ["tests/core/test_encryption.py"]),
    ("7. tamper-evident audit", ["tests/audit/test_chain.py"]),
    ("8. retention", ["tests/statistics/test_retention.py"]),
]
AFTER = [
    ("10. durability settings", ["tests/test_migrations.py::test_database_settings_are_durable"]),
    ("11. concurrency", ["tests/situations/test_concurrency.py"]),
    (
        "12. headers and CORS",
        ["tests/core/test_errors.py::test_security_headers", "tests/core/test_limits.py"],
    ),
]


def matrix_cells() -> int:
    """Cells (role, operation, own or other organisation's object) the matrix checks."""
    return sum(len(ROLES) * (2 if spec.scoped else 1) for spec in OPERATIONS.values())


def pytest(paths: list[str]) -> tuple[int, int, float]:
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    tail = completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""
    passed = int(m.group(1)) if (m := re.search(r"(\d+) passed", tail)) else 0
    failed = sum(int(n) for n in re.findall(r"(\d+) (?:failed|error)", tail))
    if completed.returncode != 0 and failed == 0:
        failed = 1
    return passed, failed, time.perf_counter() - start


def script(arguments: list[str]) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return completed.returncode, completed.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", action="store_true", help="use BIENTRAITANCE_TEST_DATABASE_URL"
    )
    parser.add_argument("--kill-runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-examples", type=int, default=10, help="schemathesis, per operation")
    args = parser.parse_args()
    database: list[str] = []
    if args.postgres:
        url = os.environ["BIENTRAITANCE_TEST_DATABASE_URL"]
        database = ["--database-url", url]
    else:
        os.environ.pop("BIENTRAITANCE_TEST_DATABASE_URL", None)
    print(f"on {'PostgreSQL' if args.postgres else 'SQLite'}")
    failures = 0

    def proofs(subjects: list[tuple[str, list[str]]]) -> None:
        nonlocal failures
        for subject, paths in subjects:
            passed, failed, seconds = pytest(paths)
            failures += failed
            extra = f"; {matrix_cells()} cells" if subject.startswith("1.") else ""
            verdict = "ok" if failed == 0 else "FAILED"
            print(
                f"{subject:<36} {verdict:<6} {passed} proofs passed, {failed} failed{extra} "
                f"({seconds:.0f} s)",
                flush=True,
            )

    proofs(SUBJECTS)
    code, out = script(["scripts/fuzz.py", "--max-examples", str(args.max_examples), *database])
    failures += code != 0
    found = re.search(r"server errors and schema violations: (\d+)", out)
    cases = sum(int(n) for n in re.findall(r"\|\s+(\d+) \|", out))
    print(
        f"{'9. schemathesis, as each role':<36} {'ok' if code == 0 else 'FAILED':<6} "
        f"{cases} test cases; server errors and schema violations: "
        f"{found.group(1) if found else '?'}",
        flush=True,
    )
    proofs(AFTER[:1])
    code, out = script(
        [
            "scripts/crash_test.py",
            "--runs",
            str(args.kill_runs),
            "--seed",
            str(args.seed),
            *database,
        ]
    )
    failures += code != 0
    figures = dict(
        re.findall(r"^(acknowledged writes lost|duplicates|integrity):\s+(.+)$", out, re.M)
    )
    print(
        f"{'10. kill test':<36} {'ok' if code == 0 else 'FAILED':<6} {args.kill_runs} SIGKILLs "
        f"(seed {args.seed}): acknowledged writes lost "
        f"{figures.get('acknowledged writes lost', '?')}, duplicates "
        f"{figures.get('duplicates', '?')}, integrity {figures.get('integrity', '?')}",
        flush=True,
    )
    proofs(AFTER[1:])
    print()
    print("all held" if failures == 0 else f"{failures} subjects failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
