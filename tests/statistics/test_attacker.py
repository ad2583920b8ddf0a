"""Small-count suppression as an attacker meets it: every table a reporter may ask for a year
(the network's and each organisation's, for the year and the year it is compared with), solved
together as one system of linear equations. No hidden count may come out pinned."""

from collections.abc import Iterable
from math import ceil, floor
from typing import Any

import httpx
import numpy as np
import pytest
from scipy.optimize import linprog

from tests.factories import World
from tests.statistics.conftest import Story, tell

URL = "/api/v1/statistics/annual"
THRESHOLD = 3
TOLERANCE = 1e-6
Cell = tuple[str, ...]  # (table, section, code...)

SECTIONS = ("intake", "closure", "severity_at_year_end", "highest_severity", "reports")
KEYED = {
    "intake": "code",
    "closure": "code",
    "severity_at_year_end": "severity",
    "highest_severity": "severity",
    "reports": "status",
    "reports_by_authority": "authority",
    "organisations": "organisation",
}


def _cells(table: str, stats: dict[str, Any], which: str) -> dict[Cell, dict[str, Any]]:
    """Every figure of a table, by cell: `which` is "value" (the year) or "previous"."""
    cells: dict[Cell, dict[str, Any]] = {}

    def put(key: Cell, figure: dict[str, Any]) -> None:
        hidden = figure["suppressed" if which == "value" else "previous_suppressed"]
        cells[(table, *key)] = {"value": figure[which], "hidden": hidden}

    for name in ("situations", "without_closure_typology", "requalified"):
        put((name,), stats[name])
    for section, field in KEYED.items():
        for figure in stats[section]:
            put((section, figure[field]), figure)
    for pair in stats["requalifications"]:
        put(("requalification", pair["from_code"], pair["to_code"]), pair)
    for group in stats["groups"]:
        put(("group_intake", group["code"]), group["intake"])
        put(("group_closure", group["code"]), group["closure"])
    return cells


def _equations(
    tables: list[str], cells: dict[Cell, Any], groups: dict[str, list[str]]
) -> tuple[list[tuple[list[Cell], list[Cell]]], list[tuple[list[Cell], list[Cell]]]]:
    """What every reader knows of the figures' definitions: (totals, parts) that are equal, and
    (totals, parts) where the parts add up to at least the totals."""
    equal: list[tuple[list[Cell], list[Cell]]] = []
    at_least: list[tuple[list[Cell], list[Cell]]] = []

    def in_table(table: str, section: str) -> list[Cell]:
        return [c for c in cells if c[0] == table and c[1] == section]

    for table in tables:
        total: list[Cell] = [(table, "situations")]
        for section in SECTIONS:
            parts = in_table(table, section)
            if section == "closure":
                parts.append((table, "without_closure_typology"))
            equal.append((total, parts))
        equal.append(([(table, "requalified")], in_table(table, "requalification")))
        for code, members in groups.items():
            for stage in ("intake", "closure"):
                equal.append(
                    (
                        [(table, f"group_{stage}", code)],
                        [c for c in in_table(table, stage) if c[2] in members],
                    )
                )
        at_least.append(([(table, "reports", "reported")], in_table(table, "reports_by_authority")))
    network, organisations = tables[0], tables[1:]
    equal.append(([(network, "situations")], in_table(network, "organisations")))
    for organisation in organisations:
        equal.append(([(network, "organisations", organisation)], [(organisation, "situations")]))
    for cell in cells:
        if cell[0] == network and cell[1] != "organisations":
            parts = [(o, *cell[1:]) for o in organisations if (o, *cell[1:]) in cells]
            equal.append(([cell], parts))
    return equal, at_least


def pinned(
    cells: dict[Cell, dict[str, Any]],
    truth: dict[Cell, int],
    equal: Iterable[tuple[list[Cell], list[Cell]]],
    at_least: Iterable[tuple[list[Cell], list[Cell]]],
) -> list[Cell]:
    """The hidden small counts the system gives back: the attacker knows the rule (a hidden
    count is small, or at least the threshold when it hides another) and solves for each."""
    unknown = sorted(c for c, f in cells.items() if f["hidden"])
    column = {c: i for i, c in enumerate(unknown)}

    def rows(pairs: Iterable[tuple[list[Cell], list[Cell]]]) -> tuple[Any, Any]:
        matrix, constants = [], []
        for totals, parts in pairs:
            row, constant = np.zeros(len(unknown)), 0.0
            for cell, sign in [(c, 1) for c in parts] + [(c, -1) for c in totals]:
                if cell in column:
                    row[column[cell]] += sign
                else:
                    constant -= sign * (cells[cell]["value"] or 0)
            if row.any():
                matrix.append(row)
                constants.append(constant)
        return (np.array(matrix), np.array(constants)) if matrix else (None, None)

    a_eq, b_eq = rows(equal)
    a_ub, b_ub = rows(at_least)
    if a_ub is not None:
        a_ub, b_ub = -a_ub, -b_ub
    bounds = [
        (0, THRESHOLD - 1) if (truth.get(c) or 0) < THRESHOLD else (THRESHOLD, None)
        for c in unknown
    ]
    found = []
    for cell in unknown:
        if (truth.get(cell) or 0) >= THRESHOLD:
            continue
        objective = np.zeros(len(unknown))
        objective[column[cell]] = 1
        problem = {"A_eq": a_eq, "b_eq": b_eq, "A_ub": a_ub, "b_ub": b_ub, "bounds": bounds}
        low = linprog(objective, method="highs", **problem)
        high = linprog(-objective, method="highs", **problem)
        assert low.status == 0, (cell, low.message)
        assert high.status == 0, (cell, high.message)
        if ceil(low.fun - TOLERANCE) >= floor(-high.fun + TOLERANCE):
            found.append(cell)
    return found


async def _tables(
    client: httpx.AsyncClient, world: World, year: int, params: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    tables = {}
    for organisation in (None, world.org_a, world.org_b):
        query = {**params, **({"organisation": organisation} if organisation else {})}
        response = await client.get(f"{URL}/{year}", params=query, headers=world.reporter.headers)
        assert response.status_code == 200, response.text
        tables[organisation or "network"] = response.json()
    return tables


@pytest.mark.usefixtures("two_years")
async def test_every_table_solved_together_gives_no_hidden_count_back(
    client: httpx.AsyncClient, world: World
) -> None:
    published = await _tables(client, world, 2025, {"suppress_below": THRESHOLD})
    true = await _tables(client, world, 2025, {})
    groups = {g["code"]: g["members"] for g in published["network"]["groups"]}
    names = list(published)
    for which in ("value", "previous"):  # the year, and the year it is compared with
        cells: dict[Cell, dict[str, Any]] = {}
        truth: dict[Cell, int] = {}
        for name in names:
            cells.update(_cells(name, published[name], which))
            truth.update({c: f["value"] for c, f in _cells(name, true[name], which).items()})
        hidden = [c for c, f in cells.items() if f["hidden"]]
        assert hidden, "the register is small: some counts must be hidden"
        equal, at_least = _equations(names, cells, groups)
        assert pinned(cells, truth, equal, at_least) == [], which
        # An attacker who guesses that each situation went to one authority (as here) makes
        # the authorities add up to the reports exactly: still nothing comes back.
        one_each = [pair for pair in at_least if _adds_up(pair, truth)]
        assert one_each, "the register's reports went to one authority each"
        assert pinned(cells, truth, equal + one_each, []) == [], which


def _adds_up(pair: tuple[list[Cell], list[Cell]], truth: dict[Cell, int]) -> bool:
    totals, parts = pair
    return sum(truth.get(c) or 0 for c in totals) == sum(truth.get(c) or 0 for c in parts)


@pytest.mark.usefixtures("two_years")
async def test_the_attacker_pins_counts_of_tables_suppressed_one_at_a_time(
    client: httpx.AsyncClient, world: World
) -> None:
    """The attacker above is not toothless: with each table suppressed on its own (as the
    service once did), the network's table minus the organisations' gives counts back."""
    from app.statistics.suppression import suppress

    true = await _tables(client, world, 2025, {})
    groups = {g["code"]: g["members"] for g in true["network"]["groups"]}
    names = list(true)
    cells: dict[Cell, dict[str, Any]] = {}
    truth: dict[Cell, int] = {}
    for name in names:
        table = _cells(name, true[name], "value")
        truth.update({c: f["value"] for c, f in table.items()})
        own_equal, _ = _equations([name], table, groups)
        own = [_sum(totals, parts) for totals, parts in own_equal if totals[0][0] == name]
        hidden = suppress({c: f["value"] for c, f in table.items()}, THRESHOLD, own)
        cells.update({c: {"value": f["value"], "hidden": c in hidden} for c, f in table.items()})
    equal, at_least = _equations(names, cells, groups)
    assert pinned(cells, truth, equal, at_least) != []


def _sum(totals: list[Cell], parts: list[Cell]) -> Any:
    from app.statistics.suppression import Sum

    return Sum(totals=tuple(totals), cells=tuple(parts))


async def test_the_authorities_shown_do_not_give_the_hidden_one_back(
    client: httpx.AsyncClient, world: World
) -> None:
    """Six situations reported, five to the prosecutor and one to the police: the police's
    one is hidden, and the reports minus the authorities shown must not give it back, even to
    a reader who guesses that each situation went to one authority."""
    await tell(
        client,
        world,
        [
            Story(f"2023-0{month}-01", "M2", "red").report(f"2023-0{month}-02", authority)
            for month, authority in zip(range(1, 7), ["parquet"] * 5 + ["police"], strict=True)
        ],
    )
    published = await _tables(client, world, 2023, {"suppress_below": THRESHOLD})
    true = await _tables(client, world, 2023, {})
    assert true["network"]["situations"]["value"] == 6
    groups = {g["code"]: g["members"] for g in published["network"]["groups"]}
    names = list(published)
    cells: dict[Cell, dict[str, Any]] = {}
    truth: dict[Cell, int] = {}
    for name in names:
        cells.update(_cells(name, published[name], "value"))
        truth.update({c: f["value"] for c, f in _cells(name, true[name], "value").items()})
    assert cells[("network", "reports_by_authority", "police")]["hidden"]
    equal, at_least = _equations(names, cells, groups)
    assert pinned(cells, truth, equal + at_least, []) == []
