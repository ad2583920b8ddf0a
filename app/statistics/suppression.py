"""Small-count suppression for published figures.

Primary suppression hides every count under N, zeros included: were zeros shown, a hidden cell
would be known to hold at least one, and a small total of two such cells would give them away.
Complementary suppression then makes sure that what is shown does not give a hidden count back.
All published totals and the cells that add up to them form one system of linear equations
(all situations = the sum of the codes; a group = the sum of its codes; ...), which a reader
can solve together. A reader who knows the rule also knows that a hidden small count is
between 0 and N-1, and a cell hidden as a complement at least N. For every hidden small count,
linear programs find the lowest and the highest value it can take given all of that. While one
of them is pinned to a single whole number, one more linear program finds the cheapest shown
cells (the smallest) whose hiding would let it move, and they are hidden too. The programs are
solved with HiGHS, imported only when suppression is asked for.

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
# How much dearer a headline count is to hide than another of the same value.
HEADLINE_COST = 1000
# Solutions of the whole system, in random directions, before a count gets programs of its own.
SCREENS = 8


def suppress(
    values: Mapping[Key, int | None],
    threshold: int,
    sums: Iterable[Sum],
    headline: Iterable[Key] = (),
) -> set[Key]:
    """The keys to hide. `values` holds every published count (None: unknown, never hidden);
    `headline` counts cost far more to hide as complements than others: hidden only when
    cheaper cells do not protect."""
    sums = [s for s in sums if all(values.get(k) is not None for k in (*s.totals, *s.cells))]
    # A total of no cells at all (no requalification in the year) says zero by itself: hiding
    # it would hide nothing.
    said = {k for s in sums if not s.cells for k in s.totals}
    primary = {k for k, v in values.items() if v is not None and v < threshold and k not in said}
    hidden = set(primary)
    # Hiding one more count only widens what a reader can solve for: a small count once seen
    # free stays free, and each round looks again only at those still pinned.
    unsettled = set(primary)
    while True:
        pinned: set[Key] = set()
        for component in _components(_rows(values, hidden, sums)):
            keys = {k for coefficients, _, _ in component for k in coefficients} & unsettled
            if keys:
                pinned |= _System(component, values, primary, threshold).pinned(keys)
        unsettled = pinned
        if not pinned:
            return hidden
        # Complements for every pinned count at once: many tables published together pin
        # many counts.
        freeing = _Freeing(values, hidden, primary, threshold, sums, set(headline))
        candidates: set[Key] = set()
        for key in sorted(pinned, key=repr):
            candidates |= freeing.cells_to_hide(key) or {_complement(values, hidden, {key}, sums)}
        candidates.discard(None)
        if not candidates - hidden:
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


def _components(rows: list[Row]) -> list[list[Row]]:
    """The rows in groups that share no hidden count: each group is solved on its own, and
    most are small (a table's hidden codes), which keeps the linear programs small."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for coefficients, _, _ in rows:
        first, *others = coefficients
        for other in others:
            parent[root(other)] = root(first)
    groups: dict[Key, list[Row]] = {}
    for row in rows:
        groups.setdefault(root(next(iter(row[0]))), []).append(row)
    return list(groups.values())


class _System:
    """One group of rows as a linear program (HiGHS), solved again for each objective: only
    the objective changes between solves, so each starts from the last one's solution."""

    def __init__(
        self, rows: list[Row], values: Mapping[Key, int | None], primary: set[Key], threshold: int
    ) -> None:
        # Imported here, only when suppression is asked for: a serving process that never
        # suppresses does not hold them in memory.
        import highspy
        import numpy as np

        self._np = np
        self.values = values
        self.variables = sorted({k for coefficients, _, _ in rows for k in coefficients}, key=repr)
        column = {key: i for i, key in enumerate(self.variables)}
        self._highs = highspy.Highs()
        self._highs.setOptionValue("output_flag", False)
        infinite = highspy.kHighsInf
        lower = [0.0 if key in primary else float(threshold) for key in self.variables]
        upper = [threshold - 1.0 if key in primary else infinite for key in self.variables]
        self._highs.addVars(len(self.variables), np.array(lower), np.array(upper))
        for coefficients, constant, at_least in rows:
            indices = np.array([column[key] for key in coefficients], dtype=np.int32)
            weights = np.array(list(coefficients.values()), dtype=np.float64)
            self._highs.addRow(
                float(constant),
                infinite if at_least else float(constant),
                len(indices),
                indices,
                weights,
            )
        self._column = column

    def pinned(self, keys: set[Key]) -> set[Key]:
        """Those of `keys` (small counts) that cannot take two whole values."""
        np = self._np
        # Each solution found tells where every count can be: a count seen at values a whole
        # number apart (the published figures are one solution) is not pinned.
        seen = {key: [float(self.values[key] or 0)] * 2 for key in keys}
        unsure = set(keys)

        def look(solution: Any) -> None:
            for key in list(unsure):
                value = solution[self._column[key]]
                low, high = min(seen[key][0], value), max(seen[key][1], value)
                seen[key] = [low, high]
                if ceil(low - TOLERANCE) < floor(high + TOLERANCE):
                    unsure.discard(key)

        # First, a few solutions in random directions over the counts in question (only the
        # small counts are bounded above: the objective weighs them alone).
        directions = np.random.default_rng(len(self.variables))
        weighed = np.array([key in keys for key in self.variables], dtype=float)
        for _ in range(SCREENS):
            if not unsure:
                break
            direction = directions.choice([-1.0, 1.0], size=len(self.variables)) * weighed
            solution = self._solve(direction)
            if solution is not None:
                look(solution)
        # Then the lowest and the highest value of each count still unsure.
        for key in sorted(unsure, key=repr):
            objective = np.zeros(len(self.variables))
            objective[self._column[key]] = 1.0
            for sense in (objective, -objective):
                if key in unsure and (solution := self._solve(sense)) is not None:
                    look(solution)
        return unsure

    def _solve(self, objective: Any) -> Any:
        """The solution minimising `objective`, or None when there is no lowest (unbounded)."""
        import highspy

        count = len(self.variables)
        self._highs.changeColsCost(count, self._np.arange(count, dtype=self._np.int32), objective)
        self._highs.run()
        if self._highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return self._highs.getSolution().col_value


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


class _Freeing:
    """Which shown counts to hide so that a pinned count can take another whole value: the
    shown counts may move away from their values (each at least the threshold, as a hidden
    complement is), at a cost of their value for each unit, and the pinned count must move by
    one. The cheapest solution names the counts to hide: small ones, in the sums that hold the
    pinned count in place (for a count of one organisation, a cell of the same line in another
    organisation and a cell of the same table, say)."""

    def __init__(
        self,
        values: Mapping[Key, int | None],
        hidden: set[Key],
        primary: set[Key],
        threshold: int,
        sums: list[Sum],
        headline: set[Key],
    ) -> None:
        import highspy
        import numpy as np

        self._np, self._kinf = np, highspy.kHighsInf
        self.values, self.primary, self.threshold = values, primary, threshold
        self._highs = highspy.Highs()
        self._highs.setOptionValue("output_flag", False)
        self._column: dict[Key, int] = {}
        self._moves: dict[Key, tuple[int, int]] = {}  # shown count: its columns up and down
        keys = sorted({k for check in sums for k in (*check.totals, *check.cells)}, key=repr)
        for key in keys:
            value = values[key] or 0
            if key in hidden:
                low, high = (0.0, threshold - 1.0) if key in primary else (threshold, self._kinf)
                self._column[key] = self._add(low, high, 0.0)
            elif value >= threshold:
                cost = float(value) * (HEADLINE_COST if key in headline else 1)
                self._moves[key] = (
                    self._add(0.0, self._kinf, cost),
                    self._add(0.0, float(value - threshold), cost),
                )
        for check in sums:
            coefficients: dict[int, float] = {}
            constant = 0.0
            for key, sign in [(k, 1) for k in check.cells] + [(k, -1) for k in check.totals]:
                constant -= sign * (values[key] or 0)
                if key in self._column:
                    column = self._column[key]
                    coefficients[column] = coefficients.get(column, 0) + sign
                    constant += sign * (values[key] or 0)
                elif key in self._moves:
                    up, down = self._moves[key]
                    coefficients[up] = coefficients.get(up, 0) + sign
                    coefficients[down] = coefficients.get(down, 0) - sign
            coefficients = {c: w for c, w in coefficients.items() if w}
            if not coefficients:
                continue
            self._highs.addRow(
                constant,
                self._kinf if check.at_least else constant,
                len(coefficients),
                np.array(list(coefficients), dtype=np.int32),
                np.array(list(coefficients.values()), dtype=np.float64),
            )

    def _add(self, low: float, high: float, cost: float) -> int:
        column = int(self._highs.getNumCol())
        self._highs.addVar(low, high)
        self._highs.changeColCost(column, cost)
        return column

    def cells_to_hide(self, key: Key) -> set[Key]:
        """The shown counts whose hiding lets `key` move, or nothing if none would."""
        import highspy

        if key not in self._column:
            return set()
        column, value = self._column[key], self.values[key] or 0
        for target in (value + 1, value - 1):
            if not 0 <= target < self.threshold:
                continue
            self._highs.changeColBounds(column, float(target), float(target))
            self._highs.run()
            solved = self._highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
            moved = self._highs.getSolution().col_value if solved else []
            self._highs.changeColBounds(column, 0.0, self.threshold - 1.0)
            if solved:
                return {
                    shown
                    for shown, (up, down) in self._moves.items()
                    if moved[up] + moved[down] > TOLERANCE
                }
        return set()
