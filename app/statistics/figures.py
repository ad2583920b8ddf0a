"""The counts of one year, from records or from a baseline, before comparison and publication."""

from dataclasses import dataclass, field
from enum import StrEnum

TYPOLOGY_CODES = tuple(f"M{n}" for n in range(1, 25))
SEVERITIES = ("green", "orange", "red")
REPORT_STATUSES = ("reported", "decided_not_to_report", "red_without_report", "none")


class Source(StrEnum):
    RECORDS = "records"
    BASELINE = "baseline"
    NONE = "none"


Count = int | None  # None: not known for this year


@dataclass
class YearCounts:
    """Every count the annual statistics publish, for one year and one scope."""

    source: Source
    situations: Count = None
    without_closure_typology: Count = None
    intake: dict[str, Count] = field(default_factory=dict)
    closure: dict[str, Count] = field(default_factory=dict)
    requalified: Count = None
    # (from, to) -> count; None when the pairs are not known for this year.
    requalifications: dict[tuple[str, str], int] | None = None
    group_intake: dict[str, Count] = field(default_factory=dict)
    group_closure: dict[str, Count] = field(default_factory=dict)
    organisations: dict[str, Count] = field(default_factory=dict)
    severity_at_year_end: dict[str, Count] = field(default_factory=dict)
    highest_severity: dict[str, Count] = field(default_factory=dict)
    reports: dict[str, Count] = field(default_factory=dict)
    reports_by_authority: dict[str, Count] = field(default_factory=dict)


def unknown() -> YearCounts:
    return YearCounts(source=Source.NONE)
