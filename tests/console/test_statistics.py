"""The statistics pages: the API's figures, in the reader's language, within their reach."""

import httpx
from sqlalchemy import select, update

from app.audit.models import AuditEntry
from app.auth.models import Account
from tests.conftest import Database
from tests.console.test_sessions import sign_in
from tests.factories import World, situation_body

SITUATIONS = '<p class="value">{}</p><p class="label">Situations (interventions)'


async def _filed(client: httpx.AsyncClient, world: World, **body: object) -> None:
    done = await client.post(
        "/api/v1/situations", json=situation_body(**body), headers=world.delegate.headers
    )
    assert done.status_code == 201, done.text


async def test_a_delegate_reads_the_networks_figures_and_downloads_them(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    for organisation in ("MRE", "MRE", "HSO"):
        await _filed(client, world, organisation=organisation, intake_typology="M2")
    await sign_in(client, world.delegate.username)
    page = await client.get("/statistics?year=2026&compare_to=2025")
    assert page.status_code == 200
    assert "<h1>Statistiques 2026</h1>" in page.text
    assert SITUATIONS.format(3) in page.text  # the annual report's key figure
    assert page.text.count("<svg") == 2  # and its charts
    assert 'href="/static/annual_report.css"' in page.text
    audited = db.all(select(AuditEntry.action).where(AuditEntry.action == "statistics.annual"))
    assert audited == ["statistics.annual"]  # the figures read are audited, as through the API
    csv = await client.get("/statistics?year=2026&compare_to=2025&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    report = await client.get("/statistics?year=2026&compare_to=2025&format=report")
    assert 'filename="rapport-annuel-2026.html"' in report.headers["content-disposition"]
    assert "<style>" in report.text  # one file that needs nothing else to be read
    assert "src=" not in report.text
    assert 'rel="stylesheet"' not in report.text
    assert SITUATIONS.format(3) in report.text
    assert report.text.count("<svg") == 2
    stylesheet = await client.get("/static/annual_report.css")
    assert stylesheet.status_code == 200
    assert stylesheet.text in report.text


async def test_a_coordinator_sees_their_organisation_and_hidden_counts_are_marked(
    client: httpx.AsyncClient, world: World
) -> None:
    for organisation in ("MRE", "HSO", "HSO"):
        await _filed(client, world, organisation=organisation)
    await sign_in(client, world.coordinator_b.username)
    page = await client.get("/statistics?year=2026&suppress_below=3")
    assert page.status_code == 200
    assert "<h1>Statistiques 2026 · HSO</h1>" in page.text
    assert "MRE" not in page.text.split("<main")[1]
    # Two situations: hidden, and said so, never a zero.
    assert SITUATIONS.format("&lt;3") in page.text
    refused = await client.get("/statistics?year=2026&organisation=MRE")
    assert refused.status_code in (403, 404)


async def test_a_reporter_signs_in_to_the_statistics_only(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    reporter = world.reporter.username
    db.execute(update(Account).where(Account.username == reporter).values(kind="person"))
    signed = await sign_in(client, reporter)
    assert signed.status_code == 303
    home = await client.get("/")
    assert home.headers["location"] == "/statistics"
    page = await client.get("/statistics")
    assert page.status_code == 200
    assert 'href="/situations/new"' not in page.text
    assert (await client.get("/situations/2026-0001")).status_code == 404
