"""The register as its users meet it: an admin sets up two organisations and their accounts,
everyone logs in through the real token endpoint, and each role does its part, refusals
included. Every other test may take a shortcut; this one takes none."""

from typing import Any

import httpx

from app.auth import service as auth_service
from app.core.principal import Role
from tests.helpers import assert_problem

API = "/api/v1"


async def _token(client: httpx.AsyncClient, **form: str) -> dict[str, str]:
    response = await client.post(f"{API}/auth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_walkthrough(client: httpx.AsyncClient, session_factory: Any) -> None:
    with session_factory.begin() as session:
        auth_service.create_person(
            session=session,
            principal=None,
            email="admin@example.org",
            role=Role.ADMIN,
            password="admin password 1",
        )
    admin = await _token(
        client, grant_type="password", username="admin@example.org", password="admin password 1"
    )

    # The admin sets up the network.
    for code, name in (("MRE", "Maison relais Est"), ("HSO", "Home Sud-Ouest")):
        response = await client.post(
            f"{API}/organisations", json={"code": code, "name": name}, headers=admin
        )
        assert response.status_code == 201, response.text
    people = {
        "delegate": ("delegate@example.org", "delegate", None),
        "coord_a": ("coord.a@example.org", "coordinator", "MRE"),
        "coord_b": ("coord.b@example.org", "coordinator", "HSO"),
    }
    headers: dict[str, dict[str, str]] = {}
    for key, (email, role, organisation) in people.items():
        body = {"email": email, "role": role, "password": f"{key} password 1"}
        if organisation:
            body["organisation"] = organisation
        response = await client.post(f"{API}/accounts/people", json=body, headers=admin)
        assert response.status_code == 201, response.text
        headers[key] = await _token(
            client, grant_type="password", username=email, password=f"{key} password 1"
        )
    for key, body in (
        ("intranet_a", {"name": "MRE intranet", "role": "intranet", "organisation": "MRE"}),
        ("reporter", {"name": "Annual report", "role": "reporter"}),
    ):
        response = await client.post(f"{API}/accounts/clients", json=body, headers=admin)
        assert response.status_code == 201, response.text
        created = response.json()
        headers[key] = await _token(
            client,
            grant_type="client_credentials",
            client_id=created["username"],
            client_secret=created["client_secret"],
        )

    # A coordinator files a red situation for its organisation; a retry creates nothing more.
    body = {
        "opened_on": "2025-09-03",
        "intake_typology": "M2",
        "severity": "red",
        "summary": "A resident says a night watchman touched her.",
        "requester_kind": "manager",
        "age_group": "adolescent",
    }
    filed = await client.post(
        f"{API}/situations", json=body, headers={**headers["coord_a"], "Idempotency-Key": "w-1"}
    )
    retried = await client.post(
        f"{API}/situations", json=body, headers={**headers["coord_a"], "Idempotency-Key": "w-1"}
    )
    assert filed.status_code == retried.status_code == 201
    assert retried.json()["id"] == filed.json()["id"]
    situation = filed.json()
    sid = situation["id"]
    assert situation["reference"] == "2025-0001"
    assert situation["organisation"] == "MRE"

    # The intranet of the same organisation follows it; the other organisation cannot see it.
    assert (
        await client.get(f"{API}/situations/{sid}", headers=headers["intranet_a"])
    ).status_code == 200
    assert_problem(await client.get(f"{API}/situations/{sid}", headers=headers["coord_b"]), 404)
    listed_b = await client.get(f"{API}/situations", headers=headers["coord_b"])
    assert listed_b.json()["items"] == []
    # The reporter sees statistics, never a record; the admin manages, and reads no record either.
    assert_problem(await client.get(f"{API}/situations/{sid}", headers=headers["reporter"]), 403)
    assert_problem(await client.get(f"{API}/situations", headers=headers["reporter"]), 403)
    assert_problem(await client.get(f"{API}/situations/{sid}", headers=admin), 403)

    # A bad typology is refused with the field named.
    bad = await client.post(
        f"{API}/situations", json={**body, "intake_typology": "M25"}, headers=headers["coord_a"]
    )
    assert_problem(bad, 422, field="intake_typology")

    # Two people correct it from the same version: the second is told it changed meanwhile.
    etag = filed.headers["ETag"]
    first = await client.patch(
        f"{API}/situations/{sid}",
        json={"age_group": "child"},
        headers={**headers["delegate"], "If-Match": etag},
    )
    assert first.status_code == 200, first.text
    stale = await client.patch(
        f"{API}/situations/{sid}",
        json={"age_group": "adult"},
        headers={**headers["coord_a"], "If-Match": etag},
    )
    assert_problem(stale, 412)

    # The delegate works the file; closing a red file needs a report first.
    delegate = headers["delegate"]
    action = await client.post(
        f"{API}/situations/{sid}/actions",
        json={"kind": "meeting", "occurred_on": "2025-09-04", "duration_minutes": 90},
        headers=delegate,
    )
    assert action.status_code == 201, action.text
    closure = {
        "closed_on": "2025-11-28",
        "typology": "M2",
        "outcome": "Dismissal; complaint filed.",
    }
    refused = await client.post(f"{API}/situations/{sid}/closure", json=closure, headers=delegate)
    assert_problem(refused, 409)
    report = await client.post(
        f"{API}/situations/{sid}/reports",
        json={"decision": "reported", "authority": "parquet", "decided_on": "2025-09-04"},
        headers=headers["intranet_a"],
    )
    assert report.status_code == 201, report.text
    closed = await client.post(f"{API}/situations/{sid}/closure", json=closure, headers=delegate)
    assert closed.status_code == 201, closed.text

    history = (
        await client.get(f"{API}/situations/{sid}/history", headers=headers["coord_a"])
    ).json()
    assert [e["kind"] for e in history["entries"]] == [
        "created",
        "edited",
        "action",
        "authority_report",
        "closed",
    ]
    audit = await client.get(f"{API}/audit-entries", params={"situation_id": sid}, headers=delegate)
    actions = [e["action"] for e in audit.json()["items"]]
    assert "situation.read" in actions
    assert actions[0] == "situation.history"
