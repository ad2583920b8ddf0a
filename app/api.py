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
api_router.include_router(auth_router, prefix="/auth", tags=["auth"])
api_router.include_router(accounts_router, prefix="/accounts", tags=["accounts"])
api_router.include_router(organisations_router, prefix="/organisations", tags=["organisations"])
api_router.include_router(situations_router, prefix="/situations", tags=["situations"])
api_router.include_router(typologies_router, prefix="/typologies", tags=["reference data"])
api_router.include_router(reference_router, prefix="/reference", tags=["reference data"])
api_router.include_router(statistics_router, prefix="/statistics", tags=["statistics"])
api_router.include_router(audit_router, prefix="/audit-entries", tags=["audit"])
api_router.include_router(webhooks_router, prefix="/webhooks", tags=["webhooks"])
