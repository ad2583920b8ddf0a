"""POST /api/v1/situations"""

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, insert, select, update

from app.audit.models import AuditEntry
from app.auth.models import Account
from app.organisations.models import Organisation, Site
from app.situations.models import ReferenceCounter, Situation
from app.webhooks import outbox
from tests.conftest import Database
from tests.factories import World, situation_body
from tests.helpers import assert_problem

URL = "/api/v1/situations"


async def test_valid(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"2026-\d{4}", body["reference"])
    assert body["organisation"] == "MRE"
    assert body["intake_typology"] == "M1"
    assert body["severity"] == "orange"
    assert body["status"] == "open"
    assert body["closure"] is None
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert response.headers["Location"] == f"{URL}/{body['id']}"


@pytest.mark.parametrize("caller", ["delegate", "coordinator_a"])
async def test_a_creation_reads_each_thing_once(
    client: httpx.AsyncClient, world: World, caller: str
) -> None:
    """One query for each check, and nothing loaded behind the answer's back: the
    organisation and the site the situation was checked against are the ones it answers."""
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(" ".join(args[2].split()))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        response = await client.post(
            URL,
            json=situation_body(organisation=world.org_a, site_id=world.site_a),
            headers=getattr(world, caller).headers,
        )
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert response.status_code == 201, response.text
    assert response.json()["site"]["id"] == world.site_a
    reads = [s for s in statements if s.startswith("SELECT")]
    assert len(reads) == len(set(reads)), reads
    tables_read = [s.split(" FROM ")[1].split()[0] for s in reads]
    for checked in ("organisations", "sites"):
        assert tables_read.count(checked) == 1, reads
    assert "situations" not in tables_read


async def test_references_follow_each_other_within_a_year(
    client: httpx.AsyncClient, world: World
) -> None:
    references = []
    for opened_on in ("2026-01-05", "2026-02-01", "2025-12-30", "2026-02-02"):
        response = await client.post(
            URL, json=situation_body(opened_on=opened_on), headers=world.delegate.headers
        )
        references.append(response.json()["reference"])
    assert references == ["2026-0001", "2026-0002", "2025-0001", "2026-0003"]


async def test_a_year_past_9999_situations_takes_five_digits(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    db.execute(insert(ReferenceCounter).values(year=2026, last_value=9998))
    answered = []
    for _ in range(2):
        response = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
        answered.append(response.json()["reference"])
    assert answered == ["2026-9999", "2026-10000"]
    assert db.all(select(Situation.sequence).order_by(Situation.sequence)) == [9999, 10000]
    assert db.all(select(Situation.reference).order_by(Situation.sequence)) == answered


async def test_coordinator_files_for_own_organisation_by_default(
    client: httpx.AsyncClient, world: World
) -> None:
    body = situation_body(organisation=None, site_id=world.site_a)
    response = await client.post(URL, json=body, headers=world.coordinator_a.headers)
    assert response.status_code == 201, response.text
    assert response.json()["organisation"] == world.org_a
    assert response.json()["site"] == {"id": world.site_a, "name": "Groupe de vie 1"}


async def test_other_organisation(client: httpx.AsyncClient, world: World, db: Database) -> None:
    body = situation_body(organisation=world.org_b)
    response = await client.post(URL, json=body, headers=world.intranet_a.headers)
    assert_problem(response, 422, field="organisation")
    assert db.count(Situation) == 0


async def test_site_of_another_organisation(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(site_id=world.site_b)
    response = await client.post(URL, json=body, headers=world.coordinator_a.headers)
    assert_problem(response, 422, field="site_id")


async def test_delegate_names_the_organisation(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(
        URL, json=situation_body(organisation=None), headers=world.delegate.headers
    )
    problem = assert_problem(response, 422, field="organisation")
    assert problem["errors"][0]["reason"] == "required"
    response = await client.post(
        URL, json=situation_body(organisation="NOPE"), headers=world.delegate.headers
    )
    assert_problem(response, 422, field="organisation")
    response = await client.post(
        URL,
        json=situation_body(organisation=" hso ", site_id=world.site_b),
        headers=world.delegate.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["organisation"] == world.org_b
    assert response.json()["site"]["id"] == world.site_b


async def test_inactive_organisation_and_site(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    db.execute(update(Site).where(Site.id == world.site_a).values(active=False))
    body = situation_body(organisation=world.org_a, site_id=world.site_a)
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="site_id")
    db.execute(update(Organisation).where(Organisation.code == world.org_b).values(active=False))
    body = situation_body(organisation=world.org_b)
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    problem = assert_problem(response, 422, field="organisation")
    assert "no longer active" in problem["errors"][0]["reason"]
    assert db.count(Situation) == 0


async def test_own_organisation_inactive_still_files_its_own(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    """Whom the organisation's own people file for is theirs: it may have left the network (a
    delegate can no longer file for it), its situations still reach the register."""
    db.execute(update(Organisation).where(Organisation.code == world.org_a).values(active=False))
    body = situation_body(organisation=world.org_a)
    refused = await client.post(URL, json=body, headers=world.delegate.headers)
    assert_problem(refused, 422, field="organisation")
    body = situation_body(organisation=None, site_id=world.site_a)
    response = await client.post(URL, json=body, headers=world.coordinator_a.headers)
    assert response.status_code == 201, response.text
    answered = response.json()
    assert answered["organisation"] == world.org_a
    assert answered["site"] == {"id": world.site_a, "name": "Groupe de vie 1"}
    read = await client.get(f"{URL}/{answered['id']}", headers=world.coordinator_a.headers)
    assert {k: v for k, v in read.json().items() if k in answered} == answered


async def test_unknown_typology(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(intake_typology="M25")
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    problem = assert_problem(response, 422, field="intake_typology", slug="validation-failed")
    assert problem["errors"][0]["location"] == "body"


async def test_unknown_field(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(reference="2026-9999")
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    problem = assert_problem(response, 422, field="reference")
    assert problem["errors"][0]["reason"] == "unknown field"


async def test_missing_and_bad_fields_are_all_named(
    client: httpx.AsyncClient, world: World
) -> None:
    body = situation_body(severity="purple", summary=None, opened_on="yesterday")
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    problem = assert_problem(response, 422)
    assert {e["field"] for e in problem["errors"]} == {"severity", "summary", "opened_on"}


async def test_summary_too_long(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(summary="x" * 10_001)
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="summary")


async def test_future_date(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(opened_on="2999-01-01")
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="opened_on")


async def test_unknown_requester_kind(client: httpx.AsyncClient, world: World) -> None:
    body = situation_body(requester_kind="neighbour")
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="requester_kind")


async def test_refused_request_leaves_nothing(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    body = situation_body(age_group="toddlers")
    response = await client.post(URL, json=body, headers=world.delegate.headers)
    assert_problem(response, 422, field="age_group")
    assert db.count(Situation) == 0
    assert db.count(AuditEntry) == 0
    # The reference counter was rolled back too: the next situation gets number 1.
    response = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
    assert response.json()["reference"] == "2026-0001"


async def test_a_failure_after_numbering_leaves_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    world: World,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A creation that fails once numbered and inserted (here, as its webhook events are
    queued) is rolled back whole: no situation, no audit entry, and the counter unmoved."""

    def failing(**_: object) -> None:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(outbox, "enqueue", failing)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as raw:
        response = await raw.post(URL, json=situation_body(), headers=world.delegate.headers)
    assert_problem(response, 500)
    assert db.count(Situation) == 0
    assert db.count(AuditEntry) == 0
    assert db.count(ReferenceCounter) == 0
    monkeypatch.undo()
    response = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
    assert response.json()["reference"] == "2026-0001"


async def test_anonymous(client: httpx.AsyncClient, world: World) -> None:
    response = await client.post(URL, json=situation_body())
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


async def test_wrong_role(client: httpx.AsyncClient, world: World) -> None:
    for caller in (world.reporter, world.admin):
        response = await client.post(URL, json=situation_body(), headers=caller.headers)
        assert_problem(response, 403, slug="forbidden")


async def test_audited_with_request_id(
    client: httpx.AsyncClient, world: World, db: Database
) -> None:
    response = await client.post(
        URL,
        json=situation_body(),
        headers={**world.delegate.headers, "X-Request-ID": "req-123"},
    )
    assert response.headers["X-Request-ID"] == "req-123"
    (entry,) = db.all(select(AuditEntry).where(AuditEntry.action == "situation.create"))
    assert entry.situation_id == response.json()["id"]
    assert entry.account_id == world.delegate.account_id
    assert entry.role == "delegate"
    assert entry.request_id == "req-123"
    assert entry.detail == {"reference": response.json()["reference"]}
    assert "shouted" not in str(entry.detail)


async def test_disabled_account(client: httpx.AsyncClient, world: World, db: Database) -> None:
    """The caller's account is checked as it is now, in the trip that writes."""
    db.execute(update(Account).where(Account.id == world.delegate.account_id).values(active=False))
    response = await client.post(URL, json=situation_body(), headers=world.delegate.headers)
    assert_problem(response, 401)
    assert db.count(Situation) == 0
    assert db.count(AuditEntry) == 0
