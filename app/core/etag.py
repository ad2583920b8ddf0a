"""Optimistic concurrency: a record's version is its ETag; changes must name it in If-Match."""

import re

from app.core.errors import BadRequest, PreconditionFailed, PreconditionRequired

# An entity tag as HTTP writes it: "7", or W/"7" for a weak one (RFC 9110, section 8.8.3).
_TAG = re.compile(r'(W/)?"[^"]*"')


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
    malformed = sorted(tag for tag in tags if not _TAG.fullmatch(tag))
    if malformed:
        raise BadRequest(
            "If-Match holds ETags in double quotes, as the ETag header sent them ("
            f'"7", not 7): {", ".join(malformed)} is not one.'
        )
    if all(tag.startswith("W/") for tag in tags):
        raise PreconditionFailed(
            "A weak ETag (W/…) never allows a change: send the ETag as it was sent.",
            extra={"current_etag": etag(version)},
        )
    raise PreconditionFailed(
        "The record was changed since you read it: read it again and re-apply your change.",
        extra={"current_etag": etag(version)},
    )
