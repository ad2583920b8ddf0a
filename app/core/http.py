from typing import Annotated

from fastapi import Header

API_PREFIX = "/api/v1"

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag of the version you read. Changes made meanwhile by someone else "
        "answer 412 instead of being overwritten.",
    ),
]
