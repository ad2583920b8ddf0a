"""The annual statistics against the definitions, on registers drawn at random: two years of
situations with colour changes, reports, year-end reviews, closures and reopenings, entered
through the API in the order a delegate lives them; every figure then counted again here, in
Python, from the same stories."""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest

from tests.factories import World
from tests.statistics.conftest import Story, tell

COLOURS = ("green", "orange", "red")
RANK = {colour: rank for rank, colour in enumerate(COLOURS)}
AUTHORITIES = ("parquet", "police", "one")
LAST_DAY = date(2026, 10, 31)  # events stay in the past whatever day the tests run


@dataclass
class Drawn:
    """A story and the same events kept for counting: (kind, date, values)."""

    story: Story
    opened_on: date
    intake: str
    severity: str
    organisation: str
    events: list[tuple[str, date, dict[str, Any]]] = field(default_factory=list)


def draw(rng: random.Random) -> Drawn:
    opened_on = date(rng.choice((2024, 2025)), 1, 1) + timedelta(days=rng.randint(0, 364))
    intake, colour = f"M{rng.randint(1, 24)}", rng.choice(COLOURS)
    organisation = rng.choice(("MRE", "HSO"))
    drawn = Drawn(
        Story(opened_on.isoformat(), intake, colour, organisation),
        opened_on,
        intake,
        colour,
        organisation,
    )
    day, open_, reported = opened_on, True, False
    if rng.random() < 0.1:
        # The organisation reported before it turned to a delegate, at times the year before.
        early = opened_on - timedelta(days=rng.randint(1, 60))
        authority = rng.choice(AUTHORITIES)
        drawn.story.report(early.isoformat(), authority)
        drawn.events.append(("reported", early, {"authority": authority}))
        reported = True
    for _ in range(rng.randint(0, 8)):
        # Often on either side of a year's end, where the figures of two years part.
        year_end = date(day.year, 12, 31)
        day = rng.choice(
            (
                day + timedelta(days=rng.randint(0, 90)),
                day + timedelta(days=rng.randint(0, 90)),
                year_end,
                year_end + timedelta(days=1),
            )
        )
        if day > LAST_DAY:
            break
        on = day.isoformat()
        if not open_:
            drawn.story.reopen(on)
            drawn.events.append(("reopen", day, {}))
            open_ = True
            continue
        choice = rng.choice(("colour", "colour", "report", "review", "review", "close", "close"))
        if choice == "colour":
            colour = rng.choice([c for c in COLOURS if c != colour])
            drawn.story.colour(on, colour)
            drawn.events.append(("colour", day, {"severity": colour}))
        elif choice == "report":
            if rng.random() < 0.7:
                authority = rng.choice(AUTHORITIES)
                drawn.story.report(on, authority)
                drawn.events.append(("reported", day, {"authority": authority}))
            else:
                drawn.story.no_report(on)
                drawn.events.append(("not_reported", day, {}))
            reported = True
        elif choice == "review":
            year = rng.randint(opened_on.year, day.year)
            typology = f"M{rng.randint(1, 24)}"
            drawn.story.steps.append(
                ("reviews", {"year": year, "typology": typology, "reviewed_on": on})
            )
            drawn.events.append(("review", day, {"year": year, "typology": typology}))
        elif colour != "red" or reported:
            typology = f"M{rng.randint(1, 24)}"
            drawn.story.close(on, typology)
            drawn.events.append(("close", day, {"typology": typology}))
            open_ = False
    return drawn


@dataclass
class Facts:
    organisation: str
    intake: str
    closure: str | None
    severity_end: str
    severity_max: str
    report: str
    authorities: set[str]


def facts(drawn: Drawn, year: int) -> Facts:
    """The situation as it stood on 31 December, by the definitions the API publishes."""
    end = date(year, 12, 31)
    events = [(kind, day, values) for kind, day, values in drawn.events if day <= end]
    closure: str | None = None
    for kind, _, values in events:  # in the order they happened
        closure = values["typology"] if kind == "close" else None if kind == "reopen" else closure
    if closure is None:
        reviews = [
            (values["year"], day, n, values["typology"])
            for n, (kind, day, values) in enumerate(drawn.events)
            if kind == "review" and values["year"] <= year
        ]
        closure = max(reviews)[3] if reviews else None
    colours = [drawn.severity] + [v["severity"] for k, _, v in events if k == "colour"]
    authorities = {v["authority"] for k, _, v in events if k == "reported"}
    if authorities:
        report = "reported"
    elif any(kind == "not_reported" for kind, _, _ in events):
        report = "decided_not_to_report"
    else:
        report = "red_without_report" if colours[-1] == "red" else "none"
    return Facts(
        organisation=drawn.organisation,
        intake=drawn.intake,
        closure=closure,
        severity_end=colours[-1],
        severity_max=max(colours, key=RANK.__getitem__),
        report=report,
        authorities=authorities,
    )


def counts(register: list[Drawn], year: int, groups: dict[str, set[str]]) -> Counter[Any]:
    """Every figure of a year, keyed as `published` keys them."""
    counted: Counter[Any] = Counter()
    for drawn in register:
        if drawn.opened_on.year != year:
            continue
        f = facts(drawn, year)
        counted["situations"] += 1
        counted["intake", f.intake] += 1
        counted["organisation", f.organisation] += 1
        counted["severity_end", f.severity_end] += 1
        counted["severity_max", f.severity_max] += 1
        counted["report", f.report] += 1
        for authority in f.authorities:
            counted["authority", authority] += 1
        if f.closure is None:
            counted["without_closure"] += 1
        else:
            counted["closure", f.closure] += 1
            if f.closure != f.intake:
                counted["requalified"] += 1
                counted["requalification", f.intake, f.closure] += 1
        for code, members in groups.items():
            counted["group intake", code] += f.intake in members
            counted["group closure", code] += f.closure in members
    return counted


def published(stats: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """Every figure of the answer, keyed by what it counts."""
    figures: dict[Any, dict[str, Any]] = {
        "situations": stats["situations"],
        "without_closure": stats["without_closure_typology"],
        "requalified": stats["requalified"],
    }
    for section, items, key in (
        ("intake", stats["intake"], "code"),
        ("closure", stats["closure"], "code"),
        ("organisation", stats["organisations"], "organisation"),
        ("severity_end", stats["severity_at_year_end"], "severity"),
        ("severity_max", stats["highest_severity"], "severity"),
        ("report", stats["reports"], "status"),
        ("authority", stats["reports_by_authority"], "authority"),
    ):
        figures.update({(section, item[key]): item for item in items})
    for item in stats["requalifications"]:
        figures["requalification", item["from_code"], item["to_code"]] = item
    for group in stats["groups"]:
        figures["group intake", group["code"]] = group["intake"]
        figures["group closure", group["code"]] = group["closure"]
    return figures


def percent(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_every_figure_as_the_definitions_count_it(
    client: httpx.AsyncClient, world: World, seed: int
) -> None:
    rng = random.Random(seed)
    register = [draw(rng) for _ in range(45)]
    await tell(client, world, [drawn.story for drawn in register])
    catalogue = (await client.get("/api/v1/typologies", headers=world.reporter.headers)).json()
    groups = {group["code"]: set(group["members"]) for group in catalogue["groups"]}

    response = await client.get("/api/v1/statistics/annual/2025", headers=world.reporter.headers)
    assert response.status_code == 200, response.text
    figures = published(response.json())
    now, before = counts(register, 2025, groups), counts(register, 2024, groups)
    assert now["situations"]
    assert before["situations"]

    for key in set(now) | set(before):
        # Every count the stories give is published (zeros of the 24 codes included).
        assert key in figures, key
    for key, figure in figures.items():
        expected = (now[key], before[key], percent(now[key] - before[key], before[key]))
        assert (figure["value"], figure["previous"], figure["change_pct"]) == expected, key
    for code in groups:
        for stage in ("group intake", "group closure"):
            share = figures[stage, code]
            assert share["share_pct"] == percent(now[stage, code], now["situations"])
            assert share["previous_share_pct"] == percent(before[stage, code], before["situations"])
