"""An organisation's webhook subscriptions: its intranet told of its situations' events
(queued by `app.webhooks.outbox`, sent by `app.webhooks.delivery`)."""

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.errors import NotFound
from app.core.pagination import page_by_id
from app.core.principal import Principal
from app.situations.scoping import organisation_to_subscribe_for
from app.subscriptions.schemas import SubscriptionCreate
from app.webhooks.models import WebhookDelivery, WebhookSubscription

SECRET_BYTES = 32


def create(
    *, session: Session, principal: Principal, data: SubscriptionCreate
) -> tuple[WebhookSubscription, str]:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    subscription = WebhookSubscription(
        organisation_id=organisation_to_subscribe_for(principal),
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
            .where(WebhookSubscription.organisation_id == organisation_to_subscribe_for(principal))
            .order_by(WebhookSubscription.id)
        )
    )


def get_or_404(
    *, session: Session, principal: Principal, subscription_id: int
) -> WebhookSubscription:
    subscription = session.scalar(
        select(WebhookSubscription).where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.organisation_id == organisation_to_subscribe_for(principal),
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
