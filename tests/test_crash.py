"""scripts/crash_test.py runs: a short version of the kill test, so that it keeps working.
(Its full run, 20 kills, is for a person to run and read.)"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_kill_and_retry_loses_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/crash_test.py", "--runs", "2", "--clients", "4", "--seed", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "acknowledged writes lost: 0" in result.stdout
    assert "duplicates:               0" in result.stdout
    assert "integrity:                ok" in result.stdout
