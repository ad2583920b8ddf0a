"""Liveness, readiness, Prometheus metrics and JSON logs.

- `GET /healthz`: the process answers (no database).
- `GET /readyz`: the database answers and its schema is at the latest migration; 503 if not.
- `GET /metrics`: requests by route template, method and status; their latency; open
  situations by colour. No personal data: no id, no reference, no narrative.
- Logs: one JSON object a line, with the request id of the request being served.
"""

import hmac
import logging
import os
import time
from collections.abc import Sequence
from typing import Any

from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.context import current_request_id
from app.core.errors import Unauthorized
from app.core.migrate import alembic_config

MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class PathOnlyFilter(logging.Filter):
    """uvicorn's access lines name the path without its query string, where a client may have
    put a token (`?access_token=`) or a search that is nobody's business."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, full_path, version, status = record.args
            path = str(full_path).split("?", 1)[0]
            record.args = (client, method, path, version, status)
        return True


# Libraries whose INFO lines carry what must not be logged: httpx writes every request's URL
# (a webhook's URL may hold its receiver's secret).
QUIET_LOGGERS = ("httpx", "httpcore")


def json_formatter() -> JsonFormatter:
    return JsonFormatter(
        LOG_FORMAT,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


class JsonHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The service's log handler: JSON lines with the request id."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(stream)
        self.setFormatter(json_formatter())
        self.addFilter(RequestIdFilter())


def configure_logging(level: str) -> None:
    """Every log line as JSON on stderr, with the request id (other handlers are kept)."""
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, JsonHandler)]
    root.addHandler(JsonHandler())
    root.setLevel(level.upper())
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def uvicorn_log_config(level: str) -> dict[str, Any]:
    """uvicorn's own loggers (errors, access) in the same JSON form."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "path_only": {"()": PathOnlyFilter},
        },
        "formatters": {
            "json": {
                "()": JsonFormatter,
                "fmt": LOG_FORMAT,
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            }
        },
        "handlers": {"default": handler},
        "loggers": {
            name: {
                "handlers": ["default"],
                "level": level.upper(),
                "propagate": False,
                "filters": ["path_only"] if name == "uvicorn.access" else [],
            }
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


class Metrics:
    """The metrics of one application (its own registry, so that tests can build several)."""

    def __init__(self, colours: Sequence[str]) -> None:
        # The traffic light's colours, each shown even when no open situation has it.
        self.colours = tuple(colours)
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "bientraitance_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "bientraitance_http_request_duration_seconds",
            "Time to answer, by route template and method.",
            ["route", "method"],
            registry=self.registry,
        )
        self.open_situations = Gauge(
            "bientraitance_open_situations",
            "Situations open now, by colour.",
            ["severity"],
            registry=self.registry,
            # With several workers: the value the last scraped worker read from the database.
            multiprocess_mode="mostrecent",
        )

    def exposition(self) -> bytes:
        """The page: this process's metrics, or every worker's added up when the server runs
        several (PROMETHEUS_MULTIPROC_DIR, set by `bientraitance serve --workers N`)."""
        if os.environ.get(MULTIPROCESS_DIRECTORY):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # Each (route template, method, status)'s counter and histogram, found once: few,
        # since no label holds an id.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            elapsed = time.perf_counter() - start
            key = (_template(scope), scope["method"], status)
            children = self._children.get(key)
            if children is None:
                template, method, _ = key
                children = self._children[key] = (
                    self.metrics.requests.labels(template, method, str(status)),
                    self.metrics.latency.labels(template, method),
                )
            counted, timed = children
            counted.inc()
            timed.observe(elapsed)


def _template(scope: Scope) -> str:
    """The route's path with its parameters named, as the OpenAPI document writes it: a label
    that never holds an id. Paths that matched no route are all `unmatched`."""
    if "endpoint" not in scope and "route" not in scope:
        return "unmatched"
    names = {str(value): name for name, value in scope.get("path_params", {}).items()}
    return "/".join(
        f"{{{names[segment]}}}" if segment in names else segment
        for segment in scope["path"].split("/")
    )


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "alive"}


def _query(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    """A read on a connection of its own, outside any transaction: no lock taken, no turn
    waited for (a probe must not queue behind writers)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]
    finally:
        connection.close()


def _readiness(engine: Engine, head: str | None) -> tuple[bool, dict[str, str]]:
    try:
        rows = _query(engine, "SELECT version_num FROM alembic_version")
    except Exception as exc:
        return False, {"database": f"unreachable ({type(exc).__name__})"}
    current = rows[0][0] if rows else None
    if current != head:
        return False, {"database": "ok", "migrations": f"at {current}, latest is {head}"}
    return True, {"database": "ok", "migrations": f"at {current} (latest)"}


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    head = ScriptDirectory.from_config(alembic_config("")).get_current_head()
    ready, detail = _readiness(request.app.state.engine, head)
    return JSONResponse(
        {"status": "ready" if ready else "not ready", **detail}, status_code=200 if ready else 503
    )


def _check_scraper(request: Request) -> None:
    """The scraper's token, when the settings name one (BIENTRAITANCE_METRICS_TOKEN)."""
    expected = request.app.state.settings.metrics_token
    if expected is None:
        return
    sent = request.headers.get("authorization", "")
    wanted = f"Bearer {expected.get_secret_value()}"
    if not hmac.compare_digest(sent.encode(), wanted.encode()):
        raise Unauthorized("The metrics ask for the scraper's token: Authorization: Bearer ….")


@router.get("/metrics")
def metrics(request: Request) -> Response:
    _check_scraper(request)
    state: Metrics = request.app.state.metrics
    counts = dict(
        _query(
            request.app.state.engine,
            "SELECT severity, count(*) FROM situations WHERE status = 'open' GROUP BY severity",
        )
    )
    for colour in state.colours:
        state.open_situations.labels(colour).set(counts.get(colour, 0))
    return Response(state.exposition(), media_type=CONTENT_TYPE_LATEST)
