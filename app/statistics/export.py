"""The annual statistics as CSV, one figure a row, for spreadsheets."""

import io

from app.core.cells import FormulaSafeWriter
from app.statistics import schemas

SUPPRESSED = "<{threshold}"


def _cell(value: int | float | None, hidden: bool, threshold: int | None) -> str:
    if hidden:
        return SUPPRESSED.format(threshold=threshold)
    return "" if value is None else str(value)


def to_csv(stats: schemas.AnnualStatistics) -> str:
    out = io.StringIO()
    writer = FormulaSafeWriter(out, lineterminator="\r\n")
    year, before = stats.year, stats.comparison.year
    writer.writerow(
        [
            "section",
            "code",
            "label",
            str(year),
            str(before),
            "change_pct",
            f"share_pct_{year}",
            f"share_pct_{before}",
        ]
    )
    threshold = stats.suppress_below

    def row(
        section: str,
        code: str,
        label: str,
        figure: schemas.Figure,
        share: tuple[float | None, float | None] = (None, None),
    ) -> None:
        writer.writerow(
            [
                section,
                code,
                label,
                _cell(figure.value, figure.suppressed, threshold),
                _cell(figure.previous, figure.previous_suppressed, threshold),
                "" if figure.change_pct is None else f"{figure.change_pct:.1f}",
                "" if share[0] is None else f"{share[0]:.1f}",
                "" if share[1] is None else f"{share[1]:.1f}",
            ]
        )

    row("situations", "", "situations", stats.situations)
    row("situations", "", "without closure-stage typology", stats.without_closure_typology)
    row("situations", "", "requalified", stats.requalified)
    for figure in stats.intake:
        row("intake", figure.code, figure.label, figure)
    for figure in stats.closure:
        row("closure", figure.code, figure.label, figure)
    for requalification in stats.requalifications:
        code = f"{requalification.from_code}>{requalification.to_code}"
        row("requalification", code, "", requalification)
    for group in stats.groups:
        for stage, shared in (("intake", group.intake), ("closure", group.closure)):
            share = (shared.share_pct, shared.previous_share_pct)
            row(f"group_{stage}", group.code, group.label, shared, share)
    for organisation in stats.organisations:
        row("organisation", organisation.organisation, organisation.name, organisation)
    for severity in stats.severity_at_year_end:
        row("severity_at_year_end", severity.severity, "", severity)
    for severity in stats.highest_severity:
        row("highest_severity", severity.severity, "", severity)
    for report in stats.reports:
        row("reports", report.status, "", report)
    for authority in stats.reports_by_authority:
        row("reports_by_authority", authority.authority, authority.label, authority)
    return out.getvalue()
