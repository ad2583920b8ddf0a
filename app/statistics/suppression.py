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
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from math import ceil, floor

Key = Hashable


@dataclass(frozen=True)
class Sum:
    """The counts in `totals` add up to the same as the counts in `cells`."""

    totals: tuple[Key, ...]
    cells: tuple[Key, ...]


Row = tuple[dict[Key, int], int]  # sum(coefficient x variable) == constant
TOLERANCE = 1e-6


def suppress(values: Mapping[Key, int | None], threshold: int, sums: Iterable[Sum]) -> set[Key]:
    """The keys to hide. `values` holds every published count (None: unknown, never hidden)."""
    sums = [s for s in sums if all(values.get(k) is not None for k in (*s.totals, *s.cells))]
    primary = {k for k, v in values.items() if v is not None and v < threshold}
    hidden = set(primary)
    while True:
        pinned = _pinned(values, hidden, primary, threshold, sums)
        if not pinned:
            return hidden
        candidate = _complement(values, hidden, pinned, sums)
        if candidate is None:
            return hidden
        hidden.add(candidate)


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
            rows.append((coefficients, constant))
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
    variables = sorted({k for coefficients, _ in rows for k in coefficients}, key=repr)
    if not variables:
        return set()
    column = {key: i for i, key in enumerate(variables)}
    matrix = np.zeros((len(rows), len(variables)))
    for r, (coefficients, _) in enumerate(rows):
        for key, coefficient in coefficients.items():
            matrix[r, column[key]] = coefficient
    constants = np.array([constant for _, constant in rows], dtype=float)
    bounds = [(0, threshold - 1) if k in primary else (threshold, None) for k in variables]
    pinned = set()
    for key in variables:
        if key not in primary:
            continue
        objective = np.zeros(len(variables))
        objective[column[key]] = 1.0
        lowest = linprog(objective, A_eq=matrix, b_eq=constants, bounds=bounds, method="highs")
        highest = linprog(-objective, A_eq=matrix, b_eq=constants, bounds=bounds, method="highs")
        if lowest.status != 0 or highest.status != 0:
            continue  # unbounded: not pinned (the figures themselves are always feasible)
        if ceil(lowest.fun - TOLERANCE) >= floor(-highest.fun + TOLERANCE):
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
