"""The sub-resources: severity changes, reports, year-end reviews, actions, closure, reopening,
and the history they make together."""

from collections.abc import Awaitable
from typing import Any

import httpx

from app.situations.models import Closure
from tests.conftest import Database
from tests.factories import World
from tests.helpers import assert_problem
from tests.situations.conftest import NewSituation

URL = "/api/v1/situations"
CLOSURE = {"closed_on": "2026-06-30", "typology": "M21", "outcome": "Practice reviewed in team."}


async def _history(client: httpx.AsyncClient, world: World, sid: str) -> dict[str, Any]:
    response = await client.get(f"{URL}/{sid}/history", headers=world.delegate.headers)
    assert response.status_code == 200, response.text
    history: dict[str, Any] = response.json()
    return history


async def test_severity_change(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(severity="orange")
    response = await client.post(
        f"{URL}/{created['id']}/severity-changes",
        json={"severity": "red", "reason": "A second resident describes the same facts."},
        headers=world.coordinator_a.headers,
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["from_severity"], record["to_severity"]) == ("orange", "red")
    assert record["recorded_by"]["role"] == "coordinator"
    assert record["situation_version"] == created["version"] + 1
    current = (await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)).json()
    assert current["severity"] == "red"


async def test_severity_change_needs_reason(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.post(
        f"{URL}/{created['id']}/severity-changes",
        json={"severity": "red"},
        headers=world.delegate.headers,
    )
    assert_problem(response, 422, field="reason")


async def test_sub_resource_with_stale_if_match(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    await client.post(
        f"{URL}/{created['id']}/actions",
        json={"kind": "call", "occurred_on": "2026-03-15", "duration_minutes": 20},
        headers=world.delegate.headers,
    )
    response = await client.post(
        f"{URL}/{created['id']}/severity-changes",
        json={"severity": "green", "reason": "Reassessed."},
        headers={**world.delegate.headers, "If-Match": created["etag"]},
    )
    assert_problem(response, 412)


async def test_red_cannot_close_without_report(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation, db: Database
) -> None:
    created = await new_situation(severity="red", intake_typology="M2")
    response = await client.post(
        f"{URL}/{created['id']}/closure", json=CLOSURE, headers=world.delegate.headers
    )
    problem = assert_problem(response, 409, slug="business-rule-violation")
    assert problem["rule"] == "red-needs-report"
    assert "report" in problem["detail"]
    assert db.count(Closure) == 0
    current = (await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)).json()
    assert current["status"] == "open"


async def test_red_closes_after_report(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(severity="red", intake_typology="M2")
    report = await client.post(
        f"{URL}/{created['id']}/reports",
        json={
            "decision": "reported",
            "authority": "parquet",
            "decided_on": "2026-03-15",
            "details": "Report sent by the direction.",
        },
        headers=world.intranet_a.headers,
    )
    assert report.status_code == 201, report.text
    closed = await client.post(
        f"{URL}/{created['id']}/closure",
        json={**CLOSURE, "typology": "M2"},
        headers=world.delegate.headers,
    )
    assert closed.status_code == 201, closed.text
    current = (await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)).json()
    # One version per change: created (1), report (2), closure (3).
    assert closed.json()["situation_version"] == current["version"] == 3
    assert current["status"] == "closed"
    assert current["closure"] == {**CLOSURE, "typology": "M2"}
    assert current["closure_typology"] == "M2"


async def test_red_closes_after_justified_decision_not_to_report(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(severity="red")
    unjustified = await client.post(
        f"{URL}/{created['id']}/reports",
        json={"decision": "not_reported", "decided_on": "2026-03-15"},
        headers=world.delegate.headers,
    )
    assert_problem(unjustified, 422, field="justification")
    justified = await client.post(
        f"{URL}/{created['id']}/reports",
        json={
            "decision": "not_reported",
            "decided_on": "2026-03-15",
            "justification": "Facts already known to the prosecutor through the family.",
        },
        headers=world.delegate.headers,
    )
    assert justified.status_code == 201, justified.text
    closed = await client.post(
        f"{URL}/{created['id']}/closure", json=CLOSURE, headers=world.delegate.headers
    )
    assert closed.status_code == 201, closed.text


async def test_report_needs_known_authority(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    for body in (
        {"decision": "reported", "decided_on": "2026-03-15"},
        {"decision": "reported", "decided_on": "2026-03-15", "authority": "interpol"},
    ):
        response = await client.post(
            f"{URL}/{created['id']}/reports", json=body, headers=world.delegate.headers
        )
        assert_problem(response, 422, field="authority")


async def test_closure_typology_must_be_valid(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.post(
        f"{URL}/{created['id']}/closure",
        json={**CLOSURE, "typology": "M0"},
        headers=world.delegate.headers,
    )
    assert_problem(response, 422, field="typology")


async def test_closure_before_opening(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(opened_on="2026-03-14")
    response = await client.post(
        f"{URL}/{created['id']}/closure",
        json={**CLOSURE, "closed_on": "2026-03-01"},
        headers=world.delegate.headers,
    )
    assert_problem(response, 422, field="closed_on")


async def test_closing_and_reviewing_are_for_delegates(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    review = {"year": 2025, "typology": "M21", "reviewed_on": "2025-12-31"}
    action = {"kind": "meeting", "occurred_on": "2026-03-20", "duration_minutes": 60}
    for path, body in (("closure", CLOSURE), ("reviews", review), ("actions", action)):
        for caller in (world.coordinator_a, world.intranet_a):
            response = await client.post(
                f"{URL}/{created['id']}/{path}", json=body, headers=caller.headers
            )
            assert_problem(response, 403)


async def test_closed_situation_is_read_only_until_reopened(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    await client.post(
        f"{URL}/{created['id']}/closure", json=CLOSURE, headers=world.delegate.headers
    )
    refused = await client.post(
        f"{URL}/{created['id']}/severity-changes",
        json={"severity": "red", "reason": "New facts."},
        headers=world.delegate.headers,
    )
    assert_problem(refused, 409)
    again = await client.post(
        f"{URL}/{created['id']}/closure", json=CLOSURE, headers=world.delegate.headers
    )
    assert_problem(again, 409)
    reopened = await client.post(
        f"{URL}/{created['id']}/reopening",
        json={"reason": "New facts reported by the family."},
        headers=world.delegate.headers,
    )
    assert reopened.status_code == 201, reopened.text
    current = (await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)).json()
    assert (current["status"], current["closure"], current["closure_typology"]) == (
        "open",
        None,
        None,
    )
    open_again = await client.post(
        f"{URL}/{created['id']}/reopening", json={"reason": "twice"}, headers=world.delegate.headers
    )
    assert_problem(open_again, 409)


async def test_year_end_review(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(opened_on="2025-10-01")
    response = await client.post(
        f"{URL}/{created['id']}/reviews",
        json={"year": 2025, "typology": "M22", "reviewed_on": "2025-12-31"},
        headers=world.delegate.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["typology"] == "M22"
    too_early = await client.post(
        f"{URL}/{created['id']}/reviews",
        json={"year": 2024, "typology": "M22", "reviewed_on": "2025-12-31"},
        headers=world.delegate.headers,
    )
    assert_problem(too_early, 422, field="year")


async def test_action_duration_bounds(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()
    response = await client.post(
        f"{URL}/{created['id']}/actions",
        json={"kind": "call", "occurred_on": "2026-03-15", "duration_minutes": -5},
        headers=world.delegate.headers,
    )
    assert_problem(response, 422, field="duration_minutes")


async def test_sub_resources_of_other_organisation(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation()  # organisation A
    bodies: dict[str, dict[str, Any]] = {
        "severity-changes": {"severity": "red", "reason": "x"},
        "reports": {"decision": "reported", "authority": "police", "decided_on": "2026-03-15"},
    }
    for path, body in bodies.items():
        response = await client.post(
            f"{URL}/{created['id']}/{path}", json=body, headers=world.coordinator_b.headers
        )
        assert_problem(response, 404)
    history = await client.get(
        f"{URL}/{created['id']}/history", headers=world.coordinator_b.headers
    )
    assert_problem(history, 404)
    current = (await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)).json()
    assert current["version"] == created["version"]


async def test_history_in_order_with_who_and_when(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(
        severity="orange", caller=world.coordinator_a, opened_on="2025-03-14"
    )
    sid = created["id"]
    steps: list[tuple[str, dict[str, Any], Any]] = [
        (
            "actions",
            {"kind": "call", "occurred_on": "2025-03-14", "duration_minutes": 30},
            world.delegate,
        ),
        (
            "severity-changes",
            {"severity": "red", "reason": "Disclosure.", "changed_on": "2025-03-15"},
            world.coordinator_a,
        ),
        (
            "reports",
            {"decision": "reported", "authority": "police", "decided_on": "2025-03-16"},
            world.intranet_a,
        ),
        ("reviews", {"year": 2025, "typology": "M3", "reviewed_on": "2025-12-31"}, world.delegate),
        ("closure", {**CLOSURE, "typology": "M3"}, world.delegate),
        ("reopening", {"reason": "Appeal."}, world.delegate),
    ]
    for path, body, caller in steps:
        response = await client.post(f"{URL}/{sid}/{path}", json=body, headers=caller.headers)
        assert response.status_code == 201, response.text
    history = await _history(client, world, sid)
    kinds = [e["kind"] for e in history["entries"]]
    assert kinds == [
        "created",
        "action",
        "severity_changed",
        "authority_report",
        "year_end_review",
        "closed",
        "reopened",
    ]
    who = [e["recorded_by"]["id"] for e in history["entries"]]
    assert who == [
        world.coordinator_a.account_id,
        world.delegate.account_id,
        world.coordinator_a.account_id,
        world.intranet_a.account_id,
        world.delegate.account_id,
        world.delegate.account_id,
        world.delegate.account_id,
    ]
    times = [e["recorded_at"] for e in history["entries"]]
    assert times == sorted(times)
    # Each entry has an id of its own within the history, and says the situation's version
    # (its ETag) right after it: the last one is the ETag now.
    entry_ids = [e["entry_id"] for e in history["entries"]]
    assert len(set(entry_ids)) == len(entry_ids) == 7
    versions = [e["situation_version"] for e in history["entries"]]
    assert versions == list(range(1, 8))
    now = await client.get(f"{URL}/{sid}", headers=world.delegate.headers)
    assert now.headers["ETag"] == f'"{versions[-1]}"'
    assert history["entries"][0]["severity"] == "orange"
    assert history["reference"] == created["reference"]


def refused(response: httpx.Response, field: str, after: str) -> None:
    """A change refused as dated before `after`, the date it must follow."""
    problem = assert_problem(response, 422, field=field)
    assert after in str(problem["errors"]), problem


async def test_history_is_dated_in_the_order_it_happened(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    """A year's figures take each situation as it stood on 31 December, by the dates of its
    records: a record dated before what it follows is refused, and nothing is written."""
    created = await new_situation(severity="orange", opened_on="2026-03-14")
    sid = created["id"]

    def post(path: str, body: dict[str, Any]) -> Awaitable[httpx.Response]:
        return client.post(f"{URL}/{sid}/{path}", json=body, headers=world.delegate.headers)

    colour = {"severity": "red", "reason": "Disclosure."}
    refused(
        await post("severity-changes", {**colour, "changed_on": "2026-03-13"}),
        "changed_on",
        "2026-03-14",
    )
    # A report may come first: the organisation reported before it turned to a delegate.
    early_report = {"decision": "reported", "authority": "police", "decided_on": "2026-03-01"}
    assert (await post("reports", early_report)).status_code == 201
    refused(
        await post("reviews", {"year": 2026, "typology": "M3", "reviewed_on": "2026-03-13"}),
        "reviewed_on",
        "2026-03-14",
    )
    assert (
        await post("severity-changes", {**colour, "changed_on": "2026-05-01"})
    ).status_code == 201
    back_dated = {"severity": "green", "reason": "Reassessed.", "changed_on": "2026-04-30"}
    refused(await post("severity-changes", back_dated), "changed_on", "2026-05-01")
    same_day = {**back_dated, "severity": "orange", "changed_on": "2026-05-01"}
    assert (await post("severity-changes", same_day)).status_code == 201

    assert (await post("closure", {**CLOSURE, "closed_on": "2026-06-30"})).status_code == 201
    refused(
        await post("reopening", {"reason": "Appeal.", "reopened_on": "2026-06-29"}),
        "reopened_on",
        "2026-06-30",
    )
    assert (
        await post("reopening", {"reason": "Appeal.", "reopened_on": "2026-07-02"})
    ).status_code == 201
    refused(
        await post("closure", {**CLOSURE, "closed_on": "2026-07-01"}), "closed_on", "2026-07-02"
    )

    current = await client.get(f"{URL}/{sid}", headers=world.delegate.headers)
    patch = {**world.delegate.headers, "If-Match": current.headers["ETag"]}
    later = await client.patch(f"{URL}/{sid}", json={"opened_on": "2026-05-02"}, headers=patch)
    refused(later, "opened_on", "2026-05-01")
    kinds = [entry["kind"] for entry in (await _history(client, world, sid))["entries"]]
    assert kinds == [
        "created",
        "authority_report",
        "severity_changed",
        "severity_changed",
        "closed",
        "reopened",
    ]
    earlier = await client.patch(f"{URL}/{sid}", json={"opened_on": "2026-05-01"}, headers=patch)
    assert earlier.status_code == 200, earlier.text


async def test_opening_stays_in_the_year_of_its_reviews(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    created = await new_situation(opened_on="2025-11-20")
    review = {"year": 2025, "typology": "M3", "reviewed_on": "2026-01-10"}
    response = await client.post(
        f"{URL}/{created['id']}/reviews", json=review, headers=world.delegate.headers
    )
    assert response.status_code == 201, response.text
    current = await client.get(f"{URL}/{created['id']}", headers=world.delegate.headers)
    response = await client.patch(
        f"{URL}/{created['id']}",
        json={"opened_on": "2026-01-05"},
        headers={**world.delegate.headers, "If-Match": current.headers["ETag"]},
    )
    problem = assert_problem(response, 422, field="opened_on")
    assert "2025" in str(problem["errors"])


async def test_every_change_answers_the_situations_new_etag(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    """Each answer's ETag is the If-Match of the next change, with no read in between; a retry
    with the same Idempotency-Key answers the same ETag."""
    created = await new_situation(severity="red")
    sid, tag = created["id"], created["etag"]
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            "severity-changes",
            {"severity": "orange", "reason": "Reassessed.", "changed_on": "2026-03-15"},
        ),
        ("reports", {"decision": "reported", "authority": "parquet", "decided_on": "2026-03-16"}),
        ("actions", {"kind": "meeting", "occurred_on": "2026-03-17", "duration_minutes": 30}),
        ("closure", {**CLOSURE, "closed_on": "2026-03-20"}),
        ("reopening", {"reason": "New facts.", "reopened_on": "2026-03-25"}),
    ]
    for sub, body in steps:
        headers = {**world.delegate.headers, "If-Match": tag, "Idempotency-Key": f"etag-{sub}"}
        answer = await client.post(f"{URL}/{sid}/{sub}", json=body, headers=headers)
        assert answer.status_code == 201, (sub, answer.text)
        assert answer.headers["ETag"] == f'"{answer.json()["situation_version"]}"', sub
        assert answer.headers["ETag"] != tag, sub
        again = await client.post(f"{URL}/{sid}/{sub}", json=body, headers=headers)
        assert again.headers["ETag"] == answer.headers["ETag"], sub
        tag = answer.headers["ETag"]
    patched = await client.patch(
        f"{URL}/{sid}",
        json={"age_group": "adult"},
        headers={**world.delegate.headers, "If-Match": tag},
    )
    assert patched.status_code == 200, patched.text


async def test_a_closure_comes_last_in_the_history(
    client: httpx.AsyncClient, world: World, new_situation: NewSituation
) -> None:
    """A closure dated before the last change of colour, year-end review or report decision
    would make the history contradict itself, and so would a change of colour dated while the
    situation was closed: each is refused, naming the date it must follow."""
    created = await new_situation(severity="orange", opened_on="2026-03-14")
    sid = created["id"]

    def post(path: str, body: dict[str, Any]) -> Awaitable[httpx.Response]:
        return client.post(f"{URL}/{sid}/{path}", json=body, headers=world.delegate.headers)

    colour = {"severity": "red", "reason": "Disclosure.", "changed_on": "2026-04-01"}
    assert (await post("severity-changes", colour)).status_code == 201
    review = {"year": 2026, "typology": "M3", "reviewed_on": "2026-04-10"}
    assert (await post("reviews", review)).status_code == 201
    report = {"decision": "reported", "authority": "police", "decided_on": "2026-04-20"}
    assert (await post("reports", report)).status_code == 201

    refused(await post("closure", {**CLOSURE, "closed_on": "2026-03-30"}), "closed_on", "04-01")
    refused(await post("closure", {**CLOSURE, "closed_on": "2026-04-05"}), "closed_on", "04-10")
    refused(await post("closure", {**CLOSURE, "closed_on": "2026-04-19"}), "closed_on", "04-20")
    assert (await post("closure", {**CLOSURE, "closed_on": "2026-04-20"})).status_code == 201

    reopening = {"reason": "Appeal.", "reopened_on": "2026-05-01"}
    assert (await post("reopening", reopening)).status_code == 201
    while_closed = {"severity": "orange", "reason": "Reassessed.", "changed_on": "2026-04-25"}
    refused(await post("severity-changes", while_closed), "changed_on", "2026-05-01")
    after = {**while_closed, "changed_on": "2026-05-02"}
    assert (await post("severity-changes", after)).status_code == 201
