"""Every router's prefix and tags, in one place."""

from fastapi import APIRouter

from app.audit.router import router as audit_router
from app.auth.router import accounts_router
from app.auth.router import router as auth_router
from app.core.http import API_PREFIX
from app.organisations.router import router as organisations_router
from app.reference.router import router as reference_router
from app.situations.router import router as situations_router
from app.statistics.router import router as statistics_router
from app.typologies.router import router as typologies_router
from app.webhooks.router import router as webhooks_router

api_router = APIRouter(prefix=API_PREFIX)
# Situations first: routes are tried in order (each one passed over costs a few microseconds),
# and situations take most of the traffic. The documentation's order is OPENAPI_TAGS's.
api_router.include_router(situations_router, prefix="/situations", tags=["situations"])
api_router.include_router(auth_router, prefix="/auth", tags=["auth"])
api_router.include_router(accounts_router, prefix="/accounts", tags=["accounts"])
api_router.include_router(organisations_router, prefix="/organisations", tags=["organisations"])
api_router.include_router(typologies_router, prefix="/typologies", tags=["reference data"])
api_router.include_router(reference_router, prefix="/reference", tags=["reference data"])
api_router.include_router(statistics_router, prefix="/statistics", tags=["statistics"])
api_router.include_router(audit_router, prefix="/audit-entries", tags=["audit"])
api_router.include_router(webhooks_router, prefix="/webhooks", tags=["webhooks"])

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
