"""One error hierarchy, rendered as RFC 9457 `application/problem+json`."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, PrivateAttr
from sqlalchemy.exc import DataError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.context import current_request_id

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:bientraitance:problem:"


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `intake_typology`.")
    location: str = Field(description="Where the field was sent: body, query, path or header.")
    reason: str
    # The reason's words before its values were put in, and those values: what the console
    # needs to say the reason in its reader's language.
    _template: str = PrivateAttr(default="")
    _values: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def template(self) -> str:
        return self._template or self.reason

    @property
    def values(self) -> dict[str, Any]:
        return self._values


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=[f"{PROBLEM_TYPE_PREFIX}validation-failed"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting problem+json answers."""
    return {
        code: {
            "model": Problem,
            "content": {PROBLEM_CONTENT_TYPE: {}},
            "description": HTTPStatus(code).phrase,
        }
        for code in codes
    }


class AppError(Exception):
    status_code = 500
    slug = "internal-error"
    title = "Internal error"
    # True for a refusal that must still keep what the request wrote before it (a failed
    # login's count): the request's transaction is committed, not rolled back.
    keeps_changes = False

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


class BadRequest(AppError):
    status_code = 400
    slug = "bad-request"
    title = "Bad request"


class UnsupportedMediaType(AppError):
    status_code = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class Unauthorized(AppError):
    status_code = 401
    slug = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("headers", {"WWW-Authenticate": 'Bearer realm="bientraitance"'})
        super().__init__(detail, **kwargs)


class Forbidden(AppError):
    status_code = 403
    slug = "forbidden"
    title = "Not allowed for this role"


class NotFound(AppError):
    status_code = 404
    slug = "not-found"
    title = "Not found"


class TooManyRequests(AppError):
    status_code = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class Conflict(AppError):
    status_code = 409
    slug = "conflict"
    title = "Conflict with the current state"


class PreconditionFailed(AppError):
    status_code = 412
    slug = "precondition-failed"
    title = "The record changed since you read it"


class PayloadTooLarge(AppError):
    status_code = 413
    slug = "payload-too-large"
    title = "Request body too large"


class ValidationFailed(AppError):
    status_code = 422
    slug = "validation-failed"
    title = "The request is not valid"

    @classmethod
    def on(
        cls, field: str, reason: str, location: str = "body", **values: Any
    ) -> "ValidationFailed":
        """`field` refused for `reason`, a template whose `values` are given apart (dates and
        numbers are put in as the API writes them)."""
        said = reason.format(**values) if values else reason
        error = FieldError(field=field, location=location, reason=said)
        error._template, error._values = reason, values
        return cls(f"{field}: {said}", errors=[error])


class BusinessRuleViolation(AppError):
    status_code = 409
    slug = "business-rule-violation"
    title = "The change breaks a rule of the register"


class PreconditionRequired(AppError):
    status_code = 428
    slug = "precondition-required"
    title = "If-Match header required"


def problem_response(
    request: Request,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=f"{PROBLEM_TYPE_PREFIX}{slug}",
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=current_request_id(),
        errors=errors,
    ).model_dump(exclude_none=True)
    body.update(extra or {})
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_CONTENT_TYPE)


def _location(loc: tuple[Any, ...]) -> tuple[str, str]:
    if not loc:
        return "body", ""
    where = str(loc[0])
    path = [str(part) for part in loc[1:]]
    return where, ".".join(path) if path else where


def _reason(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        return "unknown field"
    if error.get("type") == "json_invalid":
        # Its location is the position in the body where the parser stopped, not a field.
        loc = error.get("loc", ())
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        why = (error.get("ctx") or {}).get("error")
        return f"the body is not valid JSON{where}" + (f": {why}" if why else "")
    return str(error.get("msg", "invalid value"))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(
            request,
            status=exc.status_code,
            slug=exc.slug,
            title=exc.title,
            detail=exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            extra=exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            location, field = _location(tuple(error.get("loc", ())))
            if error.get("type") == "json_invalid":
                location, field = "body", ""
            errors.append(FieldError(field=field, location=location, reason=_reason(error)))
        detail = "; ".join(f"{e.field}: {e.reason}" if e.field else e.reason for e in errors)
        return problem_response(
            request,
            status=422,
            slug=ValidationFailed.slug,
            title=ValidationFailed.title,
            detail=detail,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed"}
        return problem_response(
            request,
            status=exc.status_code,
            slug="not-found" if exc.status_code == 404 else f"http-{exc.status_code}",
            title=titles.get(exc.status_code, "HTTP error"),
            detail=str(exc.detail) if exc.status_code != 404 else None,
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _exc: StaleDataError) -> JSONResponse:
        return problem_response(
            request,
            status=PreconditionFailed.status_code,
            slug=PreconditionFailed.slug,
            title=PreconditionFailed.title,
            detail="The record was changed by someone else meanwhile: read it again.",
        )

    @app.exception_handler(DataError)
    async def _data_error(request: Request, _exc: DataError) -> JSONResponse:
        # The database's "data exception" class: a value it cannot hold (a NUL character, a
        # number out of range). Input, not a fault of the service.
        return problem_response(
            request,
            status=ValidationFailed.status_code,
            slug=ValidationFailed.slug,
            title=ValidationFailed.title,
            detail="A value cannot be stored: it holds a NUL character or is out of range.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(
            request,
            status=500,
            slug=AppError.slug,
            title=AppError.title,
            detail="An unexpected error occurred. Quote the request id when reporting it.",
        )
