"""Encryption at rest of the narratives: AES-256-GCM, with a keyring for rotation.

A stored value reads `enc1:<key id>:<base64url(nonce + ciphertext + tag)>`. The column it
belongs to is bound in as associated data, so a value copied into another column does not
decrypt. The first key of the ring encrypts; every key of the ring decrypts, so that keys can be
rotated: put a new key first, run `bientraitance keys rotate`, then drop the old key.

Keys come from `BIENTRAITANCE_ENCRYPTION_KEYS` (`id:key,id:key`) or from the file named by
`BIENTRAITANCE_ENCRYPTION_KEY_FILE` (one `id:key` a line, the current key first). In
development without either, a key file `bientraitance.key` is created next to where the service
runs; elsewhere the service refuses to start without keys.
"""

import base64
import binascii
import os
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Dialect, MetaData, Table, Text, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app.core.config import Environment, Settings
from app.core.db import transaction

PREFIX = "enc1"
NONCE_BYTES = 12
KEY_BYTES = 32
DEVELOPMENT_KEY_FILE = Path("bientraitance.key")
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyringError(ValueError):
    """The keys are missing or malformed, or a value cannot be decrypted with them."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, AESGCM]
    current: str

    @classmethod
    def parse(cls, text: str) -> "Keyring":
        """`id:key` entries separated by commas or lines; `#` starts a comment line."""
        entries = [
            entry.strip()
            for line in text.splitlines()
            if not line.strip().startswith("#")
            for entry in line.split(",")
            if entry.strip()
        ]
        if not entries:
            raise KeyringError("no encryption key given")
        keys: dict[str, AESGCM] = {}
        for entry in entries:
            key_id, _, encoded = entry.partition(":")
            if not _KEY_ID.match(key_id):
                raise KeyringError(f"key id {key_id!r}: 1 to 32 letters, digits, - or _")
            if key_id in keys:
                raise KeyringError(f"key id {key_id!r} is given twice")
            try:
                raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError) as exc:
                raise KeyringError(f"key {key_id!r} is not base64url") from exc
            if len(raw) != KEY_BYTES:
                raise KeyringError(f"key {key_id!r} must be {KEY_BYTES} bytes (base64url)")
            keys[key_id] = AESGCM(raw)
        return cls(keys=keys, current=entries[0].partition(":")[0])

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.keys[self.current].encrypt(nonce, plaintext.encode(), context.encode())
        encoded = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}:{self.current}:{encoded}"

    def decrypt(self, stored: str, context: str) -> str:
        prefix, key_id, encoded = _split(stored)
        if prefix != PREFIX:
            raise KeyringError(f"a value of {context} is not encrypted")
        key = self.keys.get(key_id)
        if key is None:
            raise KeyringError(f"a value of {context} needs key {key_id!r}, not in the keyring")
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return key.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise KeyringError(f"a value of {context} does not decrypt: altered?") from exc

    def is_current(self, stored: str) -> bool:
        prefix, key_id, _ = _split(stored)
        return prefix == PREFIX and key_id == self.current


def _split(stored: str) -> tuple[str, str, str]:
    parts = stored.split(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else ("", "", "")


def new_key_entry() -> str:
    """A fresh `id:key` line for a keyring."""
    key_id = f"k{datetime.now(UTC):%Y%m%d}{secrets.token_hex(2)}"
    key = base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=8 * KEY_BYTES)).decode()
    return f"{key_id}:{key.rstrip('=')}"


def load_keyring(settings: Settings) -> Keyring:
    if settings.encryption_keys is not None:
        return Keyring.parse(settings.encryption_keys.get_secret_value())
    path = settings.encryption_key_file
    if path is None:
        if settings.environment is not Environment.DEVELOPMENT:
            raise KeyringError(
                "set BIENTRAITANCE_ENCRYPTION_KEYS or BIENTRAITANCE_ENCRYPTION_KEY_FILE "
                "(a key: bientraitance keys generate)"
            )
        path = DEVELOPMENT_KEY_FILE
        if not path.exists():
            # Created readable by its owner only, and never overwritten.
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write("# Encryption keys of the narratives: keep safe, never lose.\n")
                f.write(new_key_entry() + "\n")
    try:
        return Keyring.parse(path.read_text())
    except OSError as exc:
        raise KeyringError(f"cannot read the key file {path}: {exc.strerror}") from exc


_active: Keyring | None = None


def install(keyring: Keyring) -> None:
    """The keyring this process encrypts and decrypts with."""
    global _active  # one keyring per process, like its settings
    _active = keyring


def active_keyring() -> Keyring:
    if _active is None:
        raise KeyringError("no encryption keyring installed")
    return _active


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted; `context` (table.column) is bound in as associated data."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else active_keyring().encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else active_keyring().decrypt(value, self.context)


def encrypted_columns(metadata: MetaData) -> list[tuple[Table, Column[Any], EncryptedText]]:
    """Every column stored encrypted, found from the models: none can be forgotten."""
    return [
        (table, column, column.type)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate(*, factory: "sessionmaker[Session]", metadata: MetaData, batch: int = 500) -> int:
    """Re-encrypt with the current key every value encrypted with another key of the ring.
    Commits batch by batch: every value stays readable throughout, and a run that stops can
    simply be started again. Returns how many values were re-encrypted."""
    keyring = active_keyring()
    done = 0
    for table, column, encrypted in encrypted_columns(metadata):
        (key,) = table.primary_key.columns
        stored = type_coerce(column, Text)
        last: Any = None
        while True:
            with transaction(factory) as session:
                query = select(key, stored).where(column.is_not(None)).order_by(key).limit(batch)
                if last is not None:
                    query = query.where(key > last)
                rows = session.execute(query).all()
                for row_key, value in rows:
                    if not keyring.is_current(value):
                        plaintext = keyring.decrypt(value, encrypted.context)
                        session.execute(
                            update(table).where(key == row_key).values({column.name: plaintext})
                        )
                        done += 1
            if len(rows) < batch:
                break
            last = rows[-1][0]
    return done
