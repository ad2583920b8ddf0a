from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, StringConstraints

from app.reference.labels import Language
from app.situations.schemas import TypologyCode
from app.statistics.figures import Source

ReportStatus = Literal["reported", "decided_not_to_report", "red_without_report", "none"]
SeverityName = Literal["green", "orange", "red"]


class Figure(BaseModel):
    """A count of the year, the same count for the comparison year, and the change."""

    value: int | None = Field(description="null when unknown or suppressed.")
    previous: int | None = Field(description="The comparison year's count; null when unknown.")
    change_pct: float | None = Field(
        description="(value - previous) / previous x 100, one decimal, rounded half up; "
        "null when either count is unknown or suppressed, or previous is 0."
    )
    suppressed: bool = Field(default=False, description="value hidden as a small count.")
    previous_suppressed: bool = False


class SharedFigure(Figure):
    share_pct: float | None = Field(
        description="Share of all the year's situations, in percent, one decimal."
    )
    previous_share_pct: float | None


class CodeFigure(Figure):
    code: str
    label: str


class RequalificationFigure(Figure):
    from_code: str = Field(description="Intake typology.")
    to_code: str = Field(description="Closure-stage typology.")


class GroupFigures(BaseModel):
    code: str
    label: str
    members: list[str]
    intake: SharedFigure
    closure: SharedFigure


class OrganisationFigure(Figure):
    organisation: str
    name: str


class SeverityFigure(Figure):
    severity: SeverityName


class ReportFigure(Figure):
    status: ReportStatus


class AuthorityFigure(Figure):
    authority: str
    label: str


class Comparison(BaseModel):
    year: int
    source: Source = Field(
        description="records: counted from the register; baseline: published totals entered "
        "with PUT /statistics/baselines/{year}; none: the year is unknown."
    )


class AnnualStatistics(BaseModel):
    year: int
    lang: Language
    organisation: str | None = Field(description="The organisation the figures are limited to.")
    source: Source
    comparison: Comparison
    suppress_below: int | None
    situations: Figure
    without_closure_typology: Figure = Field(
        description="Situations with no closure-stage typology at the end of the year."
    )
    requalified: Figure = Field(
        description="Situations whose closure-stage typology differs from the intake typology."
    )
    intake: list[CodeFigure] = Field(description="All 24 codes, zeros included.")
    closure: list[CodeFigure] = Field(description="All 24 codes, zeros included.")
    requalifications: list[RequalificationFigure]
    groups: list[GroupFigures]
    organisations: list[OrganisationFigure]
    severity_at_year_end: list[SeverityFigure]
    highest_severity: list[SeverityFigure]
    reports: list[ReportFigure] = Field(
        description="Each situation once: reported; else decided not to report; else red at "
        "year end without either; else none."
    )
    reports_by_authority: list[AuthorityFigure] = Field(
        description="Situations reported to each authority (one situation may count for several)."
    )


# --- baselines -------------------------------------------------------------------------------

Code40 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BaselineGroup(StrictModel):
    intake: NonNegativeInt | None = None
    closure: NonNegativeInt | None = None


class BaselineRequalification(StrictModel):
    from_code: TypologyCode
    to_code: TypologyCode
    count: NonNegativeInt


class BaselineFigures(StrictModel):
    """A past year's published totals; give what is known, leave out what is not (a code left
    out of `intake` is unknown, not zero)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "situations": 214,
                    "intake": {"M1": 31, "M2": 12, "M21": 40},
                    "groups": {"sexualised": {"intake": 25}},
                }
            ]
        },
    )

    situations: NonNegativeInt | None = None
    without_closure_typology: NonNegativeInt | None = None
    intake: dict[TypologyCode, NonNegativeInt] = Field(default_factory=dict)
    closure: dict[TypologyCode, NonNegativeInt] = Field(default_factory=dict)
    requalified: NonNegativeInt | None = None
    requalifications: list[BaselineRequalification] | None = None
    groups: dict[Code40, BaselineGroup] = Field(default_factory=dict)
    organisations: dict[Code40, NonNegativeInt] = Field(default_factory=dict)
    severity_at_year_end: dict[SeverityName, NonNegativeInt] = Field(default_factory=dict)
    highest_severity: dict[SeverityName, NonNegativeInt] = Field(default_factory=dict)
    reports: dict[ReportStatus, NonNegativeInt] = Field(default_factory=dict)
    reports_by_authority: dict[Code40, NonNegativeInt] = Field(default_factory=dict)
    source_note: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None, description="Where the figures come from, e.g. 'Rapport annuel 2023, p. 14'."
    )


class BaselineRead(BaseModel):
    year: int
    figures: BaselineFigures
    version: int


class BaselineList(BaseModel):
    items: list[BaselineRead]
