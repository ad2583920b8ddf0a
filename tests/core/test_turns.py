"""Database turns: a reading request (the annual statistics) holds its reading turn while it
writes its audit entry on a writer's turn, so reading turns must never use up the writers'."""

import asyncio

import pytest
from sqlalchemy import create_engine

from app.core.db import DatabaseTurns


@pytest.mark.parametrize(
    "url", ["sqlite://", "postgresql+psycopg://nobody@127.0.0.1:1/none"], ids=["sqlite", "pg"]
)
async def test_a_writer_turn_is_free_while_every_reading_turn_is_held(url: str) -> None:
    engine = create_engine(url)  # never connects: only its dialect is read
    turns = DatabaseTurns(engine)
    async with asyncio.timeout(5):
        held = []
        try:
            # As many statistics calls as there are reading turns, and one more waiting.
            for _ in range(turns.readers):
                reading = turns.reading()
                await reading.__aenter__()
                held.append(reading)
            waiting = asyncio.create_task(turns.reading().__aenter__())
            await asyncio.sleep(0)
            assert not waiting.done()
            waiting.cancel()
            # Each of them can still write its audit entry.
            async with turns.turn():
                pass
        finally:
            for reading in held:
                await reading.__aexit__(None, None, None)
    engine.dispose()
