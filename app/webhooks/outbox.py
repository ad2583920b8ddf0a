"""The events a situation's organisation subscribed to, queued in the transaction of the
change they tell about (a durable outbox): an event is sent if and only if its change was
committed. Events carry identifiers, codes and colours, never a narrative."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, bindparam, select
from sqlalchemy.orm import Session

from app.auth.models import Account
from app.core.db import table, utcnow
from app.organisations.models import Organisation
from app.webhooks.enums import WebhookEvent
from app.webhooks.models import WebhookDelivery, WebhookSubscription


class Facts(Protocol):
    """What an event says of its situation."""

    @property
    def id(self) -> str: ...
    @property
    def reference(self) -> str: ...
    @property
    def organisation_id(self) -> int: ...
    @property
    def organisation_code(self) -> str: ...
    @property
    def opened_on(self) -> date: ...
    @property
    def intake_typology(self) -> str: ...
    @property
    def severity(self) -> StrEnum: ...
    @property
    def status(self) -> StrEnum: ...


class Subscriptions:
    """The trusted subscriptions of each organisation and the events they asked for, read once
    per organisation: a change that tells of many situations (an import) reads them once."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._of: dict[int, list[tuple[int, list[str]]]] = {}

    def to(self, organisation_id: int, event: WebhookEvent) -> list[int]:
        if organisation_id not in self._of:
            rows = self._session.execute(
                _ACTIVE_SUBSCRIPTIONS, {"organisation_id": organisation_id}
            )
            self._of[organisation_id] = [(row.id, row.events) for row in rows]
        return [id_ for id_, events in self._of[organisation_id] if event.value in events]


def enqueue(
    *,
    session: Session,
    situation: Facts,
    event: WebhookEvent,
    detail: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    subscriptions: Subscriptions | None = None,
) -> None:
    """Queue `event` for every trusted subscription of the situation's organisation to it."""
    subscribers = (subscriptions or Subscriptions(session)).to(situation.organisation_id, event)
    if not subscribers:
        return
    payload = {
        "event": event.value,
        "occurred_at": (occurred_at or utcnow()).isoformat(),
        "situation": {
            "id": situation.id,
            "reference": situation.reference,
            "organisation": situation.organisation_code,
            "opened_on": situation.opened_on.isoformat(),
            "intake_typology": situation.intake_typology,
            "severity": situation.severity.value,
            "status": situation.status.value,
        },
        **(detail or {}),
    }
    session.add_all(
        WebhookDelivery(subscription_id=subscription_id, event=event.value, payload=payload)
        for subscription_id in subscribers
    )


_subscriptions, _accounts, _organisations = (
    table(WebhookSubscription),
    table(Account),
    table(Organisation),
)


def still_trusted() -> ColumnElement[bool]:
    """A subscription ends with the trust that made it: it is active, and so are the account
    that made it and its organisation. Events are queued (here) and sent (`delivery`) only for
    such subscriptions."""
    return and_(
        _subscriptions.c.active.is_(True),
        _accounts.c.id == _subscriptions.c.created_by_id,
        _accounts.c.active.is_(True),
        _organisations.c.id == _subscriptions.c.organisation_id,
        _organisations.c.active.is_(True),
    )


# Built once: every change of a situation runs it.
_ACTIVE_SUBSCRIPTIONS = select(_subscriptions.c.id, _subscriptions.c.events).where(
    _subscriptions.c.organisation_id == bindparam("organisation_id"), still_trusted()
)
