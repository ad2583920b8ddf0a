from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
    position: int = Field(description="Place in the audit trail's hash chain, from 1.")
    hash: str = Field(description="SHA-256 sealing this entry and every entry before it.")


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    next_cursor: str | None


class Accessor(BaseModel):
    id: int | None
    name: str | None
    role: str | None
    organisation: str | None = Field(description="Code of the accessor's organisation, if any.")


class Access(BaseModel):
    at: datetime
    by: Accessor
    action: str = Field(examples=["situation.read"])
    purpose: str = Field(examples=["read the record"])


class AccessReport(BaseModel):
    """Who accessed a situation, when, and to do what: oldest first."""

    situation_id: str
    items: list[Access]
    next_cursor: str | None
