"""Webhooks: subscriptions of an organisation's intranet, and the events they are owed.

An event is queued in the transaction of the change it tells about (a durable outbox): it is
sent if and only if the change was committed. Events carry identifiers, codes and colours, never
a narrative.
"""

import secrets
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    ColumnElement,
    Exists,
    FromClause,
    Insert,
    Integer,
    String,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.auth.principal import Principal
from app.auth.roles import ORGANISATION_ROLES
from app.core.db import table, utcnow
from app.core.errors import Forbidden, NotFound
from app.core.pagination import page_by_id
from app.organisations.models import Organisation
from app.situations.enums import Severity, SituationStatus
from app.webhooks.enums import DeliveryStatus, WebhookEvent
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from app.webhooks.schemas import SubscriptionCreate

SECRET_BYTES = 32
_subscriptions = table(WebhookSubscription)


def _own_organisation(principal: Principal) -> int:
    if principal.role not in ORGANISATION_ROLES or principal.organisation_id is None:
        raise Forbidden("Webhooks belong to an organisation: use its intranet or coordinator.")
    return principal.organisation_id


def create(
    *, session: Session, principal: Principal, data: SubscriptionCreate
) -> tuple[WebhookSubscription, str]:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    subscription = WebhookSubscription(
        organisation_id=_own_organisation(principal),
        url=str(data.url),
        events=sorted({event.value for event in data.events}),
        secret=secret,
        created_by_id=principal.account_id,
    )
    session.add(subscription)
    session.flush()
    session.refresh(subscription, ["organisation"])
    audit_service.record(
        session=session,
        principal=principal,
        action="webhook.create",
        object_type="webhook",
        object_id=subscription.id,
        detail={"events": subscription.events},
    )
    return subscription, secret


def list_(*, session: Session, principal: Principal) -> list[WebhookSubscription]:
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.organisation_id == _own_organisation(principal))
            .order_by(WebhookSubscription.id)
        )
    )


def get_or_404(
    *, session: Session, principal: Principal, subscription_id: int
) -> WebhookSubscription:
    subscription = session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.organisation_id == _own_organisation(principal),
        )
    )
    if subscription is None:
        raise NotFound("No webhook has this id.")
    return subscription


def delete(*, session: Session, principal: Principal, subscription_id: int) -> None:
    subscription = get_or_404(session=session, principal=principal, subscription_id=subscription_id)
    session.delete(subscription)
    audit_service.record(
        session=session,
        principal=principal,
        action="webhook.delete",
        object_type="webhook",
        object_id=subscription_id,
    )


def deliveries(
    *,
    session: Session,
    principal: Principal,
    subscription_id: int,
    limit: int,
    cursor: str | None,
) -> tuple[list[WebhookDelivery], str | None]:
    """The delivery log, newest first."""
    get_or_404(session=session, principal=principal, subscription_id=subscription_id)
    return page_by_id(
        session=session,
        statement=select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id),
        id_column=WebhookDelivery.id,
        limit=limit,
        cursor=cursor,
        newest_first=True,
    )


class Facts(Protocol):
    """What an event says of its situation: a `Situation`, or a new one as it was written."""

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
    def severity(self) -> Severity: ...
    @property
    def status(self) -> SituationStatus: ...


def any_active_subscription(organisation_id: ColumnElement[int]) -> Exists:
    """Whether an organisation has an active subscription: read along with a change's own
    checks, a change that no one subscribed to costs no query more."""
    return exists().where(
        _subscriptions.c.organisation_id == organisation_id,
        _subscriptions.c.active.is_(True),
    )


def enqueue(
    *,
    session: Session,
    situation: Facts,
    event: WebhookEvent,
    detail: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> None:
    """Queue `event` for every active subscription of the situation's organisation to it."""
    subscriptions = [
        subscription_id
        for subscription_id, events in session.execute(
            _ACTIVE_SUBSCRIPTIONS, {"organisation_id": situation.organisation_id}
        )
        if event.value in events
    ]
    if not subscriptions:
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
        for subscription_id in subscriptions
    )


# What an event tells of its situation, besides its organisation's code: columns of
# `Situation`, named as they are (`enqueue`, `queued`).
TOLD = ("id", "reference", "opened_on", "intake_typology", "severity", "status")


def _constant(value: str) -> ColumnElement[str]:
    """A constant text written in the SQL: a prebuilt statement takes no anonymous value."""
    if "'" in value:
        raise ValueError("a constant is written without quotes")
    return literal_column(f"'{value}'", String)


def queued(event: WebhookEvent, situation: FromClause) -> Insert:
    """PostgreSQL: what `enqueue` writes, as a statement to put in the one that writes the
    situation (a common table expression of it), before Python reads the situation back:
    `situation` has the columns `TOLD` and `organisation_id`. The payload is written
    by SQL as `enqueue` writes it; the values it takes are `occurred_at`, as `enqueue` writes
    it (ISO 8601), and `queued_at`, the same time as a timestamp."""
    organisations, deliveries = table(Organisation), table(WebhookDelivery)
    queued_at = bindparam("queued_at", type_=deliveries.c.created_at.type)
    told = func.json_build_object(
        *(part for name in TOLD for part in (_constant(name), situation.c[name])),
        _constant("organisation"), organisations.c.code,
    )  # fmt: skip
    payload = func.json_build_object(
        _constant("event"), _constant(event.value),
        _constant("occurred_at"), bindparam("occurred_at", type_=String),
        _constant("situation"), told,
    )  # fmt: skip
    return insert(deliveries).from_select(
        [
            *("subscription_id", "event", "payload", "status", "attempts"),
            *("next_attempt_at", "created_at"),
        ],
        select(
            _subscriptions.c.id,
            _constant(event.value),
            cast(payload, JSON),
            _constant(DeliveryStatus.PENDING.value),
            literal_column("0", Integer),
            queued_at,
            queued_at,
        )
        .select_from(situation)
        .join(organisations, organisations.c.id == situation.c.organisation_id)
        .join(_subscriptions, _subscriptions.c.organisation_id == organisations.c.id)
        .where(
            _subscriptions.c.active.is_(True),
            cast(_subscriptions.c.events, JSONB).has_key(_constant(event.value)),
        ),
    )


# Built once: every change of a situation runs it.
_ACTIVE_SUBSCRIPTIONS = select(_subscriptions.c.id, _subscriptions.c.events).where(
    _subscriptions.c.organisation_id == bindparam("organisation_id"),
    _subscriptions.c.active.is_(True),
)
