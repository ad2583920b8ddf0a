"""Small-count suppression for published figures.

Primary suppression hides every count under N, zeros included: were zeros shown, a hidden cell
would be known to hold at least one, and a small total of two such cells would give them away.
Complementary suppression then makes sure that what is shown does not give a hidden count back.
All published totals and the cells that add up to them form one system of linear equations
(all situations = the sum of the codes; a group = the sum of its codes; ...), which a reader
can solve together. A reader who knows the rule also knows that a hidden small count is
between 0 and N-1, and a cell hidden as a complement at least N. For every hidden small count,
two linear programs find the lowest and the highest value it can take given all of that; while
one of them is pinned to a single whole number, the smallest shown cell of a sum it is in is
hidden too.

The linear programs relax whole numbers to real ones, so a range they find can only be wider
than the true one; a count they find pinned is pinned. In rare systems a range holding several
whole numbers could still allow only one of them.

The service gives it every table of a year at once (`statistics.service._published_together`):
a reader who asks for the network's table and each organisation's can subtract them.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from math import ceil, floor
from typing import Any

Key = Hashable


@dataclass(frozen=True)
class Sum:
    """The counts in `totals` add up to the same as the counts in `cells`; `at_least`: the
    cells add up to at least as much (a situation reported to two authorities counts in both)."""

    totals: tuple[Key, ...]
    cells: tuple[Key, ...]
    at_least: bool = False


# sum(coefficient x variable) == constant, or >= constant when the flag is set
Row = tuple[dict[Key, int], int, bool]
TOLERANCE = 1e-6
# Solutions of the whole system, in random directions, before a count gets programs of its own.
SCREENS = 8


def suppress(values: Mapping[Key, int | None], threshold: int, sums: Iterable[Sum]) -> set[Key]:
    """The keys to hide. `values` holds every published count (None: unknown, never hidden)."""
    sums = [s for s in sums if all(values.get(k) is not None for k in (*s.totals, *s.cells))]
    primary = {k for k, v in values.items() if v is not None and v < threshold}
    hidden = set(primary)
    while True:
        pinned = _pinned(values, hidden, primary, threshold, sums)
        # A complement for each pinned count at once: many tables published together pin
        # many counts, and each round solves the whole system again.
        candidates = {_complement(values, hidden, {key}, sums) for key in pinned} - {None}
        if not candidates:
            return hidden
        hidden |= candidates


def _rows(values: Mapping[Key, int | None], hidden: set[Key], sums: list[Sum]) -> list[Row]:
    rows: list[Row] = []
    for check in sums:
        coefficients: dict[Key, int] = {}
        constant = 0
        for key, sign in [(k, 1) for k in check.cells] + [(k, -1) for k in check.totals]:
            if key in hidden:
                coefficients[key] = coefficients.get(key, 0) + sign
            else:
                constant -= sign * (values[key] or 0)
        coefficients = {k: c for k, c in coefficients.items() if c}
        if coefficients:
            rows.append((coefficients, constant, check.at_least))
    return rows


def _pinned(
    values: Mapping[Key, int | None],
    hidden: set[Key],
    primary: set[Key],
    threshold: int,
    sums: list[Sum],
) -> set[Key]:
    """The hidden small counts whose lowest and highest possible values meet."""
    # Imported here, only when suppression is asked for: NumPy and SciPy would otherwise take
    # a third of a serving process's memory.
    import numpy as np
    from scipy.optimize import linprog

    rows = _rows(values, hidden, sums)
    variables = sorted({k for coefficients, _, _ in rows for k in coefficients}, key=repr)
    if not variables:
        return set()
    column = {key: i for i, key in enumerate(variables)}

    def system(inequalities: bool) -> tuple[Any, Any] | tuple[None, None]:
        chosen = [row for row in rows if row[2] == inequalities]
        if not chosen:
            return None, None
        matrix = np.zeros((len(chosen), len(variables)))
        for r, (coefficients, _, _) in enumerate(chosen):
            for key, coefficient in coefficients.items():
                matrix[r, column[key]] = coefficient
        constants = np.array([constant for _, constant, _ in chosen], dtype=float)
        # linprog takes "<=": a sum at least a constant is its negation at most the negation.
        return (-matrix, -constants) if inequalities else (matrix, constants)

    a_eq, b_eq = system(False)
    a_ub, b_ub = system(True)
    bounds = [(0, threshold - 1) if k in primary else (threshold, None) for k in variables]
    problem = {"A_eq": a_eq, "b_eq": b_eq, "A_ub": a_ub, "b_ub": b_ub, "bounds": bounds}
    small = [key for key in variables if key in primary]
    # First, a few solutions of the whole system at once: a count seen to take values a whole
    # number apart in two of them (the published figures are one) is not pinned, and needs no
    # linear programs of its own.
    seen = {key: [float(values[key] or 0)] * 2 for key in small}
    directions = np.random.default_rng(len(variables))
    for _ in range(SCREENS):
        objective = directions.choice([-1.0, 1.0], size=len(variables))
        found = linprog(objective, method="highs", **problem)
        if found.status == 0:
            for key in small:
                low_high = seen[key]
                value = float(found.x[column[key]])
                seen[key] = [min(low_high[0], value), max(low_high[1], value)]
    pinned = set()
    for key in small:
        if ceil(seen[key][0] - TOLERANCE) < floor(seen[key][1] + TOLERANCE):
            continue
        # The published value is one solution: pinned if no solution lies a whole number away,
        # below it or above it.
        objective = np.zeros(len(variables))
        objective[column[key]] = 1.0
        lowest = linprog(objective, method="highs", **problem)
        if lowest.status != 0 or ceil(lowest.fun - TOLERANCE) < (values[key] or 0):
            continue
        highest = linprog(-objective, method="highs", **problem)
        if highest.status != 0 or floor(-highest.fun + TOLERANCE) > (values[key] or 0):
            continue  # unbounded, or a whole number above: not pinned
        pinned.add(key)
    return pinned


def _complement(
    values: Mapping[Key, int | None], hidden: set[Key], pinned: set[Key], sums: list[Sum]
) -> Key | None:
    """The smallest shown count of the sums that reach a pinned cell through hidden ones."""
    reached = set(pinned)
    linked: list[Sum] = []
    remaining = list(sums)
    grew = True
    while grew:
        grew = False
        for check in list(remaining):
            keys = {*check.cells, *check.totals}
            if keys & reached:
                linked.append(check)
                remaining.remove(check)
                reached |= keys & hidden
                grew = True
    shown = {k for check in linked for k in (*check.cells, *check.totals) if k not in hidden}
    if not shown:
        return None
    return min(shown, key=lambda k: (values[k] or 0, repr(k)))
