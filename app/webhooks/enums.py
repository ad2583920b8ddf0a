from enum import StrEnum


class WebhookEvent(StrEnum):
    CREATED = "situation.created"
    SEVERITY_CHANGED = "situation.severity_changed"
    REPORTED = "situation.reported"
    CLOSED = "situation.closed"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
