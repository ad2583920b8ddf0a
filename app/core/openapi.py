"""The answers every operation of a kind can give, documented once for all of them."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI

from app.core.errors import PROBLEM_CONTENT_TYPE


def _problem(code: int) -> dict[str, Any]:
    return {
        "description": HTTPStatus(code).phrase,
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_common_problems(app: FastAPI) -> None:
    """Operations taking a body may answer 400 (a body that cannot be decoded) and 413; with a
    token, 401 and 429 (the rate limit); with If-Match, 412 and 428."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        for operations in document["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                headers = {
                    p["name"].lower()
                    for p in operation.get("parameters", [])
                    if p.get("in") == "header"
                }
                codes = []
                if "requestBody" in operation:
                    codes += [400, 413]
                if operation.get("security"):
                    codes += [401, 429]
                if "if-match" in headers:
                    codes += [412, 428]
                for code in codes:
                    responses.setdefault(str(code), _problem(code))
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
