"""The annual report: a year's statistics as the delegates publish them, in French, English or
German. The console shows its sections on the statistics page and gives it to download; the
script `scripts/annual_report.py` writes it from the API's figures. One file, its stylesheet
inside, its charts drawn in SVG: it needs nothing else to be read or printed."""

from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from app.reference.labels import Language
from app.statistics.schemas import AnnualStatistics, Figure, RequalificationFigure

STYLESHEET = Path(__file__).parent / "static" / "annual_report.css"

WORDS: dict[str, tuple[str, str, str]] = {
    # key: (français, English, Deutsch)
    "title": (
        "Délégués à la bientraitance — statistiques {year}",
        "Bientraitance delegates — statistics {year}",
        "Delegierte für Bientraitance — Statistik {year}",
    ),
    "subtitle": (
        "Comparaison avec {before} ({source}). Établi le {today}.",
        "Compared with {before} ({source}). Produced on {today}.",
        "Verglichen mit {before} ({source}). Erstellt am {today}.",
    ),
    "provisional": (
        "Chiffres provisoires : l'année {year} n'est pas terminée.",
        "Provisional figures: {year} has not ended yet.",
        "Vorläufige Zahlen: das Jahr {year} ist noch nicht abgeschlossen.",
    ),
    "scope_all": ("Ensemble du réseau", "Whole network", "Gesamtes Netzwerk"),
    "scope_one": ("Organisation {code}", "Organisation {code}", "Organisation {code}"),
    "source_records": ("registre", "register", "Register"),
    "source_baseline": ("chiffres publiés", "published figures", "veröffentlichte Zahlen"),
    "source_none": ("année inconnue", "unknown year", "Jahr unbekannt"),
    "key_figures": ("Chiffres clés", "Key figures", "Kennzahlen"),
    "situations": (
        "Situations (interventions)",
        "Situations (interventions)",
        "Situationen (Interventionen)",
    ),
    "requalified": (
        "Situations requalifiées",
        "Requalified situations",
        "Neu eingestufte Situationen",
    ),
    "without": (
        "Sans typologie de sortie",
        "Without closure typology",
        "Ohne Abschlusstypologie",
    ),
    "reported": ("Signalées aux autorités", "Reported to authorities", "Den Behörden gemeldet"),
    "typology": (
        "Typologie d'entrée et de sortie",
        "Intake and closure typology",
        "Typologie bei Eröffnung und Abschluss",
    ),
    "code": ("Code", "Code", "Code"),
    "intake": ("Entrée", "Intake", "Eröffnung"),
    "closure": ("Sortie", "Closure", "Abschluss"),
    "chart_title": (
        "Typologie M1–M24 : entrée et sortie {year}",
        "M1–M24 typology: intake and closure {year}",
        "Typologie M1–M24: Eröffnung und Abschluss {year}",
    ),
    "requalifications": ("Requalifications", "Requalifications", "Neueinstufungen"),
    "no_requalification": (
        "Aucune situation requalifiée.",
        "No situation was requalified.",
        "Keine Situation wurde neu eingestuft.",
    ),
    "net_change": (
        "Écart net entre l'entrée et la sortie, par code",
        "Net difference between intake and closure, by code",
        "Nettounterschied zwischen Eröffnung und Abschluss, je Code",
    ),
    "requalified_sentence": (
        "{code} : {intake} à l'entrée, {closure} à la sortie",
        "{code}: {intake} at intake, {closure} at closure",
        "{code}: {intake} bei Eröffnung, {closure} bei Abschluss",
    ),
    "from": ("Code à l'entrée", "Code at intake", "Code bei Eröffnung"),
    "to": ("Codes à la sortie, {year}", "Codes at closure, {year}", "Codes beim Abschluss, {year}"),
    "pair": ("{code}\u00a0: {count}", "{code}: {count}", "{code}: {count}"),
    "groups": ("Groupes de typologies", "Typology groups", "Typologiegruppen"),
    "group": ("Groupe", "Group", "Gruppe"),
    "share": ("Part", "Share", "Anteil"),
    "group_columns": (
        "La part, {before} et l'évolution sont celles de la sortie.",
        "The share, {before} and the change are those at closure.",
        "Anteil, {before} und Veränderung gelten für den Abschluss.",
    ),
    "change": ("Évolution", "Change", "Veränderung"),
    "organisations": ("Par organisation", "By organisation", "Nach Organisation"),
    "organisation": ("Organisation", "Organisation", "Organisation"),
    "severity": ("Feux de signalisation", "Traffic light", "Ampel"),
    "severity_chart": (
        "Feux de signalisation {year} : en fin d'année et le plus élevé atteint",
        "Traffic light {year}: at year end and highest reached",
        "Ampel {year}: am Jahresende und höchste erreichte Stufe",
    ),
    "colour": ("Couleur", "Colour", "Farbe"),
    "at_year_end": ("En fin d'année", "At year end", "Am Jahresende"),
    "highest": ("Le plus élevé atteint", "Highest reached", "Höchste erreichte Stufe"),
    "green": ("Vert", "Green", "Grün"),
    "orange": ("Orange", "Orange", "Orange"),
    "red": ("Rouge", "Red", "Rot"),
    "reports": ("Signalements aux autorités", "Reports to authorities", "Meldungen an Behörden"),
    "report": ("Signalement", "Report", "Meldung"),
    "status_reported": ("Signalée", "Reported", "Gemeldet"),
    "status_decided_not_to_report": (
        "Décision motivée de ne pas signaler",
        "Justified decision not to report",
        "Begründete Entscheidung, nicht zu melden",
    ),
    "status_red_without_report": (
        "Rouge sans signalement ni décision",
        "Red without report or decision",
        "Rot ohne Meldung oder Entscheidung",
    ),
    "status_none": (
        "Sans signalement (vert ou orange)",
        "No report (green or orange)",
        "Keine Meldung (grün oder orange)",
    ),
    "by_authority": ("Par autorité", "By authority", "Nach Behörde"),
    "hidden": (
        "Les effectifs inférieurs à {n} sont masqués (« <{n} »).",
        "Counts under {n} are hidden (“<{n}”).",
        "Zahlen unter {n} werden nicht gezeigt („<{n}“).",
    ),
    "definitions": (
        "Une situation compte pour l'année où elle a été ouverte. La typologie de sortie est "
        "celle de la clôture en vigueur au 31 décembre, ou, pour un dossier encore ouvert, celle "
        "de sa dernière revue de fin d'année. Les évolutions sont calculées sur les effectifs.",
        "A situation counts for the year it was opened in. The closure typology is that of the "
        "closure in force on 31 December or, for a file still open, that of its latest year-end "
        "review. Changes are computed from the counts.",
        "Eine Situation zählt für das Jahr, in dem sie eröffnet wurde. Die Abschlusstypologie ist "
        "die des am 31. Dezember geltenden Abschlusses oder, für eine noch offene Akte, die ihrer "
        "letzten Jahresendüberprüfung. Veränderungen werden aus den Zahlen berechnet.",
    ),
}

MONTHS = {
    Language.FR: "janvier février mars avril mai juin juillet août septembre octobre novembre "
    "décembre",
    Language.EN: "January February March April May June July August September October November "
    "December",
    Language.DE: "Januar Februar März April Mai Juni Juli August September Oktober November "
    "Dezember",
}

# Groups whose share of the year is a key figure.
KEY_GROUPS = ("sexualised", "questionings")


class Writing:
    """How the report writes its words, numbers, shares and dates in one language."""

    def __init__(self, lang: Language, suppress_below: int | None) -> None:
        self.lang = lang
        self.suppress_below = suppress_below

    def __call__(self, key: str, **values: object) -> str:
        french, english, german = WORDS[key]
        text = {Language.FR: french, Language.EN: english, Language.DE: german}[self.lang]
        return text.format(**values) if values else text

    def count(self, figure: Figure, previous: bool = False) -> str:
        """A count, `<N` when it is hidden (never a zero), `–` when unknown."""
        hidden = figure.previous_suppressed if previous else figure.suppressed
        value = figure.previous if previous else figure.value
        if hidden:
            return f"<{self.suppress_below}"
        return "–" if value is None else f"{value:,}".replace(",", "\u202f")

    def percent(self, value: float | None, sign: bool = False) -> str:
        """`18,1 %` in French and German, `18.1%` in English."""
        if value is None:
            return "–"
        text = f"{value:+.1f}" if sign else f"{value:.1f}"
        if self.lang is Language.EN:
            return f"{text}%"
        return text.replace(".", ",") + "\u00a0%"

    def change(self, figure: Figure) -> str:
        return self.percent(figure.change_pct, sign=True)

    def long_date(self, day: date) -> str:
        """`3 décembre 2026`, `3 December 2026`, `3. Dezember 2026`."""
        month = MONTHS[self.lang].split()[day.month - 1]
        if self.lang is Language.DE:
            return f"{day.day}. {month} {day.year}"
        return f"{day.day} {month} {day.year}"


_templates = Environment(
    loader=PackageLoader("app.statistics", "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def sections(stats: AnnualStatistics, lang: Language) -> Markup:
    """The report's sections, for a page that gives them their title."""
    t = Writing(lang, stats.suppress_below)
    html = _templates.get_template("annual_report_sections.html").render(
        stats=stats,
        t=t,
        key_groups=KEY_GROUPS,
        # Each chart's rows: a label and the two figures drawn side by side.
        typology_rows=[(i.code, (i, c)) for i, c in zip(stats.intake, stats.closure, strict=True)],
        requalified_from=_requalified_from(stats),
        severity_rows=[
            (t(end.severity), (end, top))
            for end, top in zip(stats.severity_at_year_end, stats.highest_severity, strict=True)
        ],
    )
    return Markup(html)  # noqa: S704 - rendered by the autoescaping environment above


def _requalified_from(
    stats: AnnualStatistics,
) -> list[tuple[str, list[RequalificationFigure]]]:
    """The requalification pairs by code at intake, in the typology's order."""
    order = {figure.code: position for position, figure in enumerate(stats.intake)}
    by_code: dict[str, list[RequalificationFigure]] = {}
    for pair in sorted(
        stats.requalifications,
        key=lambda r: (order.get(r.from_code, len(order)), order.get(r.to_code, len(order))),
    ):
        by_code.setdefault(pair.from_code, []).append(pair)
    return list(by_code.items())


def document(stats: AnnualStatistics, lang: Language, today: date) -> str:
    """The whole report as one HTML file, to keep, send or print."""
    t = Writing(lang, stats.suppress_below)
    return _templates.get_template("annual_report.html").render(
        stats=stats,
        t=t,
        lang=lang.value,
        sections=sections(stats, lang),
        stylesheet=Markup(STYLESHEET.read_text(encoding="utf-8")),  # noqa: S704 - our own file
        today=today,
    )
