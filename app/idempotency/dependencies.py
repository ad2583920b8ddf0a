from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response

from app.core.db import SessionDep
from app.core.principal import Principal
from app.idempotency import service
from app.idempotency.service import Result


@dataclass(frozen=True)
class Idempotency:
    key: str | None
    request: service.SentRequest
    ttl: timedelta

    def respond(
        self,
        *,
        session: SessionDep,
        principal: Principal,
        status_code: int,
        produce: Callable[[], Result],
    ) -> Response:
        return service.execute(
            session=session,
            principal=principal,
            key=self.key,
            request=self.request,
            ttl=self.ttl,
            status_code=status_code,
            produce=produce,
        )


async def get_idempotency(
    request: Request,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="Any unique string (a UUID): a retry with it returns the first answer.",
            max_length=255,
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(
        key=idempotency_key,
        request=service.SentRequest(
            method=request.method, path=request.scope["path"], body=await request.body()
        ),
        # Read here rather than through a dependency of its own: one fewer to solve a request.
        ttl=timedelta(hours=request.app.state.settings.idempotency_ttl_hours),
    )


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
