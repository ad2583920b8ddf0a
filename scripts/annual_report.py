"""Writes the annual report's statistics as one self-contained HTML file.

    python scripts/annual_report.py --year 2025 --client-id cli_... --client-secret ...
    python scripts/annual_report.py --year 2025 --lang en --output rapport-2025.html

The figures come from the service over HTTP (GET /api/v1/statistics/annual/{year}) with a
reporter client's credentials (also read from BIENTRAITANCE_CLIENT_ID and
BIENTRAITANCE_CLIENT_SECRET). The report is the one the console gives to download
(`app/statistics/annual_report.py`): its stylesheet inside and its charts in SVG, so the file
needs nothing else to be read.
"""

import argparse
import os
import sys
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.reference.labels import Language  # noqa: E402
from app.statistics import annual_report  # noqa: E402
from app.statistics.schemas import AnnualStatistics  # noqa: E402


def fetch(
    *,
    url: str,
    client_id: str,
    client_secret: str,
    year: int,
    compare_to: int | None,
    lang: Language,
    organisation: str | None,
    suppress_below: int | None,
) -> AnnualStatistics:
    with httpx.Client(base_url=url, timeout=60) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        token.raise_for_status()
        params: dict[str, str | int] = {"lang": lang.value}
        if compare_to is not None:
            params["compare_to"] = compare_to
        if organisation:
            params["organisation"] = organisation
        if suppress_below:
            params["suppress_below"] = suppress_below
        response = client.get(
            f"/api/v1/statistics/annual/{year}",
            params=params,
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
        response.raise_for_status()
        return AnnualStatistics.model_validate(response.json())


def _said(response: httpx.Response) -> str:
    """What the service said of a refusal, in one line."""
    try:
        detail = response.json().get("detail") or response.json().get("title")
    except ValueError:
        detail = None
    return f"{response.status_code} {detail or response.reason_phrase}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, required=True)
    parser.add_argument("--compare-to", type=int)
    parser.add_argument(
        "--url", default=os.environ.get("BIENTRAITANCE_URL", "http://127.0.0.1:8000")
    )
    parser.add_argument("--client-id", default=os.environ.get("BIENTRAITANCE_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("BIENTRAITANCE_CLIENT_SECRET"))
    parser.add_argument("--lang", type=Language, choices=list(Language), default=Language.FR)
    parser.add_argument("--organisation", help="one organisation's figures (its code)")
    parser.add_argument("--suppress-below", type=int, help="hide counts under this number")
    parser.add_argument("--output", type=Path, help="default: statistiques-YEAR.html")
    args = parser.parse_args(argv)
    if not args.client_id or not args.client_secret:
        parser.error("give --client-id and --client-secret (or BIENTRAITANCE_CLIENT_ID/SECRET)")
    try:
        stats = fetch(
            url=args.url,
            client_id=args.client_id,
            client_secret=args.client_secret,
            year=args.year,
            compare_to=args.compare_to,
            lang=args.lang,
            organisation=args.organisation,
            suppress_below=args.suppress_below,
        )
    except httpx.HTTPStatusError as error:
        print(f"error: {_said(error.response)}", file=sys.stderr)
        return 1
    except httpx.TransportError:
        print(f"error: no service answers at {args.url}", file=sys.stderr)
        return 1
    output = args.output or Path(f"statistiques-{args.year}.html")
    report = annual_report.document(stats, args.lang, today=date.today())
    output.write_text(report, encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
