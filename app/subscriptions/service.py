"""An organisation's webhook subscriptions: its intranet told of its situations' events
(queued by `app.webhooks.outbox`, sent by `app.webhooks.delivery`)."""

import secrets

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.pagination import page_by_id
from app.core.principal import Principal
from app.organisations.models import Organisation
from app.situations.scoping import (
    organisation_to_oversee_webhooks_of,
    organisation_to_subscribe_for,
)
from app.subscriptions.schemas import SubscriptionCreate
from app.webhooks import destinations
from app.webhooks.models import WebhookDelivery, WebhookSubscription

SECRET_BYTES = 32


def create(
    *,
    session: Session,
    principal: Principal,
    data: SubscriptionCreate,
    allowed: destinations.Allowed,
    at_most: int,
) -> tuple[WebhookSubscription, str]:
    """A new subscription of the caller's organisation, to a destination it may reach, within
    the number an organisation may hold."""
    organisation_id = organisation_to_subscribe_for(principal)
    try:
        destinations.check(str(data.url), allowed)
    except destinations.Refused as refused:
        raise ValidationFailed.on("url", str(refused)) from None
    held = session.scalar(
        select(func.count())
        .select_from(WebhookSubscription)
        .where(WebhookSubscription.organisation_id == organisation_id)
    )
    if held is not None and held >= at_most:
        raise Conflict(f"An organisation holds at most {at_most} webhooks: remove one first.")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    subscription = WebhookSubscription(
        organisation_id=organisation_id,
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


def _within_reach(principal: Principal | None) -> ColumnElement[bool]:
    organisation_id = organisation_to_oversee_webhooks_of(principal)
    if organisation_id is None:
        return true()
    return WebhookSubscription.organisation_id == organisation_id


def list_(
    *, session: Session, principal: Principal | None, organisation: str | None = None
) -> list[WebhookSubscription]:
    statement = select(WebhookSubscription).where(_within_reach(principal))
    if organisation is not None:
        statement = statement.join(Organisation).where(
            Organisation.code == organisation.strip().upper()
        )
    return list(session.scalars(statement.order_by(WebhookSubscription.id)))


def get_or_404(
    *, session: Session, principal: Principal | None, subscription_id: int
) -> WebhookSubscription:
    subscription = session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id, _within_reach(principal)
        )
    )
    if subscription is None:
        raise NotFound("No webhook has this id.")
    return subscription


def set_active(
    *, session: Session, principal: Principal | None, subscription_id: int, active: bool
) -> WebhookSubscription:
    """Stop a webhook (its pending events wait, unsent) or start it again."""
    subscription = get_or_404(session=session, principal=principal, subscription_id=subscription_id)
    if subscription.active != active:
        subscription.active = active
        audit_service.record(
            session=session,
            principal=principal,
            action="webhook.enable" if active else "webhook.disable",
            object_type="webhook",
            object_id=subscription_id,
        )
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
