"""Every router's prefix and tags, in one place."""

from enum import Enum

from fastapi import APIRouter, FastAPI

from app.audit.router import router as audit_router
from app.auth.router import accounts_router
from app.auth.router import router as auth_router
from app.core.http import API_PREFIX
from app.organisations.router import router as organisations_router
from app.reference.router import router as reference_router
from app.situations.router import router as situations_router
from app.statistics.router import router as statistics_router
from app.subscriptions.router import router as webhooks_router
from app.typologies.router import router as typologies_router

# Each router under its full prefix, straight in the application: every level of routers a
# request passes through is matched again at each level below it. Situations first: routes are
# tried in order (each one passed over costs a few microseconds), and situations take most of
# the traffic. The documentation's order is OPENAPI_TAGS's.
API_ROUTERS: list[tuple[APIRouter, str, list[str | Enum]]] = [
    (situations_router, "/situations", ["situations"]),
    (auth_router, "/auth", ["auth"]),
    (accounts_router, "/accounts", ["accounts"]),
    (organisations_router, "/organisations", ["organisations"]),
    (typologies_router, "/typologies", ["reference data"]),
    (reference_router, "/reference", ["reference data"]),
    (statistics_router, "/statistics", ["statistics"]),
    (audit_router, "/audit-entries", ["audit"]),
    (webhooks_router, "/webhooks", ["webhooks"]),
]


def include_api(app: FastAPI) -> None:
    for router, prefix, tags in API_ROUTERS:
        app.include_router(router, prefix=f"{API_PREFIX}{prefix}", tags=tags)


OPENAPI_TAGS = [
    {"name": "auth", "description": "Access tokens for people and machine clients."},
    {"name": "accounts", "description": "People and machine clients, their roles."},
    {"name": "organisations", "description": "Member organisations and their sites."},
    {
        "name": "situations",
        "description": "Situations from intake to closure, and the records of their history.",
    },
    {"name": "reference data", "description": "The M1-M24 typology and the other code lists."},
    {"name": "statistics", "description": "The annual figures, compared with another year."},
    {"name": "audit", "description": "Who read or changed what, when."},
    {"name": "webhooks", "description": "Events sent to an organisation's intranet."},
]
