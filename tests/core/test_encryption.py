"""Encryption at rest of the narratives: nothing readable in the database file or the logs,
altered or moved values refused, keys rotated."""

import logging
import os
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, Text, select, text, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from app.core import crypto
from app.core.config import Environment, Settings
from app.core.crypto import Keyring, KeyringError
from app.models import Base
from app.situations.models import Closure, Situation
from tests.conftest import TEST_ENCRYPTION_KEYS, Database
from tests.factories import World, situation_body

URL = "/api/v1/situations"


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    yield
    crypto.install(Keyring.parse(TEST_ENCRYPTION_KEYS))


async def _write_everywhere(client: httpx.AsyncClient, world: World, secret: str) -> str:
    """Writes `secret` through the API into every narrative a situation has."""
    headers = world.delegate.headers
    created = await client.post(
        URL,
        json=situation_body(summary=f"summary {secret}", severity="red"),
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert created.status_code == 201, created.text
    path = f"{URL}/{created.json()['id']}"
    calls = [
        (
            "severity-changes",
            {"severity": "orange", "reason": f"reason {secret}", "changed_on": "2026-05-01"},
        ),
        ("reviews", {"year": 2026, "typology": "M2", "reviewed_on": "2026-06-01", "note": secret}),
        (
            "reports",
            {
                "decision": "not_reported",
                "decided_on": "2026-06-02",
                "justification": f"justification {secret}",
            },
        ),
        (
            "reports",
            {
                "decision": "reported",
                "authority": "parquet",
                "decided_on": "2026-06-02",
                "details": f"details {secret}",
            },
        ),
        (
            "actions",
            {"kind": "call", "occurred_on": "2026-06-03", "duration_minutes": 5, "note": secret},
        ),
        ("closure", {"closed_on": "2026-06-04", "typology": "M2", "outcome": f"out {secret}"}),
        ("reopening", {"reason": f"reopened {secret}"}),
    ]
    for sub, body in calls:
        response = await client.post(f"{path}/{sub}", json=body, headers=headers)
        assert response.status_code == 201, (sub, response.text)
    return path


def _stored_text(engine: Engine, database_url: str) -> bytes:
    """Everything the database holds, as it holds it."""
    if database_url.startswith("sqlite"):
        main = Path(database_url.removeprefix("sqlite:///"))
        files = [str(f) for f in (main, main.with_name(main.name + "-wal")) if f.exists()]
        # Read by another process: closing a database file that this process also has open
        # through SQLite would drop SQLite's POSIX locks on it (they belong to the process),
        # and another process could then delete the WAL under our connections.
        reader = (
            "import sys\n"
            "for name in sys.argv[1:]:\n"
            "    sys.stdout.buffer.write(open(name, 'rb').read())"
        )
        return subprocess.run(
            [sys.executable, "-c", reader, *files], capture_output=True, check=True
        ).stdout
    with engine.connect() as connection:
        tables = [t.name for t in Base.metadata.sorted_tables]
        rows = [
            row
            for table in tables
            for row in connection.execute(text(f'SELECT CAST(t AS text) FROM "{table}" t'))  # noqa: S608
        ]
    return "\n".join(str(r[0]) for r in rows).encode()


async def test_narratives_are_nowhere_in_clear(
    client: httpx.AsyncClient,
    world: World,
    engine: Engine,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = f"SENTINEL-{uuid.uuid4().hex}"
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # even with SQL logged
    try:
        path = await _write_everywhere(client, world, secret)
        history = await client.get(f"{path}/history", headers=world.delegate.headers)
        situation = await client.get(path, headers=world.delegate.headers)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    # The API gives the narratives back...
    assert situation.json()["summary"] == f"summary {secret}"
    assert history.text.count(secret) == 7
    # ...and neither the database nor the logs hold them readable.
    stored = _stored_text(engine, database_url)
    assert situation.json()["reference"].encode() in stored  # the records are in the dump
    assert secret.encode() not in stored
    assert caplog.records, "the logs were captured"
    assert secret not in caplog.text


async def test_altered_or_moved_values_are_refused(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    created = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
    situation_id = created.json()["id"]
    raw = type_coerce(Situation.summary, Text)
    stored = db.scalar(select(raw).where(Situation.id == situation_id))
    assert stored.startswith("enc1:test1:")
    keyring = crypto.active_keyring()
    assert keyring.decrypt(stored, "situations.summary") == situation_body()["summary"]
    flipped = stored[:-2] + ("A" if stored[-2] != "A" else "B") + stored[-1]
    with pytest.raises(KeyringError, match="altered"):
        keyring.decrypt(flipped, "situations.summary")
    # A value moved into another column does not decrypt there.
    with pytest.raises(KeyringError):
        keyring.decrypt(stored, "closures.outcome")
    with pytest.raises(KeyringError, match="not encrypted"):
        keyring.decrypt("plain words", "situations.summary")


async def test_rotation(
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    session_factory: sessionmaker[Session],
    restore_keyring: None,
) -> None:
    await _write_everywhere(client, world, "before rotation")
    old = Keyring.parse(TEST_ENCRYPTION_KEYS)
    new_entry = crypto.new_key_entry()
    crypto.install(Keyring.parse(f"{new_entry},{TEST_ENCRYPTION_KEYS}"))
    count = crypto.rotate(factory=session_factory, metadata=Base.metadata, batch=3)
    # 8 narratives, plus the answer kept for the creation's Idempotency-Key.
    assert count == 9
    assert crypto.rotate(factory=session_factory, metadata=Base.metadata) == 0
    # The old key can go: everything reads with the new one alone.
    crypto.install(Keyring.parse(new_entry))
    listed = await client.get(URL, headers=world.delegate.headers)
    situation_id = listed.json()["items"][0]["id"]
    history = await client.get(f"{URL}/{situation_id}/history", headers=world.delegate.headers)
    assert history.status_code == 200
    assert history.text.count("before rotation") == 7
    outcome = db.scalar(select(type_coerce(Closure.outcome, Text)))
    assert outcome.startswith(f"enc1:{new_entry.split(':')[0]}:")
    crypto.install(old)
    with pytest.raises(KeyringError, match="needs key"):
        db.scalar(select(Situation.summary))


def test_keyring_parsing() -> None:
    key = "A" * 43
    ring = Keyring.parse(f"# comment\nnew:{key}\nold:{'B' * 43}")
    assert ring.current == "new"
    assert set(ring.keys) == {"new", "old"}
    for bad, reason in [
        ("", "no encryption key"),
        (f"bad id!:{key}", "key id"),
        (f"a:{key},a:{key}", "twice"),
        ("a:" + "A" * 20, "32 bytes"),
        ("a:%%%%", "base64url|32 bytes"),
    ]:
        with pytest.raises(KeyringError, match=reason):
            Keyring.parse(bad)


def test_keys_required_outside_development(tmp_path: Path) -> None:
    settings = Settings(
        environment=Environment.PRODUCTION, secret_key=secrets.token_urlsafe(48), _env_file=None
    )
    with pytest.raises(KeyringError, match="BIENTRAITANCE_ENCRYPTION_KEYS"):
        crypto.load_keyring(settings)
    key_file = tmp_path / "keys"
    key_file.write_text(crypto.new_key_entry() + "\n")
    with_file = Settings(
        environment=Environment.PRODUCTION,
        secret_key=secrets.token_urlsafe(48),
        encryption_key_file=key_file,
        _env_file=None,
    )
    assert crypto.load_keyring(with_file).current


def test_development_creates_a_private_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(environment=Environment.DEVELOPMENT, _env_file=None)
    first = crypto.load_keyring(settings)
    key_file = tmp_path / "bientraitance.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    # The same key on the next start: nothing written before becomes unreadable.
    assert crypto.load_keyring(settings).current == first.current
    assert os.path.getsize(key_file) > 0
