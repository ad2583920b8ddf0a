from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.auth.models import Account
from app.core.http import MAX_ROW_ID
from app.core.principal import Role
from app.situations.enums import ActionKind, ReportDecision, Severity, SituationStatus
from app.situations.models import (
    AuthorityReport,
    Closure,
    DelegateAction,
    Reopening,
    SeverityChange,
    Situation,
    SituationEdit,
    SituationRecord,
    YearEndReview,
)

TypologyCode = Literal[
    "M1", "M2", "M3", "M4", "M5", "M6", "M7", "M8", "M9", "M10", "M11", "M12",
    "M13", "M14", "M15", "M16", "M17", "M18", "M19", "M20", "M21", "M22", "M23", "M24",
]  # fmt: skip


Narrative = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4_000)]
ReferenceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
]
OrganisationCode = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
]

SUMMARY_HELP = (
    "What happened, as the delegates need it. Never the names of beneficiaries: "
    "describe people by their role (a resident, an educator)."
)


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SituationCreate(StrictModel):
    organisation: OrganisationCode | None = Field(
        default=None,
        description="Organisation code. Coordinators and intranet clients may leave it out: "
        "their own organisation is used.",
        examples=["MRE"],
    )
    opened_on: date = Field(description="Date the situation was brought to the delegates.")
    intake_typology: TypologyCode = Field(description="Typology when the file is opened.")
    severity: Severity = Field(description="Traffic light: green, orange or red.")
    summary: Narrative = Field(description=SUMMARY_HELP)
    requester_kind: ReferenceCode = Field(
        description="Who asked: a code of GET /api/v1/reference/requester-kinds.",
        examples=["staff"],
    )
    age_group: ReferenceCode | None = Field(
        default=None,
        description="Beneficiaries' age group: a code of GET /api/v1/reference/age-groups.",
        examples=["child"],
    )
    site_id: int | None = Field(
        default=None, ge=1, le=MAX_ROW_ID, description="Service or site of the organisation."
    )


# Valid values that stand in for refused ones, so that the rules are still checked on the rest
# of a form or a spreadsheet's row (which is refused all the same).
STAND_INS: dict[str, Any] = {
    "opened_on": date(2000, 1, 1),
    "intake_typology": "M1",
    "severity": "orange",
    "summary": "-",
    "requester_kind": "other",
    "age_group": None,
    "site_id": None,
}


class SituationUpdate(StrictModel):
    """Corrections to a situation's intake data. Severity, closure and the rest have their own
    sub-resources, so that each change keeps its reason in the history."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "age_group": "adolescent",
                    "summary": "A resident was shouted at during the evening meal (corrected).",
                }
            ]
        },
    )

    opened_on: date | None = Field(
        default=None,
        description="Not after the first colour change, year-end review, closure or reopening, "
        "nor after the year of a year-end review.",
    )
    intake_typology: TypologyCode | None = None
    summary: Narrative | None = Field(default=None, description=SUMMARY_HELP)
    requester_kind: ReferenceCode | None = None
    age_group: ReferenceCode | None = None
    site_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID)


class SiteRef(BaseModel):
    id: int
    name: str


class ClosureRead(BaseModel):
    closed_on: date
    typology: str
    outcome: str


class SituationListItem(BaseModel):
    """A situation as it appears in lists: no narrative."""

    id: str
    reference: str = Field(examples=["2026-0042"])
    organisation: str
    site: SiteRef | None
    opened_on: date
    intake_typology: str
    severity: Severity
    status: SituationStatus
    requester_kind: str
    age_group: str | None
    closure_typology: str | None
    closed_on: date | None
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None = Field(
        description="Set once the retention period ended: the narratives and identifying "
        "details are erased, the codes, colours, dates and reports stay for the statistics."
    )
    version: int


class SituationRead(SituationListItem):
    summary: str
    closure: ClosureRead | None


class SituationPage(BaseModel):
    items: list[SituationListItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class SeverityChangeCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "severity": "red",
                    "reason": "A second resident describes the same facts.",
                    "changed_on": "2026-03-16",
                }
            ]
        },
    )

    severity: Severity
    reason: Note = Field(description="Why the colour changes.")
    changed_on: date | None = Field(
        default=None,
        description="Defaults to today. Not before the opening, nor before the last change.",
    )


class ReviewCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "year": 2025,
                    "typology": "M22",
                    "reviewed_on": "2025-12-31",
                    "note": "Still followed; requalified at the year-end review.",
                }
            ]
        },
    )

    year: int = Field(ge=1990, le=2200, description="The year under review.")
    typology: TypologyCode = Field(description="Closure-stage typology at the end of that year.")
    reviewed_on: date | None = Field(
        default=None, description="Defaults to today. Not before the opening."
    )
    note: Note | None = None


class ReportCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "decision": "reported",
                    "authority": "parquet",
                    "decided_on": "2026-03-17",
                    "details": "Report sent by the direction.",
                }
            ]
        },
    )

    decision: ReportDecision
    authority: ReferenceCode | None = Field(
        default=None,
        description="Required when reported: a code of GET /api/v1/reference/authorities.",
        examples=["parquet"],
    )
    decided_on: date = Field(
        description="Date of the report, or of the decision not to report; it may precede the "
        "opening (an organisation may report before it turns to a delegate)."
    )
    justification: Note | None = Field(
        default=None, description="Required for a decision not to report."
    )
    details: Note | None = None


class ActionCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "meeting",
                    "occurred_on": "2026-03-18",
                    "duration_minutes": 45,
                    "note": "Met the team leader.",
                }
            ]
        },
    )

    kind: ActionKind
    occurred_on: date
    duration_minutes: int = Field(ge=0, le=24 * 60)
    note: Note | None = None


class ClosureCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "closed_on": "2026-06-30",
                    "typology": "M21",
                    "outcome": "Practice reviewed in team; training planned.",
                }
            ]
        },
    )

    closed_on: date = Field(description="Not before the opening, nor before the last reopening.")
    typology: TypologyCode = Field(description="Closure typology.")
    outcome: Note = Field(description="How the situation ended.")


class ReopeningCreate(StrictModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"reason": "New facts reported by the family.", "reopened_on": "2026-09-02"}
            ]
        },
    )

    reason: Note
    reopened_on: date | None = Field(
        default=None, description="Defaults to today. Not before the closure it reopens."
    )


class Actor(BaseModel):
    id: int
    name: str
    role: Role


class RecordBase(BaseModel):
    id: int = Field(description="The record's id among the records of its kind.")
    entry_id: str = Field(
        description="The entry's id within the situation's history: its kind and its id "
        "(`authority_report-3`)."
    )
    recorded_at: datetime
    recorded_by: Actor
    situation_version: int | None = Field(
        default=None, description="The situation's version (ETag) right after this record."
    )


class CreatedEntry(BaseModel):
    kind: Literal["created"] = "created"
    entry_id: Literal["created"] = "created"
    recorded_at: datetime
    recorded_by: Actor
    situation_version: Literal[1] = 1
    opened_on: date
    intake_typology: str
    severity: Severity


class ErasedEntry(BaseModel):
    """The end of the retention period erased the narratives and identifying details."""

    kind: Literal["erased"] = "erased"
    entry_id: Literal["erased"] = "erased"
    recorded_at: datetime
    situation_version: int


class EditRead(RecordBase):
    kind: Literal["edited"] = "edited"
    changes: list[dict[str, Any]]


class SeverityChangeRead(RecordBase):
    kind: Literal["severity_changed"] = "severity_changed"
    from_severity: Severity
    to_severity: Severity
    changed_on: date
    reason: str


class ReviewRead(RecordBase):
    kind: Literal["year_end_review"] = "year_end_review"
    year: int
    typology: str
    reviewed_on: date
    note: str | None


class ReportRead(RecordBase):
    kind: Literal["authority_report"] = "authority_report"
    decision: ReportDecision
    authority: str | None
    decided_on: date
    justification: str | None
    details: str | None


class ActionRead(RecordBase):
    kind: Literal["action"] = "action"
    action: ActionKind
    occurred_on: date
    duration_minutes: int
    note: str | None


class ClosureRecordRead(RecordBase):
    kind: Literal["closed"] = "closed"
    closed_on: date
    typology: str
    outcome: str


class ReopeningRead(RecordBase):
    kind: Literal["reopened"] = "reopened"
    reopened_on: date
    reason: str


HistoryEntry = Annotated[
    CreatedEntry
    | ErasedEntry
    | EditRead
    | SeverityChangeRead
    | ReviewRead
    | ReportRead
    | ActionRead
    | ClosureRecordRead
    | ReopeningRead,
    Field(discriminator="kind"),
]


class SituationHistory(BaseModel):
    situation_id: str
    reference: str
    entries: list[HistoryEntry] = Field(description="Oldest first.")


# --- from the models to what clients read --------------------------------------------------


def _list_fields(situation: Situation) -> dict[str, Any]:
    closure = situation.current_closure
    return {
        "id": situation.id,
        "reference": situation.reference,
        "organisation": situation.organisation.code,
        "site": SiteRef(id=situation.site.id, name=situation.site.name) if situation.site else None,
        "opened_on": situation.opened_on,
        "intake_typology": situation.intake_typology,
        "severity": situation.severity,
        "status": situation.status,
        "requester_kind": situation.requester_kind,
        "age_group": situation.age_group,
        "closure_typology": closure.typology if closure else None,
        "closed_on": closure.closed_on if closure else None,
        "created_at": situation.created_at,
        "updated_at": situation.updated_at,
        "erased_at": situation.erased_at,
        "version": situation.version,
    }


def to_list_item(situation: Situation) -> SituationListItem:
    return SituationListItem(**_list_fields(situation))


def to_read(situation: Situation) -> SituationRead:
    closure = situation.current_closure
    return SituationRead(
        **_list_fields(situation),
        summary=situation.summary,
        closure=ClosureRead(
            closed_on=closure.closed_on, typology=closure.typology, outcome=closure.outcome
        )
        if closure
        else None,
    )


def _actor(account: Account) -> Actor:
    return Actor(id=account.id, name=account.display_name, role=account.role)


def to_record_read(record: SituationRecord, situation_version: int | None = None) -> Any:
    common: dict[str, Any] = {
        "id": record.id,
        "entry_id": f"{_KINDS[type(record)]}-{record.id}",
        "recorded_at": record.recorded_at,
        "recorded_by": _actor(record.recorded_by),
        "situation_version": situation_version,
    }
    match record:
        case SituationEdit():
            return EditRead(**common, changes=record.changes)
        case SeverityChange():
            return SeverityChangeRead(
                **common,
                from_severity=record.from_severity,
                to_severity=record.to_severity,
                changed_on=record.changed_on,
                reason=record.reason,
            )
        case YearEndReview():
            return ReviewRead(
                **common,
                year=record.year,
                typology=record.typology,
                reviewed_on=record.reviewed_on,
                note=record.note,
            )
        case AuthorityReport():
            return ReportRead(
                **common,
                decision=record.decision,
                authority=record.authority_code,
                decided_on=record.decided_on,
                justification=record.justification,
                details=record.details,
            )
        case DelegateAction():
            return ActionRead(
                **common,
                action=record.kind,
                occurred_on=record.occurred_on,
                duration_minutes=record.duration_minutes,
                note=record.note,
            )
        case Closure():
            return ClosureRecordRead(
                **common,
                closed_on=record.closed_on,
                typology=record.typology,
                outcome=record.outcome,
            )
        case Reopening():
            return ReopeningRead(**common, reopened_on=record.reopened_on, reason=record.reason)
    raise TypeError(f"no read schema for {type(record).__name__}")


def to_history(
    situation: Situation, creator: Account, records: list[SituationRecord]
) -> SituationHistory:
    created = CreatedEntry(
        recorded_at=situation.created_at,
        recorded_by=_actor(creator),
        opened_on=situation.opened_on,
        intake_typology=situation.intake_typology,
        severity=situation.initial_severity,
    )
    # Each record moved the situation to its next version, oldest first; so did the erasure.
    entries: list[Any] = [
        created,
        *(to_record_read(r, situation_version=2 + n) for n, r in enumerate(records)),
    ]
    if situation.erased_at is not None:
        entries.append(
            ErasedEntry(recorded_at=situation.erased_at, situation_version=len(records) + 2)
        )
    return SituationHistory(
        situation_id=situation.id, reference=situation.reference, entries=entries
    )


# Each kind of record, as a history names it.
_KINDS: dict[type[SituationRecord], str] = {
    SituationEdit: "edited",
    SeverityChange: "severity_changed",
    YearEndReview: "year_end_review",
    AuthorityReport: "authority_report",
    DelegateAction: "action",
    Closure: "closed",
    Reopening: "reopened",
}
