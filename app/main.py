"""The application factory."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from app.api import OPENAPI_TAGS, include_api
from app.auth.service import authenticate_token
from app.console.routes import include_console
from app.core import crypto
from app.core.backup import hold_while_serving
from app.core.config import Settings, get_settings
from app.core.db import DatabaseTurns, make_engine, make_sessionmaker
from app.core.errors import install_error_handlers
from app.core.http import API_PREFIX
from app.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from app.core.observability import Metrics, MetricsMiddleware, configure_logging
from app.core.observability import router as observability_router
from app.core.openapi import document_common_problems
from app.situations.enums import Severity
from app.webhooks.delivery import deliver_webhooks_forever
from app.webhooks.destinations import Allowed

DESCRIPTION = """
The case register of the bientraitance delegates: situations of suspected maltreatment or
questioning about good treatment, classified with the M1-M24 typology at intake and at closure,
followed on the traffic light (green, orange, red) and in their reports to the authorities.

**Authentication**: `POST /api/v1/auth/token` (OAuth2 password or client-credentials grant),
then `Authorization: Bearer <token>` on every call.

**Who sees what**: delegates see every situation; coordinators and intranet clients see their
own organisation's only; reporters see statistics, never a record; admins manage organisations,
accounts and reference data. A record outside your reach answers 404, as if it did not exist.

**Errors** are RFC 9457 `application/problem+json`. **Changes** take `If-Match` (the `ETag`
you read; required for PATCH). **Creating POSTs** take `Idempotency-Key`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)
    crypto.install(crypto.load_keyring(settings))
    engine = make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        serving = contextlib.ExitStack()
        # While it serves, no restore replaces the database under it.
        serving.enter_context(hold_while_serving(settings.database_url))
        deliverer = None
        if settings.webhooks_in_process:
            deliverer = asyncio.create_task(
                deliver_webhooks_forever(
                    app.state.sessionmaker,
                    settings.webhook_poll_seconds,
                    Allowed.parse(settings.webhook_allowed_destinations),
                )
            )
        yield
        if deliverer is not None:
            deliverer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await deliverer
        engine.dispose()
        serving.close()

    app: FastAPI = FastAPIOffline(
        title="Bientraitance case register",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        openapi_tags=OPENAPI_TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.reading_sessionmaker = make_sessionmaker(engine, read_only=True)
    app.state.database_turns = DatabaseTurns(engine)
    app.state.authenticate = authenticate_token
    install_error_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    app.state.metrics = Metrics(colours=[severity.value for severity in Severity])
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[
                "Accept",
                "Authorization",
                "Content-Type",
                "Idempotency-Key",
                "If-Match",
                "X-Request-ID",
            ],
            expose_headers=[
                "ETag",
                "Idempotent-Replayed",
                "Location",
                "Retry-After",
                "X-Request-ID",
            ],
        )
    include_api(app)
    app.include_router(observability_router)
    include_console(app)
    document_common_problems(app)
    return app
