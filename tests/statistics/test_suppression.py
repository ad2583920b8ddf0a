"""Small-count suppression: no hidden count can be worked out from what is shown."""

import random
import subprocess
import sys
from pathlib import Path

from app.statistics.suppression import Key, Sum, suppress
from tests.conftest import TEST_ENCRYPTION_KEYS, TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]


def hide(values: dict[str, int], threshold: int, sums: list[Sum]) -> set[str]:
    published: dict[Key, int | None] = {key: value for key, value in values.items()}  # noqa: C416
    return {str(key) for key in suppress(published, threshold, sums)}


def _solutions(
    values: dict[str, int], hidden: set[str], sums: list[Sum], threshold: int
) -> list[dict[str, int]]:
    """Every value of the hidden cells that agrees with all that is shown, by exhaustive search:
    the sums hold, a hidden small count is under the threshold, a complement is not (and, to
    keep the search finite, below a ceiling far above every published count)."""
    ceiling = 2 * max(values.values()) + 10
    ranges = {
        k: range(threshold) if values[k] < threshold else range(threshold, ceiling) for k in hidden
    }
    terms = [[(str(c), 1) for c in s.cells] + [(str(t), -1) for t in s.totals] for s in sums]
    found: list[dict[str, int]] = []

    def search(assigned: dict[str, int]) -> None:
        assigned = dict(assigned)
        progress = True
        while progress:  # an equation with one unknown left decides it
            progress = False
            for equation in terms:
                unknown = [(k, sign) for k, sign in equation if k in hidden and k not in assigned]
                known = sum(
                    sign * assigned.get(k, values[k])
                    for k, sign in equation
                    if (k, sign) not in unknown
                )
                if not unknown:
                    if known != 0:
                        return
                elif len(unknown) == 1:
                    key, sign = unknown[0]
                    value = -known * sign
                    if value not in ranges[key]:
                        return
                    assigned[key] = value
                    progress = True
        free = [k for k in hidden if k not in assigned]
        if not free:
            found.append({k: assigned[k] for k in sorted(hidden)})
            return
        key = min(free, key=lambda k: len(ranges[k]))
        for value in ranges[key]:
            search({**assigned, key: value})

    search({})
    return found


def test_single_small_cell_gets_a_complement() -> None:
    values = {"total": 30, "a": 2, "b": 10, "c": 18}
    sums = [Sum(totals=("total",), cells=("a", "b", "c"))]
    hidden = hide(values, 5, sums)
    assert hidden == {"a", "b"}


def test_two_small_cells_hide_each_other() -> None:
    # 1 and 1 hidden, summing to 2: either could be 0, 1 or 2.
    values = {"total": 22, "a": 1, "b": 1, "c": 20}
    sums = [Sum(totals=("total",), cells=("a", "b", "c"))]
    assert hide(values, 5, sums) == {"a", "b"}


def test_nothing_small_nothing_hidden() -> None:
    values = {"total": 30, "a": 5, "b": 7, "c": 18}
    assert hide(values, 5, [Sum(totals=("total",), cells=("a", "b", "c"))]) == set()


def test_a_lone_zero_is_hidden_with_a_complement() -> None:
    values = {"total": 30, "a": 0, "b": 12, "c": 18}
    assert hide(values, 5, [Sum(totals=("total",), cells=("a", "b", "c"))]) == {"a", "b"}


def test_small_total_is_hidden_with_its_cells() -> None:
    values = {"total": 3, "a": 1, "b": 2, "c": 0}
    hidden = hide(values, 5, [Sum(totals=("total",), cells=("a", "b", "c"))])
    assert hidden == {"total", "a", "b", "c"}


def test_nested_group_cannot_reveal_a_member() -> None:
    # Group g = a + b; all = a + b + c + d. Hiding a alone would let g - b give it back.
    values = {"all": 40, "g": 12, "a": 2, "b": 10, "c": 13, "d": 15}
    sums = [Sum(totals=("all",), cells=("a", "b", "c", "d")), Sum(totals=("g",), cells=("a", "b"))]
    hidden = hide(values, 5, sums)
    assert {"a", "b"} <= hidden
    solutions = _solutions(values, hidden, sums, 5)
    assert {k: values[k] for k in hidden} in solutions
    assert len({s["a"] for s in solutions}) > 1


def test_brute_force_finds_no_unique_value() -> None:
    values = {"all": 25, "a": 3, "b": 4, "c": 0, "d": 9, "e": 9, "g": 7}
    sums = [
        Sum(totals=("all",), cells=("a", "b", "c", "d", "e")),
        Sum(totals=("g",), cells=("a", "b")),
    ]
    hidden = hide(values, 5, sums)
    solutions = _solutions(values, hidden, sums, 5)
    assert {k: values[k] for k in hidden} in solutions
    for key in hidden:
        assert len({s[key] for s in solutions}) > 1, key


def test_overlapping_groups_cannot_combine_to_reveal() -> None:
    # all = a + b + c + d + e; g1 = a + b; g2 = a + c. Hiding a, b, c, d only pairwise would let
    # the three sums together pin them; every hidden small count must stay uncertain.
    values = {"all": 11, "g1": 4, "g2": 4, "a": 3, "b": 1, "c": 1, "d": 1, "e": 5}
    sums = [
        Sum(totals=("all",), cells=("a", "b", "c", "d", "e")),
        Sum(totals=("g1",), cells=("a", "b")),
        Sum(totals=("g2",), cells=("a", "c")),
    ]
    hidden = hide(values, 3, sums)
    solutions = _solutions(values, hidden, sums, 3)
    assert {k: values[k] for k in hidden} in solutions
    for key in hidden:
        if values[key] < 3:
            assert len({s[key] for s in solutions}) > 1, (key, hidden)


def test_random_tables_leave_no_small_count_pinned() -> None:
    """Many small tables with a total and two overlapping groups, checked by brute force."""
    for seed in range(150):
        rng = random.Random(seed)
        cells = ["a", "b", "c", "d", "e"]
        values = {c: rng.choice([0, 1, 1, 2, 3, 4, 6]) for c in cells}
        groups = [tuple(rng.sample(cells, rng.randint(2, 3))) for _ in range(2)]
        values["all"] = sum(values[c] for c in cells)
        sums = [Sum(totals=("all",), cells=tuple(cells))]
        for i, members in enumerate(groups):
            values[f"g{i}"] = sum(values[c] for c in members)
            sums.append(Sum(totals=(f"g{i}",), cells=members))
        hidden = hide(values, 3, sums)
        solutions = _solutions(values, hidden, sums, 3)
        assert {k: values[k] for k in hidden} in solutions, seed
        for key in hidden:
            if values[key] < 3:
                assert len({s[key] for s in solutions}) > 1, (seed, key, values, hidden)


def test_a_serving_process_loads_the_solver_only_for_suppression(tmp_path: Path) -> None:
    """NumPy and the linear programming solver (HiGHS) weigh on a serving process's memory: a
    process that built the application and serves has not loaded them, until suppression is
    asked for."""
    script = f"""
import sys
from fastapi.testclient import TestClient
from app.core.config import Environment, Settings
from app.core.migrate import rebuild
from app.main import create_app
from app.statistics.suppression import Sum, suppress

def loaded():
    return [name for name in ("highspy", "numpy", "scipy") if name in sys.modules]

url = "sqlite:///{tmp_path / "memory.db"}"
rebuild(url)
settings = Settings(
    environment=Environment.DEVELOPMENT,
    database_url=url,
    secret_key="{TEST_SECRET_KEY}",
    encryption_keys="{TEST_ENCRYPTION_KEYS}",
    _env_file=None,
)
with TestClient(create_app(settings)) as client:
    assert client.get("/healthz").status_code == 200
    before = loaded()
hidden = suppress({{"a": 1, "b": 9, "total": 10}}, 5, [Sum(totals=("total",), cells=("a", "b"))])
print(before, loaded(), sorted(hidden))
"""
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert run.stdout.strip() == "[] ['highspy', 'numpy'] ['a', 'b']"
