"""A situation (case file) and the records that make up its history."""

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.auth.models import Account
from app.core.crypto import EncryptedText
from app.core.db import Base, str_enum, utcnow
from app.organisations.models import Organisation, Site
from app.situations.enums import ActionKind, ReportDecision, Severity, SituationStatus


def _new_id() -> str:
    return str(uuid.uuid4())


class ReferenceCounter(Base):
    """The last sequence number handed out for a year's references (`2026-0042`)."""

    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(default=0)


class Situation(Base):
    __tablename__ = "situations"
    __table_args__ = (
        UniqueConstraint("year", "sequence"),
        # The caseload counts open files by colour from this index alone, finds those untouched
        # for long from the next, and those opened by a date (due for a year-end review) from
        # the third.
        Index(
            "ix_situations_caseload",
            "status",
            "severity",
            "report_decided",
            "opened_on",
            "updated_at",
            "id",
        ),
        Index("ix_situations_status_updated_at", "status", "updated_at"),
        Index("ix_situations_status_opened_on", "status", "opened_on", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    year: Mapped[int] = mapped_column(index=True)
    sequence: Mapped[int]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    opened_on: Mapped[date] = mapped_column(index=True)
    intake_typology: Mapped[str] = mapped_column(ForeignKey("typologies.code"))
    initial_severity: Mapped[Severity] = mapped_column(str_enum(Severity, "initial_severity"))
    severity: Mapped[Severity] = mapped_column(str_enum(Severity, "severity"))
    # A report, or a justified decision not to report, is recorded (set by `write_report`):
    # red files without one are found from an index, never by reading every report.
    report_decided: Mapped[bool] = mapped_column(default=False)
    status: Mapped[SituationStatus] = mapped_column(
        str_enum(SituationStatus, "situation_status"), default=SituationStatus.OPEN
    )
    requester_kind: Mapped[str] = mapped_column(ForeignKey("requester_kinds.code"))
    age_group: Mapped[str | None] = mapped_column(ForeignKey("age_groups.code"))
    summary: Mapped[str] = mapped_column(EncryptedText("situations.summary"))
    # The closure in force while the file is closed; kept in `closures` for the history.
    current_closure_id: Mapped[int | None] = mapped_column(
        ForeignKey("closures.id", use_alter=True)
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the retention period's end erased the narratives and identifying details.
    erased_at: Mapped[datetime | None]
    # For a situation imported from a spreadsheet, its row's fingerprint (a keyed hash, which
    # tells nothing of the row): the same row imported again is recognised.
    imported_row: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    site: Mapped[Site | None] = relationship(lazy="joined")
    current_closure: Mapped["Closure | None"] = relationship(
        lazy="joined", foreign_keys=[current_closure_id]
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def organisation_code(self) -> str:
        return self.organisation.code


class SituationRecord:
    """Columns shared by every record of a situation's history."""

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    @declared_attr
    def situation_id(cls) -> Mapped[str]:  # noqa: N805
        return mapped_column(ForeignKey("situations.id"), index=True)

    @declared_attr
    def recorded_by_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("accounts.id"))

    @declared_attr
    def recorded_by(cls) -> Mapped[Account]:  # noqa: N805
        return relationship(lazy="joined")


class SeverityChange(SituationRecord, Base):
    __tablename__ = "severity_changes"

    from_severity: Mapped[Severity] = mapped_column(str_enum(Severity, "from_severity"))
    to_severity: Mapped[Severity] = mapped_column(str_enum(Severity, "to_severity"))
    changed_on: Mapped[date]
    reason: Mapped[str] = mapped_column(EncryptedText("severity_changes.reason"))


class YearEndReview(SituationRecord, Base):
    """Closure-stage typology of a file still open at the end of a year."""

    __tablename__ = "year_end_reviews"
    # Whether a file was reviewed for a year, from the index alone; the files reviewed for a
    # year, from the second.
    __table_args__ = (
        Index("ix_year_end_reviews_situation_id_year", "situation_id", "year"),
        Index("ix_year_end_reviews_year_situation_id", "year", "situation_id"),
    )

    year: Mapped[int]
    reviewed_on: Mapped[date]
    typology: Mapped[str] = mapped_column(ForeignKey("typologies.code"))
    note: Mapped[str | None] = mapped_column(EncryptedText("year_end_reviews.note"))


class AuthorityReport(SituationRecord, Base):
    """A report (signalement) to an authority, or a justified decision not to report."""

    __tablename__ = "authority_reports"

    decision: Mapped[ReportDecision] = mapped_column(str_enum(ReportDecision, "report_decision"))
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authorities.code"))
    decided_on: Mapped[date]
    justification: Mapped[str | None] = mapped_column(
        EncryptedText("authority_reports.justification")
    )
    details: Mapped[str | None] = mapped_column(EncryptedText("authority_reports.details"))


class DelegateAction(SituationRecord, Base):
    """A meeting, call, piece of advice... by a delegate on the situation."""

    __tablename__ = "delegate_actions"

    kind: Mapped[ActionKind] = mapped_column(str_enum(ActionKind, "action_kind"))
    occurred_on: Mapped[date]
    duration_minutes: Mapped[int]
    note: Mapped[str | None] = mapped_column(EncryptedText("delegate_actions.note"))


class Closure(SituationRecord, Base):
    __tablename__ = "closures"

    closed_on: Mapped[date]
    typology: Mapped[str] = mapped_column(ForeignKey("typologies.code"))
    outcome: Mapped[str] = mapped_column(EncryptedText("closures.outcome"))


class Reopening(SituationRecord, Base):
    __tablename__ = "reopenings"

    reopened_on: Mapped[date]
    reason: Mapped[str] = mapped_column(EncryptedText("reopenings.reason"))
    closure_id: Mapped[int] = mapped_column(ForeignKey("closures.id"), index=True)


class SituationEdit(SituationRecord, Base):
    """Fields changed by a PATCH; narrative fields are named without their text."""

    __tablename__ = "situation_edits"

    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
