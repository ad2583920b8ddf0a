"""Every model, imported once so that the metadata (and Alembic) knows all the tables."""

from app.audit import chain  # noqa: F401  (the audit entries are sealed at every commit)
from app.audit.models import AuditEntry, AuditHead
from app.auth.models import Account
from app.console.models import ConsoleSession
from app.core.db import Base
from app.idempotency.models import IdempotencyRecord
from app.organisations.models import Organisation, Site
from app.reference.models import AgeGroup, Authority, DelegateActionKind, RequesterKind
from app.situations.models import (
    AuthorityReport,
    Closure,
    DelegateAction,
    ReferenceCounter,
    Reopening,
    SeverityChange,
    Situation,
    SituationEdit,
    YearEndReview,
)
from app.statistics.models import StatisticsBaseline
from app.typologies.models import Typology, TypologyGroup, TypologyGroupMember
from app.webhooks.models import WebhookDelivery, WebhookSubscription

__all__ = [
    "Account",
    "AgeGroup",
    "AuditEntry",
    "AuditHead",
    "Authority",
    "AuthorityReport",
    "Base",
    "Closure",
    "ConsoleSession",
    "DelegateAction",
    "DelegateActionKind",
    "IdempotencyRecord",
    "Organisation",
    "ReferenceCounter",
    "Reopening",
    "RequesterKind",
    "SeverityChange",
    "Site",
    "Situation",
    "SituationEdit",
    "StatisticsBaseline",
    "Typology",
    "TypologyGroup",
    "TypologyGroupMember",
    "WebhookDelivery",
    "WebhookSubscription",
    "YearEndReview",
]
