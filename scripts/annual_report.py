"""Writes the annual report's statistics as one self-contained HTML file.

    python scripts/annual_report.py --year 2025 --client-id cli_... --client-secret ...
    python scripts/annual_report.py --year 2025 --lang en --output rapport-2025.html

The figures come from the service over HTTP (GET /api/v1/statistics/annual/{year}) with a
reporter client's credentials (also read from BIENTRAITANCE_CLIENT_ID and
BIENTRAITANCE_CLIENT_SECRET). Charts are drawn with matplotlib and embedded as SVG, so the file
needs nothing else to be read. Needs the `report` extra: pip install -e '.[report]'.
"""

import argparse
import html
import io
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

# Element ids drawn from a fixed salt, and no date in the drawing (see `_svg`): the same figures
# give the same file.
matplotlib.rcParams["svg.hashsalt"] = "bientraitance"

Stats = dict[str, Any]

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Délégués à la Bientraitance — statistiques {year}",
        "subtitle": "Comparaison avec {before} ({source}). Établi le {today}.",
        "provisional": "Chiffres provisoires : l'année {year} n'est pas terminée.",
        "scope_all": "Ensemble du réseau",
        "scope_one": "Organisation {code}",
        "source_records": "registre",
        "source_baseline": "chiffres publiés",
        "source_none": "année inconnue",
        "key_figures": "Chiffres clés",
        "situations": "Situations (interventions)",
        "requalified": "Situations requalifiées",
        "without": "Sans typologie de sortie",
        "reported": "Signalées aux autorités",
        "typology": "Typologie d'entrée et de sortie",
        "code": "Code",
        "label": "Libellé",
        "intake": "Entrée",
        "closure": "Sortie",
        "chart_title": "Typologie M1–M24 : entrée et sortie {year}",
        "requalifications": "Requalifications",
        "no_requalification": "Aucune situation requalifiée.",
        "net_change": "Écart net entre l'entrée et la sortie, par code",
        "requalified_sentence": "{code} : {intake} à l'entrée, {closure} à la sortie",
        "from_to": "De → à",
        "count": "Nombre",
        "groups": "Groupes de typologies",
        "group": "Groupe",
        "share": "Part",
        "at_closure": "à la sortie",
        "change": "Évolution",
        "organisations": "Par organisation",
        "organisation": "Organisation",
        "severity": "Feux de signalisation",
        "at_year_end": "En fin d'année",
        "highest": "Le plus élevé atteint",
        "green": "Vert",
        "orange": "Orange",
        "red": "Rouge",
        "reports": "Signalements aux autorités",
        "status_reported": "Signalée",
        "status_decided_not_to_report": "Décision motivée de ne pas signaler",
        "status_red_without_report": "Rouge sans signalement ni décision",
        "status_none": "Sans signalement (vert ou orange)",
        "by_authority": "Par autorité",
        "authority": "Autorité",
        "suppressed": "Les effectifs inférieurs à {n} sont masqués (« <{n} »).",
        "definitions": (
            "Une situation compte pour l'année où elle a été ouverte. La typologie de sortie est "
            "celle de la clôture en vigueur au 31 décembre, ou, pour un dossier encore ouvert, "
            "celle de sa dernière revue de fin d'année. Les évolutions sont calculées sur les "
            "effectifs."
        ),
    },
    "en": {
        "title": "Bientraitance delegates — statistics {year}",
        "subtitle": "Compared with {before} ({source}). Produced on {today}.",
        "provisional": "Provisional figures: {year} has not ended yet.",
        "scope_all": "Whole network",
        "scope_one": "Organisation {code}",
        "source_records": "register",
        "source_baseline": "published figures",
        "source_none": "unknown year",
        "key_figures": "Key figures",
        "situations": "Situations (interventions)",
        "requalified": "Requalified situations",
        "without": "Without closure typology",
        "reported": "Reported to authorities",
        "typology": "Intake and closure typology",
        "code": "Code",
        "label": "Label",
        "intake": "Intake",
        "closure": "Closure",
        "chart_title": "M1–M24 typology: intake and closure {year}",
        "requalifications": "Requalifications",
        "no_requalification": "No situation was requalified.",
        "net_change": "Net difference between intake and closure, by code",
        "requalified_sentence": "{code}: {intake} at intake, {closure} at closure",
        "from_to": "From → to",
        "count": "Count",
        "groups": "Typology groups",
        "group": "Group",
        "share": "Share",
        "at_closure": "at closure",
        "change": "Change",
        "organisations": "By organisation",
        "organisation": "Organisation",
        "severity": "Traffic light",
        "at_year_end": "At year end",
        "highest": "Highest reached",
        "green": "Green",
        "orange": "Orange",
        "red": "Red",
        "reports": "Reports to authorities",
        "status_reported": "Reported",
        "status_decided_not_to_report": "Justified decision not to report",
        "status_red_without_report": "Red without report or decision",
        "status_none": "No report (green or orange)",
        "by_authority": "By authority",
        "authority": "Authority",
        "suppressed": "Counts under {n} are hidden (“<{n}”).",
        "definitions": (
            "A situation counts for the year it was opened in. The closure typology is that of "
            "the closure in force on 31 December or, for a file still open, that of its latest "
            "year-end review. Changes are computed from the counts."
        ),
    },
    "de": {
        "title": "Delegierte für Bientraitance — Statistik {year}",
        "subtitle": "Verglichen mit {before} ({source}). Erstellt am {today}.",
        "provisional": "Vorläufige Zahlen: das Jahr {year} ist noch nicht abgeschlossen.",
        "scope_all": "Gesamtes Netzwerk",
        "scope_one": "Organisation {code}",
        "source_records": "Register",
        "source_baseline": "veröffentlichte Zahlen",
        "source_none": "Jahr unbekannt",
        "key_figures": "Kennzahlen",
        "situations": "Situationen (Interventionen)",
        "requalified": "Neu eingestufte Situationen",
        "without": "Ohne Abschlusstypologie",
        "reported": "Den Behörden gemeldet",
        "typology": "Typologie bei Eröffnung und Abschluss",
        "code": "Code",
        "label": "Bezeichnung",
        "intake": "Eröffnung",
        "closure": "Abschluss",
        "chart_title": "Typologie M1–M24: Eröffnung und Abschluss {year}",
        "requalifications": "Neueinstufungen",
        "no_requalification": "Keine Situation wurde neu eingestuft.",
        "net_change": "Nettounterschied zwischen Eröffnung und Abschluss, je Code",
        "requalified_sentence": "{code}: {intake} bei Eröffnung, {closure} bei Abschluss",
        "from_to": "Von → nach",
        "count": "Anzahl",
        "groups": "Typologiegruppen",
        "group": "Gruppe",
        "share": "Anteil",
        "at_closure": "beim Abschluss",
        "change": "Veränderung",
        "organisations": "Nach Organisation",
        "organisation": "Organisation",
        "severity": "Ampel",
        "at_year_end": "Am Jahresende",
        "highest": "Höchste erreichte Stufe",
        "green": "Grün",
        "orange": "Orange",
        "red": "Rot",
        "reports": "Meldungen an Behörden",
        "status_reported": "Gemeldet",
        "status_decided_not_to_report": "Begründete Entscheidung, nicht zu melden",
        "status_red_without_report": "Rot ohne Meldung oder Entscheidung",
        "status_none": "Keine Meldung (grün oder orange)",
        "by_authority": "Nach Behörde",
        "authority": "Behörde",
        "suppressed": "Zahlen unter {n} werden nicht gezeigt („<{n}“).",
        "definitions": (
            "Eine Situation zählt für das Jahr, in dem sie eröffnet wurde. Die Abschlusstypologie "
            "ist die des am 31. Dezember geltenden Abschlusses oder, für eine noch offene Akte, "
            "die ihrer letzten Jahresendüberprüfung. Veränderungen werden aus den Zahlen berechnet."
        ),
    },
}

COLOURS = {
    "intake": "#4c72b0",
    "closure": "#dd8452",
    "green": "#2e7d32",
    "orange": "#ef8f00",
    "red": "#c62828",
}

STYLE = """
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: #222; margin: 2rem auto;
       max-width: 60rem; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem;
     border-bottom: 2px solid #4c72b0; padding-bottom: .2rem; }
.subtitle { color: #555; margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .8rem; }
.card { border: 1px solid #ddd; border-radius: .4rem; padding: .7rem .9rem; background: #fafafa; }
.card .value { font-size: 1.8rem; font-weight: 600; } .card .label { color: #444; }
.card .change { font-size: .9rem; color: #555; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: .92rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: .3rem .5rem; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.zero td { color: #999; }
.note { color: #555; font-size: .88rem; } figure { margin: 1rem 0; }
svg { max-width: 100%; height: auto; }
ul.requal li { margin: .15rem 0; }
.provisional { border-left: 4px solid #c0392b; padding: .3rem .7rem; background: #fdf2f0; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table, figure, .card, .cards { break-inside: avoid; }
  .card { background: none; }
}
"""


def fetch(
    *,
    url: str,
    client_id: str,
    client_secret: str,
    year: int,
    compare_to: int | None,
    lang: str,
    organisation: str | None,
    suppress_below: int | None,
    transport: httpx.BaseTransport | None = None,
) -> Stats:
    with httpx.Client(base_url=url, timeout=60, transport=transport) as client:
        token = client.post(
            "/api/v1/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        token.raise_for_status()
        params: dict[str, str | int] = {"lang": lang}
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
        stats: Stats = response.json()
        return stats


def _count(figure: dict[str, Any], key: str, threshold: int | None) -> str:
    hidden = figure["suppressed"] if key == "value" else figure["previous_suppressed"]
    if hidden:
        return f"&lt;{threshold}"
    value = figure[key]
    return "–" if value is None else f"{value:,}".replace(",", "\u202f")


MONTHS = {
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}


def _percent(value: float, lang: str, sign: bool = False) -> str:
    """`18,1 %` in French and German, `18.1%` in English."""
    text = f"{value:+.1f}" if sign else f"{value:.1f}"
    if lang == "en":
        return f"{text}%"
    return text.replace(".", ",") + "\u00a0%"


def _long_date(day: date, lang: str) -> str:
    """`3 décembre 2026`, `3 December 2026`, `3. Dezember 2026`."""
    month = MONTHS[lang].split()[day.month - 1]
    return f"{day.day}. {month} {day.year}" if lang == "de" else f"{day.day} {month} {day.year}"


def _change(figure: dict[str, Any], lang: str) -> str:
    change = figure["change_pct"]
    return "–" if change is None else _percent(change, lang, sign=True)


def _share(value: float | None, lang: str) -> str:
    return "–" if value is None else _percent(value, lang)


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def typology_chart(stats: Stats, t: dict[str, str]) -> str:
    codes = [f["code"] for f in stats["intake"]]
    intake = [f["value"] or 0 for f in stats["intake"]]
    closure = [f["value"] or 0 for f in stats["closure"]]
    figure, axes = plt.subplots(figsize=(11, 4.2))
    positions = range(len(codes))
    width = 0.4
    axes.bar(
        [p - width / 2 for p in positions],
        intake,
        width,
        label=t["intake"],
        color=COLOURS["intake"],
    )
    axes.bar(
        [p + width / 2 for p in positions],
        closure,
        width,
        label=t["closure"],
        color=COLOURS["closure"],
    )
    # A hidden count is no bar at all (never one drawn as zero): "<N" stands in its place.
    for series, offset in ((stats["intake"], -width / 2), (stats["closure"], width / 2)):
        for position, item in zip(positions, series, strict=True):
            if item["suppressed"]:
                axes.text(
                    position + offset,
                    0,
                    f"<{stats['suppress_below']}",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color="#555",
                )
    axes.set_xticks(list(positions), codes, fontsize=9)
    axes.set_title(t["chart_title"].format(year=stats["year"]), fontsize=12, loc="left")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    # Above the plot, where no bar can reach it.
    axes.legend(frameon=False, ncols=2, loc="lower right", bbox_to_anchor=(1.0, 1.0))
    if stats["suppress_below"]:
        axes.text(
            1.0,
            -0.14,
            t["suppressed"].format(n=stats["suppress_below"]),
            transform=axes.transAxes,
            ha="right",
            fontsize=8,
            color="#555",
        )
    return _svg(figure)


def severity_chart(stats: Stats, t: dict[str, str]) -> str:
    labels = [t["at_year_end"], t["highest"]]
    figure, axes = plt.subplots(figsize=(7, 1.9))
    for row, series in enumerate((stats["severity_at_year_end"], stats["highest_severity"])):
        left = 0
        for item in series:
            value = item["value"] or 0
            axes.barh(
                row,
                value,
                left=left,
                color=COLOURS[item["severity"]],
                label=t[item["severity"]] if row == 0 else None,
            )
            if value:
                axes.text(
                    left + value / 2,
                    row,
                    str(value),
                    ha="center",
                    va="center",
                    color="white",
                    fontsize=9,
                )
            left += value
    axes.set_yticks([0, 1], labels)
    axes.invert_yaxis()
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return _svg(figure)


def _table(
    header: list[str],
    rows: list[list[str]],
    *,
    text_columns: int = 1,
    muted: set[int] | None = None,
) -> str:
    """An HTML table; columns from `text_columns` on are numbers, aligned right."""

    def cell(tag: str, index: int, content: str) -> str:
        css = ' class="n"' if index >= text_columns else ""
        return f"<{tag}{css}>{content}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    muted_css = ' class="zero"'
    body = "".join(
        f"<tr{muted_css if muted and r in muted else ''}>"
        + "".join(cell("td", i, c) for i, c in enumerate(row))
        + "</tr>"
        for r, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(stats: Stats, lang: str) -> str:
    t = TEXTS[lang]
    n = stats["suppress_below"]
    esc = html.escape
    year, before = stats["year"], stats["comparison"]["year"]

    def count(figure: dict[str, Any], key: str = "value") -> str:
        return _count(figure, key, n)

    scope = (
        t["scope_one"].format(code=esc(stats["organisation"]))
        if stats["organisation"]
        else t["scope_all"]
    )
    source = t[f"source_{stats['comparison']['source']}"]
    subtitle = t["subtitle"].format(
        before=before, source=source, today=_long_date(date.today(), lang)
    )
    title = esc(t["title"].format(year=year))
    groups = {g["code"]: g for g in stats["groups"]}
    reports = {r["status"]: r for r in stats["reports"]}
    parts: list[str] = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{STYLE}</style></head><body>",
        f"<h1>{title}</h1>",
        f'<p class="subtitle">{scope} · {esc(subtitle)}</p>',
        *(
            [f'<p class="provisional">{esc(t["provisional"].format(year=year))}</p>']
            if year >= date.today().year
            else []
        ),
        f'<h2>{t["key_figures"]}</h2><div class="cards">',
    ]

    def card(label: str, figure: dict[str, Any], share: float | None = None) -> None:
        extra = f" · {_share(share, lang)}" if share is not None else ""
        change = f"{before}: {count(figure, 'previous')} · {_change(figure, lang)}"
        parts.append(
            f'<div class="card"><div class="value">{count(figure)}</div>'
            f'<div class="label">{esc(label)}{extra}</div><div class="change">{change}</div></div>'
        )

    card(t["situations"], stats["situations"])
    for code in ("sexualised", "questionings"):
        if code in groups:
            closure = groups[code]["closure"]
            card(groups[code]["label"], closure, closure["share_pct"])
    card(t["requalified"], stats["requalified"])
    card(t["reported"], reports["reported"])
    card(t["without"], stats["without_closure_typology"])
    parts.append("</div>")

    parts.append(f"<h2>{t['typology']}</h2><figure>{typology_chart(stats, t)}</figure>")
    pairs = list(zip(stats["intake"], stats["closure"], strict=True))
    parts.append(
        _table(
            [
                t["code"],
                t["label"],
                f"{t['intake']} {year}",
                f"{t['closure']} {year}",
                f"{t['intake']} {before}",
                f"{t['closure']} {before}",
            ],
            [
                [
                    i["code"],
                    esc(i["label"]),
                    count(i),
                    count(c),
                    count(i, "previous"),
                    count(c, "previous"),
                ]
                for i, c in pairs
            ],
            text_columns=2,
            muted={r for r, (i, c) in enumerate(pairs) if i["value"] == 0 and c["value"] == 0},
        )
    )

    # The pairs that happened: a situation opened under one code and closed under another.
    parts.append(f"<h2>{t['requalifications']}</h2>")
    if stats["requalifications"]:
        parts.append(
            _table(
                [t["from_to"], str(year), str(before)],
                [
                    [f"{r['from_code']} → {r['to_code']}", count(r), count(r, "previous")]
                    for r in stats["requalifications"]
                ],
            )
        )
    else:
        parts.append(f'<p class="note">{esc(t["no_requalification"])}</p>')
    # Not to be read as requalifications: a code's count at intake against at closure, net.
    parts.append(f'<h3>{esc(t["net_change"])}</h3><ul class="requal">')
    for intake, closure in pairs:
        if intake["value"] != closure["value"] and not (
            intake["suppressed"] or closure["suppressed"]
        ):
            sentence = t["requalified_sentence"].format(
                code=intake["code"], intake=intake["value"], closure=closure["value"]
            )
            parts.append(f"<li>{esc(sentence)}</li>")
    parts.append("</ul>")

    parts.append(f"<h2>{t['groups']}</h2>")
    parts.append(
        _table(
            [
                t["group"],
                t["code"],
                t["intake"],
                t["closure"],
                # The share, the year before and the change are the closure's.
                f"{t['share']} {t['at_closure']}",
                f"{before} {t['at_closure']}",
                f"{t['change']} {t['at_closure']}",
            ],
            [
                [
                    esc(g["label"]),
                    ", ".join(g["members"]),
                    count(g["intake"]),
                    count(g["closure"]),
                    _share(g["closure"]["share_pct"], lang),
                    count(g["closure"], "previous"),
                    _change(g["closure"], lang),
                ]
                for g in stats["groups"]
            ],
            text_columns=2,
        )
    )

    parts.append(f"<h2>{t['organisations']}</h2>")
    parts.append(
        _table(
            [t["organisation"], str(year), str(before), t["change"]],
            [
                [
                    f"{esc(o['name'])} ({esc(o['organisation'])})",
                    count(o),
                    count(o, "previous"),
                    _change(o, lang),
                ]
                for o in stats["organisations"]
            ],
        )
    )

    parts.append(f"<h2>{t['severity']}</h2><figure>{severity_chart(stats, t)}</figure>")
    parts.append(
        _table(
            ["", t["at_year_end"], str(before), t["highest"], str(before)],
            [
                [
                    t[end["severity"]],
                    count(end),
                    count(end, "previous"),
                    count(top),
                    count(top, "previous"),
                ]
                for end, top in zip(
                    stats["severity_at_year_end"], stats["highest_severity"], strict=True
                )
            ],
        )
    )

    parts.append(f"<h2>{t['reports']}</h2>")
    parts.append(
        _table(
            ["", str(year), str(before), t["change"]],
            [
                [t["status_" + r["status"]], count(r), count(r, "previous"), _change(r, lang)]
                for r in stats["reports"]
            ],
        )
    )
    if stats["reports_by_authority"]:
        parts.append(
            _table(
                [t["by_authority"], str(year), str(before)],
                [
                    [esc(a["label"]), count(a), count(a, "previous")]
                    for a in stats["reports_by_authority"]
                ],
            )
        )

    parts.append(f'<p class="note">{esc(t["definitions"])}</p>')
    if n:
        parts.append(f'<p class="note">{esc(t["suppressed"].format(n=n))}</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


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
    parser.add_argument("--lang", choices=sorted(TEXTS), default="fr")
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
    output.write_text(render_html(stats, args.lang), encoding="utf-8")
    print(f"wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
