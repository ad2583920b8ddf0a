from typing import Annotated

from fastapi import Header, Path

API_PREFIX = "/api/v1"
# Row ids are 32-bit on every database we run on; larger numbers cannot name a row.
MAX_ROW_ID = 2**31 - 1

AccountId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="An account's id.")]

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The ETag of the version you read. Changes made meanwhile by someone else "
        "answer 412 instead of being overwritten.",
    ),
]
