"""A year of situations as an annual report would count them, entered through the API."""

from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.factories import World

API = "/api/v1/situations"


@dataclass
class Story:
    """One situation and what happened to it, in order."""

    opened_on: str
    intake: str
    severity: str
    organisation: str = "MRE"
    steps: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def close(self, on: str, typology: str) -> "Story":
        self.steps.append(("closure", {"closed_on": on, "typology": typology, "outcome": "Done."}))
        return self

    def review(self, year: int, typology: str) -> "Story":
        body = {"year": year, "typology": typology, "reviewed_on": f"{year}-12-31"}
        self.steps.append(("reviews", body))
        return self

    def colour(self, on: str, severity: str) -> "Story":
        body = {"severity": severity, "reason": "Reassessed.", "changed_on": on}
        self.steps.append(("severity-changes", body))
        return self

    def report(self, on: str, authority: str) -> "Story":
        body = {"decision": "reported", "authority": authority, "decided_on": on}
        self.steps.append(("reports", body))
        return self

    def no_report(self, on: str) -> "Story":
        body = {"decision": "not_reported", "decided_on": on, "justification": "Already known."}
        self.steps.append(("reports", body))
        return self

    def reopen(self, on: str) -> "Story":
        self.steps.append(("reopening", {"reason": "New facts.", "reopened_on": on}))
        return self


async def tell(client: httpx.AsyncClient, world: World, stories: list[Story]) -> None:
    for story in stories:
        response = await client.post(
            API,
            json={
                "organisation": story.organisation,
                "opened_on": story.opened_on,
                "intake_typology": story.intake,
                "severity": story.severity,
                "summary": "Situation for the statistics.",
                "requester_kind": "staff",
            },
            headers=world.delegate.headers,
        )
        assert response.status_code == 201, response.text
        situation_id = response.json()["id"]
        for path, body in story.steps:
            step = await client.post(
                f"{API}/{situation_id}/{path}", json=body, headers=world.delegate.headers
            )
            assert step.status_code == 201, step.text


def year_2025() -> list[Story]:
    return [
        Story("2025-02-01", "M1", "orange").close("2025-03-01", "M1"),
        Story("2025-02-02", "M1", "orange").close("2025-04-01", "M1"),
        Story("2025-03-01", "M1", "green").close("2025-05-01", "M21"),
        Story("2025-03-02", "M1", "orange").close("2025-05-02", "M21"),
        Story("2025-04-01", "M1", "orange").review(2025, "M22"),
        Story("2025-05-01", "M2", "red").report("2025-05-02", "parquet").close("2025-07-01", "M2"),
        Story("2025-05-03", "M2", "red")
        .report("2025-05-04", "police")
        .report("2025-05-05", "parquet")
        .close("2025-08-01", "M2"),
        Story("2025-06-01", "M2", "red"),
        Story("2025-06-02", "M21", "green").close("2025-06-30", "M21"),
        Story("2025-06-03", "M21", "green").close("2025-07-30", "M21"),
        Story("2025-07-01", "M4", "orange")
        .colour("2025-07-02", "red")
        .no_report("2025-07-03")
        .close("2025-09-01", "M4"),
        Story("2025-12-20", "M19", "orange"),
        # Reviewed as M1 at the end of 2025, closed as M21 in 2026: M1 for 2025.
        Story("2025-10-01", "M1", "orange").review(2025, "M1").close("2026-01-15", "M21"),
        # Closed, then reopened before the year ended: open on 31 December, not reviewed.
        Story("2025-08-01", "M1", "green").close("2025-08-15", "M3").reopen("2025-09-01"),
        Story("2025-03-03", "M16", "orange", organisation="HSO").close("2025-04-04", "M16"),
        # Red for a while, green at the end of the year.
        Story("2025-01-10", "M21", "orange")
        .colour("2025-01-11", "red")
        .colour("2025-02-01", "green")
        .close("2025-03-01", "M22"),
    ]


def year_2024() -> list[Story]:
    return [
        Story("2024-03-01", "M1", "orange").close("2024-04-01", "M1"),
        Story("2024-05-01", "M1", "orange").close("2024-06-01", "M21"),
        Story("2024-06-01", "M2", "red").report("2024-06-02", "parquet").close("2024-07-01", "M2"),
        Story("2024-09-01", "M21", "green"),
    ]


@pytest.fixture
async def two_years(client: httpx.AsyncClient, world: World) -> None:
    await tell(client, world, year_2024() + year_2025())
