"""Situations out to a spreadsheet that `imports` reads back: no narrative, in the reader's
language."""

from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.principal import Principal
from app.reference.labels import Language
from app.reference.models import AgeGroup, Authority, RequesterKind
from app.situations.enums import ReportDecision
from app.situations.models import AuthorityReport, Situation
from app.situations.scoping import exportable_situations

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
    (a report, else a decision not to report) and the closure in force; and one audit entry."""
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
    decisions: dict[str, AuthorityReport] = {}
    for record in session.scalars(
        select(AuthorityReport)
        .where(AuthorityReport.situation_id.in_(within.with_only_columns(Situation.id)))
        .order_by(AuthorityReport.decided_on, AuthorityReport.id)
    ):
        chosen = decisions.get(record.situation_id)
        if chosen is None or (
            chosen.decision is not ReportDecision.REPORTED
            and record.decision is ReportDecision.REPORTED
        ):
            decisions[record.situation_id] = record

    def word(value: str) -> str:
        return words.get(value, value)

    def day(value: date | None) -> str:
        return value.strftime(dates) if value else ""

    count = 0
    for situation in session.scalars(within.order_by(Situation.year, Situation.sequence)):
        count += 1
        closure = situation.current_closure
        report = decisions.get(situation.id)
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
        ]
    audit_service.record(
        session=session,
        principal=principal,
        action="situation.export",
        object_type="situation",
        detail={"situations": count},
    )
