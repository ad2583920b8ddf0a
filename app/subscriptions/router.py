from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from app.core.caller import SettingsDep, allow
from app.core.db import SessionDep
from app.core.errors import problem_responses
from app.core.http import MAX_ROW_ID
from app.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.core.principal import Principal, Role
from app.subscriptions import service
from app.subscriptions.schemas import (
    DeliveryPage,
    DeliveryRead,
    SubscriptionChange,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionRead,
)
from app.webhooks.destinations import Allowed
from app.webhooks.enums import WebhookEvent
from app.webhooks.models import WebhookSubscription

router = APIRouter()
Intranet = Annotated[Principal, Depends(allow(Role.INTRANET, Role.COORDINATOR))]
# Administrators see and stop every organisation's webhooks; they make none.
Overseer = Annotated[Principal, Depends(allow(Role.INTRANET, Role.COORDINATOR, Role.ADMIN))]
SubscriptionId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
PROBLEMS = problem_responses(401, 403, 404, 409, 422)


def _read(subscription: WebhookSubscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=subscription.id,
        organisation=subscription.organisation.code,
        url=subscription.url,
        events=[WebhookEvent(e) for e in subscription.events],
        active=subscription.active,
        created_at=subscription.created_at,
    )


@router.post(
    "",
    status_code=201,
    responses=PROBLEMS,
    summary="Subscribe your organisation's intranet to events (intranet, coordinator)",
)
def create_webhook(
    data: SubscriptionCreate, session: SessionDep, principal: Intranet, settings: SettingsDep
) -> SubscriptionCreated:
    subscription, secret = service.create(
        session=session,
        principal=principal,
        data=data,
        allowed=Allowed.parse(settings.webhook_allowed_destinations),
        at_most=settings.webhook_max_per_organisation,
    )
    return SubscriptionCreated(**_read(subscription).model_dump(), secret=secret)


@router.get(
    "",
    responses=PROBLEMS,
    summary="Your organisation's webhooks (administrators: every organisation's)",
)
def list_webhooks(
    session: SessionDep,
    principal: Overseer,
    organisation: Annotated[str | None, Query(max_length=20, description="Its code.")] = None,
) -> SubscriptionList:
    items = service.list_(session=session, principal=principal, organisation=organisation)
    return SubscriptionList(items=[_read(s) for s in items])


@router.patch(
    "/{subscription_id}",
    responses=PROBLEMS,
    summary="Stop a webhook, or start it again (its organisation; administrators: any)",
)
def change_webhook(
    subscription_id: SubscriptionId,
    data: SubscriptionChange,
    session: SessionDep,
    principal: Overseer,
) -> SubscriptionRead:
    subscription = service.set_active(
        session=session, principal=principal, subscription_id=subscription_id, active=data.active
    )
    return _read(subscription)


@router.delete(
    "/{subscription_id}", status_code=204, responses=PROBLEMS, summary="Remove a webhook"
)
def delete_webhook(
    subscription_id: SubscriptionId, session: SessionDep, principal: Intranet
) -> Response:
    service.delete(session=session, principal=principal, subscription_id=subscription_id)
    return Response(status_code=204)


@router.get(
    "/{subscription_id}/deliveries",
    responses=PROBLEMS,
    summary="A webhook's deliveries, newest first: status, attempts, last answer",
)
def list_deliveries(
    subscription_id: SubscriptionId,
    session: SessionDep,
    principal: Overseer,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> DeliveryPage:
    items, next_cursor = service.deliveries(
        session=session,
        principal=principal,
        subscription_id=subscription_id,
        limit=limit,
        cursor=cursor,
    )
    return DeliveryPage(
        items=[DeliveryRead.model_validate(d) for d in items], next_cursor=next_cursor
    )
