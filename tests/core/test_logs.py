"""No secret in any log: the served process's log, with its access lines, holds neither a
token sent in a query string nor a webhook's URL."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx

from scripts import live
from tests.conftest import TEST_ENCRYPTION_KEYS
from tests.factories import situation_body
from tests.helpers import Receiver

COMMAND = [
    sys.executable,
    "-c",
    "import sys; from app.cli import main; sys.argv[0] = 'bientraitance'; main()",
]
PASSWORD = "a long password for the logs"


def _bientraitance(env: dict[str, str], *arguments: str) -> None:
    result = subprocess.run(
        [*COMMAND, *arguments], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_the_served_log_holds_no_token_and_no_webhook_url(
    tmp_path: Path, receiver: Receiver
) -> None:
    env = {
        **os.environ,
        "BIENTRAITANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'register.db'}",
        "BIENTRAITANCE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
        "BIENTRAITANCE_WEBHOOK_POLL_SECONDS": "0.2",
        "BIENTRAITANCE_LOG_LEVEL": "INFO",
        "BIENTRAITANCE_WEBHOOK_ALLOWED_DESTINATIONS": '["127.0.0.1"]',
    }
    _bientraitance(env, "migrate")
    _bientraitance(env, "organisations", "create", "--code", "MRE", "--name", "Maison")
    _bientraitance(
        env,
        *("users", "create", "--email", "coord@example.org", "--role", "coordinator"),
        *("--organisation", "MRE", "--password", PASSWORD),
    )
    port = live.free_port()
    log = tmp_path / "served.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    hook_secret = secrets.token_hex(16)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        token = httpx.post(
            f"{base}/api/v1/auth/token",
            data={"grant_type": "password", "username": "coord@example.org", "password": PASSWORD},
        ).json()["access_token"]
        httpx.get(f"{base}/api/v1/accounts/me", params={"access_token": token})
        headers = {"Authorization": f"Bearer {token}"}
        subscribed = httpx.post(
            f"{base}/api/v1/webhooks",
            json={"url": f"{receiver.url}/{hook_secret}", "events": ["situation.created"]},
            headers=headers,
        )
        assert subscribed.status_code == 201, subscribed.text
        filed = httpx.post(f"{base}/api/v1/situations", json=situation_body(), headers=headers)
        assert filed.status_code == 201, filed.text
        deadline = time.monotonic() + 20
        while not receiver.received:
            assert time.monotonic() < deadline, "the webhook was not delivered"
            time.sleep(0.1)
    finally:
        live.stop(server)
    written = log.read_text()
    assert "GET /api/v1/accounts/me HTTP/1.1" in written  # the access lines are there
    assert token not in written
    assert token[:20] not in written
    assert "access_token" not in written
    assert hook_secret not in written
