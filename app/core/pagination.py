"""Keyset pagination: an opaque cursor that names the last item of the previous page."""

import base64
import binascii
import json
from typing import Any

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.errors import ValidationFailed
from app.core.http import MAX_ROW_ID

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, types: tuple[type, ...]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed.on("cursor", "not a cursor from this service", "query") from exc
    if (
        not isinstance(values, list)
        or len(values) != len(types)
        or not all(type(v) is t for v, t in zip(values, types, strict=True))
        # What the service wrote: ids, years and sequences, all within a database integer.
        or not all(0 <= v <= MAX_ROW_ID for v in values if type(v) is int)
    ):
        raise ValidationFailed.on("cursor", "not a cursor from this service", "query")
    return values


def page_by_id(
    *,
    session: Session,
    statement: Select[Any],
    id_column: ColumnElement[int] | InstrumentedAttribute[int],
    limit: int,
    cursor: str | None,
    newest_first: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of rows ordered by an integer id, and the cursor of the next page (or None)."""
    if cursor is not None:
        (last,) = decode_cursor(cursor, types=(int,))
        statement = statement.where(id_column < last if newest_first else id_column > last)
    order = id_column.desc() if newest_first else id_column.asc()
    rows = list(session.scalars(statement.order_by(order).limit(limit + 1)))
    items = rows[:limit]
    next_cursor = encode_cursor([items[-1].id]) if len(rows) > limit else None
    return items, next_cursor
