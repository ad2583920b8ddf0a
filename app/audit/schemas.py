from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    request_id: str | None
    account_id: int | None
    role: str | None
    organisation_id: int | None
    action: str
    object_type: str
    object_id: str | None
    situation_id: str | None
    detail: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None
