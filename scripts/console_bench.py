"""The console's pages against the JSON API calls that give their data, side by side.

    python scripts/console_bench.py                      # SQLite, 100,000 then 1,000,000
    python scripts/console_bench.py --sizes 100000 --repeat 21
    python scripts/console_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/b

For each size it builds the database `bench.py` builds (synthetic situations over ten years in
seven organisations), starts the real server, signs a delegate in to the console and to the API,
and times, one after the other in the same run:

- the caseload (the home page: open situations by colour, what needs attention, the first page
  of the list), against GET /api/v1/situations?status=open&limit=25 and the same list for
  red situations without a report;
- the caseload deep in the list (the 40th page, by its cursor), against the API's 40th page;
- a situation's page, against GET /api/v1/situations/{reference} and its history;
- a new situation's form, against the typology and the reference lists it offers;
- the statistics page, against GET /api/v1/statistics/annual/{year}?compare_to=...

Each figure is the median (and p95) of the server's answer time seen by the client over
`--repeat` calls, after one warm-up; a page and its API calls take turns, so that a slower
moment of the machine falls on both. It also prints the bytes a browser receives: a first visit
(the login page, its stylesheet and script, then the caseload) and each later page.

THE DATABASE IT IS GIVEN IS EMPTIED. Without --database-url it uses a SQLite file in a
temporary folder.
"""

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench import analyze, reset_database, seed, server  # noqa: E402

TARGET = 1.5  # a page's median at most this many times its API calls'


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if not found:
        raise RuntimeError("no form token on the page")
    return found.group(1)


def _console(base: str, email: str, password: str) -> httpx.Client:
    browser = httpx.Client(base_url=base, timeout=600)
    form = browser.get("/login")
    signed = browser.post(
        "/login", data={"email": email, "password": password, "csrf": _csrf(form)}
    )
    if signed.status_code != 303:
        raise RuntimeError(f"the console refused to sign in: {signed.status_code}")
    return browser


def _api(base: str, email: str, password: str) -> httpx.Client:
    api = httpx.Client(base_url=base, timeout=600)
    token = api.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
    ).json()["access_token"]
    api.headers["Authorization"] = f"Bearer {token}"
    return api


def _ok(response: httpx.Response) -> httpx.Response:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code}")
    return response


def side_by_side(
    page: Callable[[], object], calls: Callable[[], object], repeat: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The page and its API calls timed in turns, so that a slower moment of the machine falls
    on both: each one's median and p95, in seconds."""
    page(), calls()  # warm caches and connections
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for timed, call in zip(samples, (page, calls), strict=True):
            start = time.perf_counter()
            call()
            timed.append(time.perf_counter() - start)
    return _median_p95(samples[0]), _median_p95(samples[1])


def _median_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))
    ]


def measure(base: str, email: str, password: str, year: int, repeat: int) -> list[dict[str, Any]]:
    browser = _console(base, email, password)
    api = _api(base, email, password)
    first = api.get(
        "/api/v1/situations",
        params={"opened_from": f"{year}-01-01", "opened_to": f"{year}-12-31", "limit": 1},
    ).json()["items"]
    reference = first[0]["reference"] if first else f"{year}-0001"
    deep_api = deep_page = None
    cursor: str | None = None
    for _ in range(39):
        listed = api.get(
            "/api/v1/situations", params={"limit": 25, **({"cursor": cursor} if cursor else {})}
        ).json()
        cursor = listed["next_cursor"]
    deep_api = {"limit": 25, "cursor": cursor}
    deep_page = {"status": "any", "cursor": cursor}

    pages: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "caseload",
            lambda: _ok(browser.get("/")),
            lambda: (
                _ok(api.get("/api/v1/situations", params={"status": "open", "limit": 25})),
                _ok(
                    api.get(
                        "/api/v1/situations",
                        params={"status": "open", "red_without_report": "true", "limit": 25},
                    )
                ),
            ),
        ),
        (
            "caseload, 40th page",
            lambda: _ok(browser.get("/", params=deep_page)),
            lambda: _ok(api.get("/api/v1/situations", params=deep_api)),
        ),
        (
            "a situation",
            lambda: _ok(browser.get(f"/situations/{reference}")),
            lambda: (
                _ok(api.get(f"/api/v1/situations/{reference}")),
                _ok(api.get(f"/api/v1/situations/{reference}/history")),
            ),
        ),
        (
            "new situation form",
            lambda: _ok(browser.get("/situations/new")),
            lambda: (
                _ok(api.get("/api/v1/typologies")),
                _ok(api.get("/api/v1/reference/requester-kinds")),
                _ok(api.get("/api/v1/reference/age-groups")),
                _ok(api.get("/api/v1/organisations")),
            ),
        ),
        (
            "statistics",
            lambda: _ok(browser.get("/statistics", params={"year": year, "compare_to": year - 1})),
            lambda: _ok(
                api.get(f"/api/v1/statistics/annual/{year}", params={"compare_to": year - 1})
            ),
        ),
    ]
    results: list[dict[str, Any]] = []
    for name, page, calls in pages:
        (page_median, page_p95), (api_median, api_p95) = side_by_side(page, calls, repeat)
        results.append(
            {
                "page": name,
                "page_median": page_median,
                "page_p95": page_p95,
                "api_median": api_median,
                "api_p95": api_p95,
                "bytes": len(browser.get(_url_of(name, reference, year, deep_page)).content),
            }
        )
    visitor = httpx.Client(base_url=base, timeout=600)
    first_visit = sum(
        len(visitor.get(path).content)
        for path in ("/login", "/static/console.css", "/static/console.js")
    )
    results.append({"page": "first visit", "bytes": first_visit + results[0]["bytes"]})
    return results


def _url_of(name: str, reference: str, year: int, deep: dict[str, Any]) -> str:
    return {
        "caseload": "/",
        "caseload, 40th page": "/?" + "&".join(f"{k}={v}" for k, v in deep.items()),
        "a situation": f"/situations/{reference}",
        "new situation form": "/situations/new",
        "statistics": f"/statistics?year={year}&compare_to={year - 1}",
    }[name]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args()
    this_year = date.today().year
    with tempfile.TemporaryDirectory() as folder:
        for size in arguments.sizes:
            # A SQLite file of its own for each size; a server's database is emptied.
            url = arguments.database_url or f"sqlite:///{folder}/console-bench-{size}.db"
            reset_database(url)
            seeded = seed(url, size, this_year - 9, random.Random(arguments.seed))
            analyze(url)
            email, password = seeded["credentials"]["delegate"]
            with server(url, "app.asgi:app") as served:
                results = measure(served.base, email, password, this_year - 1, arguments.repeat)
            print(f"\n{size:,} situations ({url.split(':')[0]})")
            heads = ("page ms", "p95", "API ms", "p95", "ratio", "KB")
            print(f"{'page':<22}" + "".join(f"{h:>{10 if 'ms' in h else 8}}" for h in heads))
            failed = False
            for r in results:
                if "page_median" not in r:
                    print(f"{r['page']:<22}{'':>52}{r['bytes'] / 1024:>8.1f}")
                    failed |= r["bytes"] > 200 * 1024
                    continue
                ratio = r["page_median"] / r["api_median"]
                failed |= ratio > TARGET or r["bytes"] > 50 * 1024
                print(
                    f"{r['page']:<22}{r['page_median'] * 1000:>10.1f}{r['page_p95'] * 1000:>8.1f}"
                    f"{r['api_median'] * 1000:>10.1f}{r['api_p95'] * 1000:>8.1f}"
                    f"{ratio:>8.2f}{r['bytes'] / 1024:>8.1f}"
                )
            print("within the targets" if not failed else "OVER A TARGET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
