"""The README's first session, copied and pasted as a newcomer would: its commands run in bash
against a real server on loopback, each value coming from the one before."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import live
from tests.conftest import TEST_ENCRYPTION_KEYS

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a delegate's password"


def _blocks_after(marker: str) -> str:
    """The first shell block of the README after `marker`."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rest = text[text.index(marker) :]
    match = re.search(r"```sh\n(.*?)```", rest, re.DOTALL)
    assert match is not None, marker
    return match.group(1)


BASH = shutil.which("bash") or "bash"


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's session uses curl")
def test_the_first_session_runs_as_written(tmp_path: Path) -> None:
    port = live.free_port()
    environment = {
        **os.environ,
        "BIENTRAITANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'register.db'}",
        "BIENTRAITANCE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
    }
    command = [sys.executable, "-c", "from app.cli import main; main()"]
    subprocess.run([*command, "migrate"], env=environment, check=True, capture_output=True)
    for line in _blocks_after("create an organisation and a delegate").splitlines():
        arguments = shlex.split(line, comments=True)[1:]  # without .venv/bin/bientraitance
        subprocess.run(
            [*command, *arguments],
            env=environment,
            input=f"{PASSWORD}\n",
            text=True,
            check=True,
            capture_output=True,
        )
    server = live.start(
        port,
        {
            k: environment[k]
            for k in ("BIENTRAITANCE_DATABASE_URL", "BIENTRAITANCE_ENCRYPTION_KEYS")
        },
    )
    try:
        session = _blocks_after("Log in, open a situation, read it back").replace(
            "127.0.0.1:8000", f"127.0.0.1:{port}"
        )
        done = subprocess.run(
            [BASH, "-c", session], input=f"{PASSWORD}\n", text=True, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        assert '"reference":"2026-0001"' in done.stdout, done.stdout
        assert '"kind":"created"' in done.stdout, done.stdout
        assert "error" not in done.stderr, done.stderr

        refused = subprocess.run(
            [BASH, "-c", session], input="not the password\n", text=True, capture_output=True
        )
        assert "error: " in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr
        assert "KeyError" not in refused.stderr
    finally:
        live.stop(server)
