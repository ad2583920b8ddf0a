"""A real server process on loopback, for the scripts and tests that need one."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    port: int,
    environment: dict[str, str],
    *,
    target: str = "app.asgi:app",
    factory: bool = False,
    ready_path: str = "/healthz",
    cwd: Path = ROOT,
) -> subprocess.Popen[bytes]:
    """uvicorn serving `target` with these environment variables added, once it answers."""
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", target, "--port", str(port)),
            *("--log-level", "warning", "--no-access-log"),
            *(("--factory",) if factory else ()),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT), **environment},
        cwd=cwd,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}{ready_path}", timeout=1).raise_for_status()
            return process
        except httpx.HTTPError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"the server on port {port} did not start") from None
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=30)
