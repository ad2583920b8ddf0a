"""Optimistic concurrency: a record's version is its ETag; changes must name it in If-Match."""

from app.core.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def require_if_match(if_match: str | None, version: int) -> None:
    if if_match is None or not if_match.strip():
        raise PreconditionRequired(
            "Send the ETag you read in an If-Match header, so that no one else's change is lost."
        )
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" in tags or etag(version) in tags:
        return
    raise PreconditionFailed(
        "The record was changed since you read it: read it again and re-apply your change.",
        extra={"current_etag": etag(version)},
    )
