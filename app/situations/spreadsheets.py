"""Situations from the delegates' spreadsheets (CSV or XLSX), and situations out to CSV.

Import: one row a situation; the first row names the columns (French or English names, in any
order; see COLUMNS). An import never holds up the service: every row is first checked against
the same rules as the API's, by reading only, and every bad row reported with its line, field and
reason. Only when none is wrong (and it is not a dry run) are all the rows written, in one short
transaction, with the same audit entries and webhook events as the API's: everything or nothing.
"""

import contextlib
import csv
import hashlib
import hmac
import io
import json
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit_service
from app.core.cells import as_written
from app.core.errors import AppError, ValidationFailed
from app.core.principal import Principal
from app.organisations.models import Organisation, Site
from app.reference.labels import Language
from app.reference.models import AgeGroup, Authority, RequesterKind
from app.situations import records as situation_records
from app.situations import schemas
from app.situations import service as situation_service
from app.situations.enums import ReportDecision
from app.situations.models import AuthorityReport, Situation
from app.situations.scoping import exportable_situations
from app.webhooks import outbox

# Column -> the names it may have in a spreadsheet (compared without case, accents or spaces).
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("organisation", "organisme", "etablissement"),
    "site": ("site", "service", "standort"),
    "opened_on": ("opened_on", "date d'ouverture", "ouverture", "date", "eroffnet am"),
    "intake_typology": ("intake_typology", "typologie", "typologie initiale", "code"),
    "severity": ("severity", "couleur", "gravite", "feu", "farbe"),
    "summary": ("summary", "resume", "description", "situation", "zusammenfassung"),
    "requester_kind": ("requester_kind", "demandeur", "qui demande", "anfragende person"),
    "age_group": ("age_group", "age", "tranche d'age", "altersgruppe"),
    "report_decision": ("report_decision", "signalement", "meldung"),
    "authority": ("authority", "autorite", "behorde"),
    "decided_on": ("decided_on", "date du signalement", "date de decision", "meldedatum"),
    "justification": ("justification", "motif de non-signalement", "begrundung"),
    "closed_on": ("closed_on", "date de cloture", "cloture", "abgeschlossen am"),
    "closure_typology": (
        "closure_typology",
        "typologie de cloture",
        "typologie finale",
        "typologie bei abschluss",
    ),
    "outcome": ("outcome", "issue", "suites", "ergebnis"),
    # Written by `export`, and read back without a use: the register numbers and states anew.
    "reference": ("reference", "referenz"),
    "status": ("status", "statut"),
}
REQUIRED = ("organisation", "opened_on", "intake_typology", "severity", "requester_kind")
# An export carries no narrative: a sheet without these columns at all is taken with these
# words in their place (a column present but empty in a row is still refused there).
WITHOUT_NARRATIVE = {
    "summary": "Repris d'un tableur sans résumé.",
    "justification": "Justification non reprise du tableur.",
}
# Words a sheet may use for the colours and the report decision (compared as column names are),
# in French, English and German.
SEVERITIES = {
    **dict.fromkeys(("rouge", "red", "rot"), "red"),
    **dict.fromkeys(("orange",), "orange"),
    **dict.fromkeys(("vert", "verte", "green", "grun", "gruen"), "green"),
}
DECISIONS = {
    **dict.fromkeys(("oui", "signale", "yes", "reported", "ja", "gemeldet"), "reported"),
    **dict.fromkeys(
        ("non", "non signale", "no", "not reported", "nein", "nicht gemeldet"), "not_reported"
    ),
}
ALLOWED_SEVERITIES = "rouge, orange, vert"
ALLOWED_DECISIONS = "oui, non"
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


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet of situations."""


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str


@dataclass(frozen=True)
class Planned:
    """A row that passed every check: the situation it opens, and what happened to it."""

    line: int
    opening: situation_service.Opening
    report: schemas.ReportCreate | None
    closure: schemas.ClosureCreate | None


@dataclass
class Checked:
    rows: int = 0
    planned: list[Planned] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reference) imported


def _key(name: str) -> str:
    stripped = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(stripped.lower().replace("_", " ").split())


ALIASES = {_key(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class Sheet:
    """A spreadsheet's rows, and each column's name as the sheet writes it."""

    headers: dict[str, str]
    rows: list[tuple[int, dict[str, Any]]]  # (line number, {column: value}), rows not empty


def read_sheet(path: Path) -> Sheet:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        lines = _xlsx_lines(path)
    elif path.suffix.lower() in (".csv", ".txt"):
        lines = _csv_lines(path)
    else:
        raise SpreadsheetError("a .csv or .xlsx file is expected")
    try:
        header = next(lines)
    except StopIteration:
        raise SpreadsheetError("the file is empty") from None
    columns = [ALIASES.get(_key(str(name or ""))) for name in header]
    unknown = [
        str(name) for name, column in zip(header, columns, strict=True) if name and not column
    ]
    if unknown:
        raise SpreadsheetError(f"unknown columns: {', '.join(unknown)} (see the README)")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise SpreadsheetError(f"missing columns: {', '.join(missing)}")
    headers = {
        column: str(name).strip() for name, column in zip(header, columns, strict=True) if column
    }
    rows = []
    for number, values in enumerate(lines, start=2):
        row = {
            column: value
            for column, value in zip(columns, values, strict=False)
            if column and value not in (None, "")
        }
        if row:
            rows.append((number, row))
    return Sheet(headers=headers, rows=rows)


def _csv_lines(path: Path) -> Iterator[list[str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252")  # spreadsheets saved on Windows
    dialect: type[csv.Dialect] | csv.Dialect = csv.excel
    with contextlib.suppress(csv.Error):  # one column, or too little to tell: commas
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    yield from csv.reader(io.StringIO(text), dialect)


# An XLSX file is a ZIP archive: what it holds once unpacked is bounded, so that a small file
# cannot unfold into gigabytes (a year's register unpacks to a few megabytes).
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


def _xlsx_lines(path: Path) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    _check_unpacked_size(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise SpreadsheetError(f"not a readable XLSX file ({type(exc).__name__})") from exc
    try:
        sheet = workbook.worksheets[0]
        # The size a sheet declares is not trusted: a few cells with one in the far corner
        # would otherwise be read as a million rows of sixteen thousand columns each.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a sheet damaged further in: said, never a traceback
                raise SpreadsheetError(
                    f"not a readable XLSX file: its sheet is damaged ({type(exc).__name__})"
                ) from exc
            yield list(values)
    finally:
        workbook.close()


def _check_unpacked_size(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpreadsheetError(f"not a readable XLSX file ({type(exc).__name__})") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise SpreadsheetError(
            f"this XLSX file unpacks to {unpacked // 2**20} MB, more than a register's "
            f"{MAX_UNPACKED_BYTES // 2**20} MB: save it again, or as CSV"
        )


def _text(value: Any) -> str:
    return as_written(value.strip()) if isinstance(value, str) else str(value)


def _date(value: Any) -> Any:
    """ISO dates, day/month/year, and spreadsheet dates; anything else is left to fail."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for form in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return text


def _code(value: Any) -> str:
    text = _text(value).upper().replace(" ", "")
    if text.startswith("M") and text[1:].isdigit():
        return f"M{int(text[1:])}"
    return text


def _lower(value: Any, synonyms: dict[str, str] | None = None) -> str:
    text = _key(_text(value))
    return (synonyms or {}).get(text, text)


def check_rows(
    *,
    session: Session,
    principal: Principal,
    sheet: Sheet,
    key: bytes,
    skip_imported: bool = False,
    progress: Callable[[int], None] = lambda _: None,
) -> Checked:
    """Every row checked against the rules, by reading only: a session that takes no write lock
    will do, and the service goes on meanwhile. Every problem of every row is reported, each
    under its column. A row imported already (its fingerprint, keyed by `key`, is known) is
    refused, or skipped if asked, and so is a row the same as one above it."""
    checked = Checked()
    vocabulary = Vocabulary.read(session)
    narratives = {c: words for c, words in WITHOUT_NARRATIVE.items() if c not in sheet.headers}
    first_line: dict[str, int] = {}
    for line, row in sheet.rows:
        checked.rows += 1
        problems: list[tuple[str, str]] = []
        planned = _check_row(session, principal, row, vocabulary, problems, line, key, narratives)
        if planned is not None:
            fingerprint = str(planned.opening.imported_row)
            if fingerprint in first_line:
                problems.append(("row", f"the same as line {first_line[fingerprint]}"))
            first_line.setdefault(fingerprint, line)
        if problems:
            checked.errors.extend(RowError(line, column, reason) for column, reason in problems)
        elif planned is not None:
            checked.planned.append(planned)
        progress(1)
    imported = _imported(session, [str(p.opening.imported_row) for p in checked.planned])
    for plan in list(checked.planned):
        reference = imported.get(str(plan.opening.imported_row))
        if reference is None:
            continue
        checked.planned.remove(plan)
        if skip_imported:
            checked.skipped.append((plan.line, reference))
        else:
            checked.errors.append(RowError(plan.line, "row", f"imported already as {reference}"))
    checked.errors.sort(key=lambda error: error.line)
    return checked


def _imported(session: Session, fingerprints: list[str]) -> dict[str, str]:
    """The references of the situations imported from these rows already, by fingerprint."""
    found: dict[str, str] = {}
    for start in range(0, len(fingerprints), 500):
        rows = session.execute(
            select(Situation.imported_row, Situation.reference).where(
                Situation.imported_row.in_(fingerprints[start : start + 500])
            )
        )
        found.update((str(fingerprint), reference) for fingerprint, reference in rows)
    return found


def fingerprint_key(signing_key: str) -> bytes:
    """The key of the rows' fingerprints, drawn from the service's signing key."""
    return hmac.new(signing_key.encode(), b"imported rows", hashlib.sha256).digest()


def _fingerprint(
    key: bytes,
    data: schemas.SituationCreate,
    report: schemas.ReportCreate | None,
    closure: schemas.ClosureCreate | None,
) -> str:
    """A keyed hash of what a row says: the same row gives the same one, and it tells nothing
    of the row without the key."""
    said = {
        "situation": data.model_dump(mode="json"),
        "report": report.model_dump(mode="json") if report else None,
        "closure": closure.model_dump(mode="json") if closure else None,
    }
    text = json.dumps(said, sort_keys=True, ensure_ascii=False)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Vocabulary:
    """The words a sheet may use for reference data: each code, and its label in French,
    English or German, compared as column names are."""

    words: dict[str, dict[str, str]]  # column -> {word: code}
    allowed: dict[str, str]  # column -> the values allowed, to say so

    @classmethod
    def read(cls, session: Session) -> "Vocabulary":
        words: dict[str, dict[str, str]] = {
            "severity": SEVERITIES,
            "report_decision": DECISIONS,
        }
        allowed = {"severity": ALLOWED_SEVERITIES, "report_decision": ALLOWED_DECISIONS}
        models: list[tuple[str, type[RequesterKind | AgeGroup | Authority]]] = [
            ("requester_kind", RequesterKind),
            ("age_group", AgeGroup),
            ("authority", Authority),
        ]
        for column, model in models:
            entries = [
                entry
                for entry in cast(
                    Sequence[RequesterKind | AgeGroup | Authority],
                    session.scalars(select(model).order_by(model.position)).all(),
                )
                # An authority no longer in use is not offered (nor accepted).
                if getattr(entry, "active", True)
            ]
            words[column] = {
                _key(word): entry.code
                for entry in entries
                for word in (entry.code, entry.label_fr, entry.label_en, entry.label_de)
            }
            allowed[column] = ", ".join(entry.label_fr for entry in entries)
        return cls(words=words, allowed=allowed)

    def code(self, column: str, value: Any) -> str:
        word = _text(value)
        code = self.words[column].get(_key(word))
        if code is None:
            raise ValidationFailed.on(column, f"« {word} » is not one of: {self.allowed[column]}")
        return code


# The fields of the API's schemas, as the sheet's columns.
_REPORT_COLUMNS = {"decision": "report_decision"}
_CLOSURE_COLUMNS = {"typology": "closure_typology"}
_SITUATION_COLUMNS = {"site_id": "site"}

T = TypeVar("T")


def _attempt(
    problems: list[tuple[str, str]], columns: dict[str, str], check: Callable[[], T]
) -> T | None:
    """What `check` gives, or None with its problems noted, each under its column."""
    try:
        return check()
    except (ValidationError, AppError) as exc:
        _note(problems, columns, exc)
    return None


def _note(
    problems: list[tuple[str, str]], columns: dict[str, str], exc: ValidationError | AppError
) -> None:
    if isinstance(exc, ValidationError):
        for detail in exc.errors():
            name = str(detail["loc"][0]) if detail["loc"] else "row"
            problems.append((columns.get(name, name), detail["msg"]))
        return
    for error in exc.errors or []:
        problems.append((columns.get(error.field, error.field), error.reason))
    if not exc.errors:
        problems.append(("row", exc.detail or exc.title))


# Valid values that stand in for refused ones, so that the rules are still checked on the rest
# of a row (which is refused all the same).
_STAND_INS: dict[str, Any] = {
    "opened_on": date(2000, 1, 1),
    "intake_typology": "M1",
    "severity": "orange",
    "summary": "-",
    "requester_kind": "other",
    "age_group": None,
    "site_id": None,
}


def _check_row(
    session: Session,
    principal: Principal,
    row: dict[str, Any],
    words: Vocabulary,
    problems: list[tuple[str, str]],
    line: int,
    key: bytes,
    narratives: dict[str, str],
) -> Planned | None:
    """The row's plan, or None with every problem found noted in `problems`."""
    organisation = _text(row.get("organisation", ""))

    def site() -> int | None:
        if "site" not in row:
            return None
        site_id = session.scalar(
            select(Site.id)
            .join(Organisation, Organisation.id == Site.organisation_id)
            .where(Organisation.code == organisation.upper(), Site.name == _text(row["site"]))
        )
        if site_id is None:
            raise ValidationFailed.on("site", f"no site of this name in {organisation or '?'}")
        return int(site_id)

    site_id = _attempt(problems, {}, site)
    severity = _attempt(problems, {}, lambda: words.code("severity", row.get("severity", "")))
    requester_kind = _attempt(
        problems, {}, lambda: words.code("requester_kind", row.get("requester_kind", ""))
    )
    age_group = (
        _attempt(problems, {}, lambda: words.code("age_group", row["age_group"]))
        if "age_group" in row
        else None
    )
    fields = {
        "organisation": organisation,
        "site_id": site_id,
        "opened_on": _date(row.get("opened_on")),
        "intake_typology": _code(row.get("intake_typology", "")),
        "severity": severity or _STAND_INS["severity"],
        "summary": _text(row.get("summary", narratives.get("summary", ""))),
        "requester_kind": requester_kind or _STAND_INS["requester_kind"],
        "age_group": age_group,
    }
    data: schemas.SituationCreate | None
    try:
        data = schemas.SituationCreate.model_validate(fields)
    except ValidationError as exc:
        _note(problems, _SITUATION_COLUMNS, exc)
        refused = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        stand_ins = {name: _STAND_INS[name] for name in refused if name in _STAND_INS}
        data = _attempt([], {}, lambda: schemas.SituationCreate.model_validate(fields | stand_ins))
    opening = (
        _attempt(
            problems,
            _SITUATION_COLUMNS,
            lambda: situation_service.check_opening(
                session=session, principal=principal, data=data
            ),
        )
        if data is not None
        else None
    )
    report = None
    if "report_decision" in row:

        def reported() -> schemas.ReportCreate:
            decided = schemas.ReportCreate.model_validate(
                {
                    "decision": words.code("report_decision", row["report_decision"]),
                    "authority": (
                        words.code("authority", row["authority"]) if "authority" in row else None
                    ),
                    "decided_on": _date(row.get("decided_on", row.get("opened_on"))),
                    "justification": (
                        _text(row["justification"])
                        if "justification" in row
                        else narratives.get("justification")
                    ),
                }
            )
            situation_records.check_report(session=session, data=decided)
            return decided

        report = _attempt(problems, _REPORT_COLUMNS, reported)
    closure = None
    if "closed_on" in row or "closure_typology" in row:

        def closed() -> schemas.ClosureCreate:
            done = schemas.ClosureCreate.model_validate(
                {
                    "closed_on": _date(row.get("closed_on")),
                    "typology": _code(row.get("closure_typology", "")),
                    "outcome": _text(row.get("outcome", "Imported.")),
                }
            )
            if data is not None:
                situation_records.check_closure(
                    data=done,
                    situation=data,
                    follows=[(report.decided_on if report else None, "the report decision")],
                    reported=report is not None or "report_decision" in row,
                )
            return done

        closure = _attempt(problems, _CLOSURE_COLUMNS, closed)
    if problems or opening is None or data is None:
        return None
    fingerprint = _fingerprint(key, data, report, closure)
    return Planned(
        line=line,
        opening=replace(opening, imported_row=fingerprint),
        report=report,
        closure=closure,
    )


def write_rows(*, session: Session, principal: Principal, planned: list[Planned]) -> list[str]:
    """Writes the checked rows in the session's transaction, which the caller commits: their
    situations, numbered in the order of the rows, their reports and closures, the audit
    entries and the webhook events. What the rows refer to (organisations, sites, codes,
    authorities) is checked again first, once for each different one, since it may have changed
    while the rows were being checked; an AppError says what and writes nothing."""
    again: dict[Any, situation_service.Opening] = {}
    openings = []
    for plan in planned:
        data = plan.opening.data
        key = (data.organisation, data.site_id, data.requester_kind, data.age_group)
        if key not in again:
            again[key] = situation_service.check_opening(
                session=session, principal=principal, data=data
            )
        openings.append(replace(again[key], data=data, imported_row=plan.opening.imported_row))
    for report in {plan.report.authority: plan.report for plan in planned if plan.report}.values():
        situation_records.check_report(session=session, data=report)
    situations = situation_service.open_checked(
        session=session, principal=principal, openings=openings
    )
    subscriptions = outbox.Subscriptions(session)
    # The reports, then the closures, each in a flush of their own: each record moves its
    # situation to its next version, as when they are recorded through the API.
    for plan, situation in zip(planned, situations, strict=True):
        if plan.report:
            situation_records.write_report(
                session=session,
                principal=principal,
                situation=situation,
                data=plan.report,
                subscriptions=subscriptions,
            )
    session.flush()
    for plan, situation in zip(planned, situations, strict=True):
        if plan.closure:
            situation_records.write_closure(
                session=session,
                principal=principal,
                situation=situation,
                data=plan.closure,
                subscriptions=subscriptions,
            )
    session.flush()
    return [situation.reference for situation in situations]


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
