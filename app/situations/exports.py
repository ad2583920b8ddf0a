"""Situations out to a spreadsheet that `imports` reads back: no narrative, in the reader's
language."""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.principal import Principal
from app.reference.labels import Language
from app.reference.models import AgeGroup, Authority, RequesterKind
from app.situations.enums import ReportDecision
from app.situations.models import (
    AuthorityReport,
    Closure,
    Reopening,
    SeverityChange,
    Situation,
    SituationRecord,
    YearEndReview,
)
from app.situations.scoping import exportable_situations

RecordT = TypeVar("RecordT", bound=SituationRecord)

# What `export` writes, in this order: the columns `import` reads back (but the narratives).
EXPORT_COLUMNS = [
    "reference",
    "organisation",
    "site",
    "opened_on",
    "intake_typology",
    "severity",
    "status",
    "requester_kind",
    "age_group",
    "report_decision",
    "authority",
    "decided_on",
    "closed_on",
    "closure_typology",
    "colour_changes",
    "reviews",
    "other_reports",
    "reopened_closures",
]
# The column names and the words of an export in each language (English: the codes).
EXPORT_HEADERS = {
    "fr": {
        "reference": "Référence",
        "organisation": "Organisme",
        "site": "Site",
        "opened_on": "Date d'ouverture",
        "intake_typology": "Typologie",
        "severity": "Couleur",
        "status": "Statut",
        "requester_kind": "Demandeur",
        "age_group": "Âge",
        "report_decision": "Signalement",
        "authority": "Autorité",
        "decided_on": "Date du signalement",
        "closed_on": "Date de clôture",
        "closure_typology": "Typologie de clôture",
        "colour_changes": "Changements de couleur",
        "reviews": "Revues de fin d'année",
        "other_reports": "Autres décisions de signalement",
        "reopened_closures": "Clôtures rouvertes",
    },
    "de": {
        "reference": "Referenz",
        "organisation": "Organisation",
        "site": "Standort",
        "opened_on": "Eröffnet am",
        "intake_typology": "Typologie",
        "severity": "Farbe",
        "status": "Status",
        "requester_kind": "Anfragende Person",
        "age_group": "Altersgruppe",
        "report_decision": "Meldung",
        "authority": "Behörde",
        "decided_on": "Meldedatum",
        "closed_on": "Abgeschlossen am",
        "closure_typology": "Typologie bei Abschluss",
        "colour_changes": "Farbwechsel",
        "reviews": "Jahresendprüfungen",
        "other_reports": "Weitere Meldeentscheidungen",
        "reopened_closures": "Wiedereröffnete Abschlüsse",
    },
    "en": {column: column for column in EXPORT_COLUMNS},
}
EXPORT_WORDS = {
    "fr": {"red": "rouge", "green": "vert", "open": "ouvert", "closed": "clos"}
    | {"reported": "oui", "not_reported": "non"},
    "de": {"red": "rot", "green": "grün", "open": "offen", "closed": "abgeschlossen"}
    | {"reported": "ja", "not_reported": "nein"},
    "en": {"reported": "yes", "not_reported": "no"},
}
EXPORT_DATES = {"fr": "%d/%m/%Y", "de": "%d.%m.%Y", "en": "%Y-%m-%d"}


def _labels(
    entries: Iterable[RequesterKind | AgeGroup | Authority], lang: Language
) -> dict[str, str]:
    """Each code's label in `lang`; in English, the codes themselves (as the API writes them)."""
    return {e.code: e.code if lang is Language.EN else e.label(lang) for e in entries}


def export_rows(*, session: Session, principal: Principal, lang: Language) -> Iterator[list[str]]:
    """The situations within the principal's reach (an admin's: all), as rows of a sheet in
    `lang` that `import` reads back: no narrative, the colour at intake, the report decision
    (a report, else a decision not to report), the closure in force, and the rest of the
    history the annual figures count, an event a line; and one audit entry."""
    headers, words, dates = (
        EXPORT_HEADERS[lang.value],
        EXPORT_WORDS[lang.value],
        EXPORT_DATES[lang.value],
    )
    yield [headers[column] for column in EXPORT_COLUMNS]
    labels: dict[str, dict[str, str]] = {
        "requester_kind": _labels(session.scalars(select(RequesterKind)), lang),
        "age_group": _labels(session.scalars(select(AgeGroup)), lang),
        "authority": _labels(session.scalars(select(Authority)), lang),
    }
    within = exportable_situations(principal)
    ids = within.with_only_columns(Situation.id)

    def by_situation(
        records: Select[RecordT],
    ) -> dict[str, list[RecordT]]:
        grouped: dict[str, list[RecordT]] = defaultdict(list)
        for record in session.scalars(records):
            grouped[record.situation_id].append(record)
        return grouped

    reports = by_situation(
        select(AuthorityReport)
        .where(AuthorityReport.situation_id.in_(ids))
        .order_by(AuthorityReport.decided_on, AuthorityReport.id)
    )
    changes = by_situation(
        select(SeverityChange)
        .where(SeverityChange.situation_id.in_(ids))
        .order_by(SeverityChange.changed_on, SeverityChange.id)
    )
    reviews = by_situation(
        select(YearEndReview)
        .where(YearEndReview.situation_id.in_(ids))
        .order_by(YearEndReview.year, YearEndReview.reviewed_on, YearEndReview.id)
    )
    reopened: dict[str, list[tuple[Closure, date]]] = defaultdict(list)
    for closed, reopened_on in session.execute(
        select(Closure, Reopening.reopened_on)
        .join(Reopening, Reopening.closure_id == Closure.id)
        .where(Closure.situation_id.in_(ids))
        .order_by(Closure.closed_on, Closure.id)
    ):
        reopened[closed.situation_id].append((closed, reopened_on))

    def word(value: str) -> str:
        return words.get(value, value)

    def day(value: date | None) -> str:
        return value.strftime(dates) if value else ""

    def decision(record: AuthorityReport) -> str:
        authority = record.authority_code
        label = labels["authority"].get(authority, authority) if authority else ""
        return f"{day(record.decided_on)} {word(record.decision.value)} {label}".strip()

    count = 0
    for situation in session.scalars(within.order_by(Situation.year, Situation.sequence)):
        count += 1
        closure = situation.current_closure
        decided = reports.get(situation.id, [])
        # The report decision of its columns: a report, else a decision not to report.
        report = next(
            (r for r in decided if r.decision is ReportDecision.REPORTED),
            decided[0] if decided else None,
        )
        authority = report.authority_code if report else None
        yield [
            situation.reference,
            situation.organisation.code,
            situation.site.name if situation.site else "",
            day(situation.opened_on),
            situation.intake_typology,
            word(situation.initial_severity.value),
            word(situation.status.value),
            labels["requester_kind"].get(situation.requester_kind, situation.requester_kind),
            labels["age_group"].get(situation.age_group or "", situation.age_group or ""),
            word(report.decision.value) if report else "",
            labels["authority"].get(authority, authority) if authority else "",
            day(report.decided_on) if report else "",
            day(closure.closed_on) if closure else "",
            closure.typology if closure else "",
            "\n".join(
                f"{day(c.changed_on)} {word(c.to_severity.value)}"
                for c in changes.get(situation.id, [])
            ),
            "\n".join(
                f"{r.year} {r.typology} {day(r.reviewed_on)}" for r in reviews.get(situation.id, [])
            ),
            "\n".join(decision(r) for r in decided if r is not report),
            "\n".join(
                f"{day(c.closed_on)} {c.typology} {day(on)}"
                for c, on in reopened.get(situation.id, [])
            ),
        ]
    audit_service.record(
        session=session,
        principal=principal,
        action="situation.export",
        object_type="situation",
        detail={"situations": count},
    )
