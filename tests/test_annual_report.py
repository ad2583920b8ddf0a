"""scripts/annual_report.py, end to end: a live server, a reporter client's credentials, and a
self-contained HTML file with the year's figures."""

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from app.auth import service as auth_service
from app.core.principal import Role
from app.reference.labels import Language
from app.statistics import annual_report as report
from scripts import annual_report
from tests.factories import World
from tests.statistics.conftest import tell, year_2024, year_2025


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def reporter_credentials(session_factory: Any) -> tuple[str, str]:
    with session_factory.begin() as session:
        account, secret = auth_service.create_client(
            session=session, principal=None, name="Annual report", role=Role.REPORTER
        )
        return account.username, secret


async def test_report(
    client: httpx.AsyncClient,
    world: World,
    live_url: str,
    reporter_credentials: tuple[str, str],
    tmp_path: Path,
) -> None:
    await tell(client, world, year_2024() + year_2025())
    client_id, secret = reporter_credentials
    output = tmp_path / "report.html"
    arguments = [
        "--url",
        live_url,
        "--year",
        "2025",
        f"--client-id={client_id}",
        f"--client-secret={secret}",
        "--output",
        str(output),
    ]
    # The script is synchronous: run it off the event loop that serves nothing here.
    import asyncio

    code = await asyncio.to_thread(annual_report.main, arguments)
    assert code == 0
    page = output.read_text(encoding="utf-8")
    assert "statistiques 2025" in page
    # The requalifications are the pairs that happened; a code's net change is apart.
    requalifications = page.split('id="report-requalifications">')[1].split("<h2")[0]
    # The pairs that happened, by code at intake: this year's, then the year before's.
    assert (
        '<th scope="row">M1 →</th><td>M21\u00a0: 2 · M22\u00a0: 1</td><td>M21\u00a0: 1</td>'
        in requalifications
    )
    net = requalifications.split("<h3>")[1]
    assert net.startswith("Écart net")
    assert "M1 : 7 à l&#39;entrée, 3 à la sortie" in net
    assert page.count("<svg") == 2
    # Self-contained: nothing is fetched, no script runs.
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page
    assert "<link" not in page
    # Key figures: 16 situations against 4, +300,0 % as a French reader writes it.
    assert '<p class="value">16</p>' in page
    assert "+300,0\u00a0%" in page
    assert "+300.0" not in page
    months = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
    assert re.search(rf"Établi le [0-9]{{1,2}} ({months}) 20[0-9]{{2}}", page)
    assert "provisoires" not in page  # 2025 has ended
    assert "@media print" in page
    assert "size: A4" in page
    # The same figures give the same file, charts included.
    again = tmp_path / "again.html"
    assert await asyncio.to_thread(annual_report.main, [*arguments[:-1], str(again)]) == 0
    assert again.read_text(encoding="utf-8") == page

    english = tmp_path / "report-en.html"
    code = await asyncio.to_thread(
        annual_report.main,
        [*arguments[:-1], str(english), "--lang", "en", "--suppress-below", "3"],
    )
    assert code == 0
    page = english.read_text(encoding="utf-8")
    assert "+300.0%" in page
    assert "M1\u2013M24 typology" in page
    assert "&lt;3" in page
    assert "Counts under 3 are hidden" in page


async def test_a_year_not_ended_is_said_provisional(
    client: httpx.AsyncClient, world: World, live_url: str, reporter_credentials: tuple[str, str]
) -> None:
    import asyncio
    from datetime import date

    stats = await asyncio.to_thread(
        annual_report.fetch,
        url=live_url,
        client_id=reporter_credentials[0],
        client_secret=reporter_credentials[1],
        year=date.today().year,
        compare_to=None,
        lang=Language.DE,
        organisation=None,
        suppress_below=None,
    )
    page = report.document(stats, Language.DE, today=date.today())
    assert "Vorläufige Zahlen" in page


def test_the_scripts_errors_are_said_in_one_line(
    reporter_credentials: tuple[str, str], live_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused credentials, or no service at the address: one line, never a traceback."""
    refused = annual_report.main(
        ["--url", live_url, "--year", "2025", "--client-id", "cli_x", "--client-secret", "wrong"]
    )
    assert refused == 1
    said = capsys.readouterr().err
    assert said.startswith("error: 401"), said
    assert said.count("\n") == 1, said
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{probe.getsockname()[1]}"
    missing = annual_report.main(
        ["--url", nowhere, "--year", "2025", "--client-id", "cli_x", "--client-secret", "x"]
    )
    assert missing == 1
    assert capsys.readouterr().err == f"error: no service answers at {nowhere}\n"


async def test_a_hidden_count_is_never_drawn_as_a_zero(
    client: httpx.AsyncClient, world: World, live_url: str, reporter_credentials: tuple[str, str]
) -> None:
    """A count under the threshold is drawn as a marked stub with "<N" beside it, never as a
    bar of no length that would read as zero."""
    import asyncio

    await tell(client, world, year_2024() + year_2025())
    stats = await asyncio.to_thread(
        annual_report.fetch,
        url=live_url,
        client_id=reporter_credentials[0],
        client_secret=reporter_credentials[1],
        year=2025,
        compare_to=None,
        lang=Language.FR,
        organisation=None,
        suppress_below=3,
    )
    hidden = [f for f in stats.intake if f.suppressed]
    drawn = [f for f in stats.intake if f.value]
    assert hidden, "the figures have small counts to hide"
    chart = str(report.sections(stats, Language.FR)).split("<svg")[1].split("</svg>")[0]
    assert chart.count('class="hidden-count"') == len(hidden) + sum(
        f.suppressed for f in stats.closure
    )
    assert chart.count('class="series-0"') == 1 + len(drawn)  # the legend's, then a bar each
    assert 'width="0' not in chart
