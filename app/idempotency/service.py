"""Idempotency-Key for creating requests: a retry gets the first answer and creates nothing.

The key is reserved in the same transaction as the change it guards, so either both are
committed or neither is. A second request with the key while the first is still running waits
on the unique constraint and is then told to retry.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.db import utcnow
from app.core.errors import Conflict, ValidationFailed
from app.core.principal import Principal
from app.idempotency.models import IdempotencyRecord

MAX_KEY_LENGTH = 255
REPLAY_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Result:
    """What a creating operation answers: the body, and headers such as Location or ETag."""

    body: BaseModel
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SentRequest:
    """What identifies a request for its retries: method, path and body."""

    method: str
    path: str
    body: bytes

    def fingerprint(self) -> str:
        try:
            canonical = json.dumps(
                json.loads(self.body), sort_keys=True, separators=(",", ":")
            ).encode()
        except ValueError:
            canonical = self.body
        digest = hashlib.sha256()
        for part in (self.method.encode(), b"\n", self.path.encode(), b"\n", canonical):
            digest.update(part)
        return digest.hexdigest()


def _validate_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed.on(
            "Idempotency-Key",
            "1 to {most} printable characters",
            "header",
            most=MAX_KEY_LENGTH,
        )


def execute(
    *,
    session: Session,
    principal: Principal,
    key: str | None,
    request: SentRequest,
    ttl: timedelta,
    status_code: int,
    produce: Callable[[], Result],
) -> Response:
    if key is None:
        result = produce()
        return Response(
            result.body.model_dump_json(),
            status_code=status_code,
            headers=result.headers,
            media_type="application/json",
        )
    _validate_key(key)
    request_fingerprint = request.fingerprint()
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.account_id == principal.account_id,
            IdempotencyRecord.created_at < utcnow() - ttl,
        )
    )
    stored = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == principal.account_id, IdempotencyRecord.key == key
        )
    )
    if stored is not None:
        if stored.fingerprint != request_fingerprint:
            raise ValidationFailed(
                "This Idempotency-Key was used for a different request; use a new key.",
                extra={"error": "idempotency_key_reused"},
            )
        return Response(
            stored.body,
            status_code=stored.status_code,
            headers={**stored.headers_dict(), REPLAY_HEADER: "true"},
            media_type="application/json",
        )
    record = IdempotencyRecord(
        account_id=principal.account_id,
        key=key,
        fingerprint=request_fingerprint,
        status_code=0,
        body="",
        headers={},
    )
    session.add(record)
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "A request with this Idempotency-Key is being processed; retry in a moment.",
            headers={"Retry-After": "1"},
        ) from exc
    result = produce()
    body = result.body.model_dump_json()
    record.status_code = status_code
    record.body = body
    record.headers = result.headers
    return Response(
        body, status_code=status_code, headers=result.headers, media_type="application/json"
    )


def stored_body(*, session: Session, principal: Principal, key: str) -> str | None:
    """The answer kept for this account's key, once its request has finished."""
    stored = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == principal.account_id, IdempotencyRecord.key == key
        )
    )
    return stored.body if stored is not None and stored.status_code else None
