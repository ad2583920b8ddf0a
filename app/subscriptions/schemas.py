from datetime import datetime
from typing import Annotated, Any

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, UrlConstraints

from app.webhooks.enums import DeliveryStatus, WebhookEvent

WebhookUrl = Annotated[
    AnyHttpUrl, UrlConstraints(max_length=2000, allowed_schemes=["http", "https"])
]


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://intranet.example.org/hooks/bientraitance",
                    "events": ["situation.created", "situation.closed"],
                }
            ]
        },
    )

    url: WebhookUrl = Field(description="Where to POST the events (http or https).")
    events: list[WebhookEvent] = Field(min_length=1, max_length=len(WebhookEvent))


class SubscriptionChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool = Field(description="false: no event is sent; the pending ones wait.")


class SubscriptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation: str
    url: str
    events: list[WebhookEvent]
    active: bool
    created_at: datetime


class SubscriptionCreated(SubscriptionRead):
    secret: str = Field(
        description="The key of the signatures, shown once: "
        "X-Bientraitance-Signature is `t=<unix time>,v1=<hex HMAC-SHA256 of '<t>.<body>'>`."
    )


class SubscriptionList(BaseModel):
    items: list[SubscriptionRead]


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event: WebhookEvent
    payload: dict[str, Any] = Field(description="What was (or will be) sent: no narrative.")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None = Field(description="The receiver's HTTP status, if it answered.")
    last_error: str | None = Field(
        description='Why the last attempt failed: "answered <status>" or "unreachable".'
    )
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None
