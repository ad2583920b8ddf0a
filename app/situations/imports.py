"""Situations from the delegates' spreadsheets. An import never holds up the service: every row
is first checked against the same rules as the API's, by reading only, and every mistake of every
row reported under its column. Only when none is wrong (and it is not a dry run) are all the rows
written, in one short transaction, with the same audit entries and webhook events as the API's:
everything or nothing."""

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import AppError, ValidationFailed
from app.core.principal import Principal
from app.organisations.models import Organisation, Site
from app.reference.models import AgeGroup, Authority, RequesterKind
from app.situations import records as situation_records
from app.situations import schemas
from app.situations import service as situation_service
from app.situations.enums import Severity
from app.situations.models import Situation
from app.situations.rules import Earlier
from app.situations.spreadsheets import Sheet, code_of, comparable, date_of, text_of
from app.webhooks import outbox

# An export carries no narrative: a sheet without these columns at all is taken with these
# words in their place (a column present but empty in a row is still refused there).
WITHOUT_NARRATIVE = {
    "summary": "Repris d'un tableur sans résumé.",
    "justification": "Justification non reprise du tableur.",
}
# The reason of a change of colour or a reopening, and the outcome of a reopened closure, that
# a sheet's history columns (see HISTORY_COLUMNS) carry without their narrative.
FROM_HISTORY = "Repris de l'historique d'un tableur."
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


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    reason: str


Step = (
    schemas.SeverityChangeCreate
    | schemas.ReviewCreate
    | schemas.ReportCreate
    | schemas.ClosureCreate
    | schemas.ReopeningCreate
)


@dataclass(frozen=True)
class Planned:
    """A row that passed every check: the situation it opens, and what happened to it, in the
    order it happened (every step dated)."""

    line: int
    opening: situation_service.Opening
    history: list[Step]


@dataclass
class Checked:
    rows: int = 0
    planned: list[Planned] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, reference) imported


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
    carried: list[Step],
) -> str:
    """A keyed hash of what a row says: the same row gives the same one, and it tells nothing
    of the row without the key. (A row whose history columns are empty hashes as before they
    existed, so that rows imported then are still known.)"""
    said: dict[str, Any] = {
        "situation": data.model_dump(mode="json"),
        "report": report.model_dump(mode="json") if report else None,
        "closure": closure.model_dump(mode="json") if closure else None,
    }
    if carried:
        said["history"] = [[type(step).__name__, step.model_dump(mode="json")] for step in carried]
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
                comparable(word): entry.code
                for entry in entries
                for word in (entry.code, entry.label_fr, entry.label_en, entry.label_de)
            }
            allowed[column] = ", ".join(entry.label_fr for entry in entries)
        return cls(words=words, allowed=allowed)

    def code(self, column: str, value: Any) -> str:
        word = text_of(value)
        code = self.words[column].get(comparable(word))
        if code is None:
            raise ValidationFailed.on(
                column,
                "« {word} » is not one of: {allowed}",
                word=word,
                allowed=self.allowed[column],
            )
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
    organisation = text_of(row.get("organisation", ""))

    def site() -> int | None:
        if "site" not in row:
            return None
        site_id = session.scalar(
            select(Site.id)
            .join(Organisation, Organisation.id == Site.organisation_id)
            .where(Organisation.code == organisation.upper(), Site.name == text_of(row["site"]))
        )
        if site_id is None:
            raise ValidationFailed.on(
                "site", "no site of this name in {organisation}", organisation=organisation or "?"
            )
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
        "opened_on": date_of(row.get("opened_on")),
        "intake_typology": code_of(row.get("intake_typology", "")),
        "severity": severity or schemas.STAND_INS["severity"],
        "summary": text_of(row.get("summary", narratives.get("summary", ""))),
        "requester_kind": requester_kind or schemas.STAND_INS["requester_kind"],
        "age_group": age_group,
    }
    data: schemas.SituationCreate | None
    try:
        data = schemas.SituationCreate.model_validate(fields)
    except ValidationError as exc:
        _note(problems, _SITUATION_COLUMNS, exc)
        refused = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
        stand_ins = {name: schemas.STAND_INS[name] for name in refused if name in schemas.STAND_INS}
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
                    "decided_on": date_of(row.get("decided_on", row.get("opened_on"))),
                    "justification": (
                        text_of(row["justification"])
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
        closure = _attempt(
            problems,
            _CLOSURE_COLUMNS,
            lambda: schemas.ClosureCreate.model_validate(
                {
                    "closed_on": date_of(row.get("closed_on")),
                    "typology": code_of(row.get("closure_typology", "")),
                    "outcome": text_of(row.get("outcome", "Imported.")),
                }
            ),
        )
    events = _carried(session, row, words, problems)
    events += [_Event(report, _when(report))] if report else []
    events += [_Event(closure, _when(closure))] if closure else []
    if data is not None:
        _replay(
            data,
            events,
            closing=closure,
            report_refused="report_decision" in row and report is None,
            problems=problems,
        )
    if problems or opening is None or data is None:
        return None
    carried = [event.step for event in events if event.column]
    return Planned(
        line=line,
        opening=replace(opening, imported_row=_fingerprint(key, data, report, closure, carried)),
        history=[event.step for event in sorted(events, key=lambda event: event.when)],
    )


# The columns that carry the rest of a situation's history, each event on a line of its own
# (or after a semicolon), in the sheet's words: what the annual figures count, without its
# narratives (see FROM_HISTORY).
HISTORY_COLUMNS = {
    "colour_changes": "a date and the new colour, as « 15/03/2026 rouge »",
    "reviews": "the year reviewed, its typology and the date, as « 2026 M3 31/12/2026 »",
    "other_reports": "a date, oui or non, and the authority, as « 12/03/2026 oui Parquet »",
    "reopened_closures": "the closure's date, its typology and the date it was reopened, "
    "as « 10/02/2026 M3 01/03/2026 »",
}


@dataclass(frozen=True)
class _Event:
    """A step of a row's history, when it happened, and the history column that carries it
    (None: the row's own report and closure columns)."""

    step: Step
    when: tuple[date, int]
    column: str | None = None
    item: str = ""


# Within a day: a reopening, then changes of colour, reviews, reports, and the closure last.
_DAY_ORDER = {
    schemas.ReopeningCreate: 0,
    schemas.SeverityChangeCreate: 1,
    schemas.ReviewCreate: 2,
    schemas.ReportCreate: 3,
    schemas.ClosureCreate: 4,
}


def _when(step: Step) -> tuple[date, int]:
    on = {
        schemas.ReopeningCreate: "reopened_on",
        schemas.SeverityChangeCreate: "changed_on",
        schemas.ReviewCreate: "reviewed_on",
        schemas.ReportCreate: "decided_on",
        schemas.ClosureCreate: "closed_on",
    }[type(step)]
    return getattr(step, on), _DAY_ORDER[type(step)]


def _carried(
    session: Session, row: dict[str, Any], words: Vocabulary, problems: list[tuple[str, str]]
) -> list[_Event]:
    """The events the row's history columns carry; the problems of those that are wrong are
    noted under their column."""
    found: list[_Event] = []
    for column, form in HISTORY_COLUMNS.items():
        for item in (i.strip() for i in re.split(r"[\n;]", text_of(row.get(column, "")))):
            if not item:
                continue
            try:
                steps = _event(session, column, item.split(), words)
            except (ValidationError, AppError) as exc:
                noted: list[tuple[str, str]] = []
                _note(noted, {}, exc)
                problems.extend((column, f"« {item} »: {reason}") for _, reason in noted)
                continue
            except ValueError:
                problems.append((column, f"« {item} »: {form} is expected"))
                continue
            whens = [_when(step) for step in steps]
            if len(steps) == 2 and whens[0][0] == whens[1][0]:
                whens[1] = (whens[1][0], 5)  # reopened the day it was closed: after the closure
            found.extend(
                _Event(step, when, column, item) for step, when in zip(steps, whens, strict=True)
            )
    return found


def _event(session: Session, column: str, parts: list[str], words: Vocabulary) -> list[Step]:
    """One event of a history column, from its words (ValueError: not in the column's form)."""
    if column == "colour_changes":
        on, colour = parts
        return [
            schemas.SeverityChangeCreate.model_validate(
                {
                    "severity": words.code("severity", colour),
                    "reason": FROM_HISTORY,
                    "changed_on": date_of(on),
                }
            )
        ]
    if column == "reviews":
        year, typology, on = parts
        return [
            schemas.ReviewCreate.model_validate(
                {"year": int(year), "typology": code_of(typology), "reviewed_on": date_of(on)}
            )
        ]
    if column == "other_reports":
        on, decision, *authority = parts
        decided_word = words.code("report_decision", decision)
        decided = schemas.ReportCreate.model_validate(
            {
                "decision": decided_word,
                "authority": words.code("authority", " ".join(authority)) if authority else None,
                "decided_on": date_of(on),
                "justification": (
                    WITHOUT_NARRATIVE["justification"] if decided_word == "not_reported" else None
                ),
            }
        )
        situation_records.check_report(session=session, data=decided)
        return [decided]
    closed_on, typology, reopened_on = parts
    return [
        schemas.ClosureCreate.model_validate(
            {
                "closed_on": date_of(closed_on),
                "typology": code_of(typology),
                "outcome": FROM_HISTORY,
            }
        ),
        schemas.ReopeningCreate.model_validate(
            {"reason": FROM_HISTORY, "reopened_on": date_of(reopened_on)}
        ),
    ]


@dataclass
class _Standing:
    """What the rules read of a row's situation while its history is replayed."""

    opened_on: date
    severity: Severity
    closed_on: date | None = None  # of the closure in force


def _replay(
    data: schemas.SituationCreate,
    events: list[_Event],
    *,
    closing: schemas.ClosureCreate | None,
    report_refused: bool,
    problems: list[tuple[str, str]],
) -> None:
    """The row's history replayed in the order of its dates under the API's rules, as if each
    step had been recorded on its day; every step that breaks one is noted. The closure in
    force (`closing`) comes after everything else, as nothing is recorded on a closed file."""
    standing = _Standing(opened_on=data.opened_on, severity=data.severity)
    latest: dict[type, date] = {}
    decided = report_refused  # a refused report is said already: not again by the red rule
    for event in sorted(events, key=lambda event: event.when):
        step, on = event.step, event.when[0]
        try:
            if isinstance(step, schemas.SeverityChangeCreate):
                if standing.closed_on is not None:
                    raise ValidationFailed.on(
                        "changed_on",
                        "the situation was closed then ({closed_on})",
                        closed_on=standing.closed_on,
                    )
                situation_records.check_change(
                    situation=standing,
                    severity=step.severity,
                    changed_on=on,
                    last_change=latest.get(schemas.SeverityChangeCreate),
                    reopened=latest.get(schemas.ReopeningCreate),
                )
                standing.severity = step.severity
            elif isinstance(step, schemas.ReviewCreate):
                situation_records.check_review(situation=standing, year=step.year, reviewed_on=on)
            elif isinstance(step, schemas.ReportCreate):
                decided = True
            elif isinstance(step, schemas.ClosureCreate):
                if standing.closed_on is not None:
                    raise ValidationFailed.on(
                        "closed_on",
                        "the situation was closed then ({closed_on})",
                        closed_on=standing.closed_on,
                    )
                follows = [(latest.get(schemas.ReopeningCreate), Earlier.LAST_REOPENING)]
                if step is closing:
                    follows += [
                        (
                            max(
                                (e.when[0] for e in events if isinstance(e.step, kind)),
                                default=None,
                            ),
                            what,
                        )
                        for kind, what in (
                            (schemas.SeverityChangeCreate, Earlier.LAST_CHANGE),
                            (schemas.ReviewCreate, Earlier.LAST_REVIEW),
                            (schemas.ReportCreate, Earlier.LAST_DECISION),
                        )
                    ]
                situation_records.check_closure(
                    data=step, situation=standing, follows=follows, reported=decided
                )
                standing.closed_on = on
            elif standing.closed_on is not None:  # else its closure was refused, and said
                situation_records.check_reopening(reopened_on=on, closed_on=standing.closed_on)
                standing.closed_on = None
        except AppError as exc:
            if event.column is None:
                _note(problems, _REPORT_COLUMNS | _CLOSURE_COLUMNS, exc)
            else:
                noted: list[tuple[str, str]] = []
                _note(noted, {}, exc)
                problems.extend((event.column, f"« {event.item} »: {r}") for _, r in noted)
        latest[type(step)] = on


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
    reports = [
        step for plan in planned for step in plan.history if isinstance(step, schemas.ReportCreate)
    ]
    for report in {report.authority: report for report in reports}.values():
        situation_records.check_report(session=session, data=report)
    situations = situation_service.open_checked(
        session=session, principal=principal, openings=openings
    )
    subscriptions = outbox.Subscriptions(session)
    # Each situation's history in the order it happened, a step of each in a flush of its own:
    # each record moves its situation to its next version, as through the API.
    for step_number in range(max((len(plan.history) for plan in planned), default=0)):
        for plan, situation in zip(planned, situations, strict=True):
            if step_number < len(plan.history):
                _write(session, principal, situation, plan.history[step_number], subscriptions)
        session.flush()
    return [situation.reference for situation in situations]


def _write(
    session: Session,
    principal: Principal,
    situation: Situation,
    step: Step,
    subscriptions: outbox.Subscriptions,
) -> None:
    """Adds one checked step of a situation's history to the session."""
    on = _when(step)[0]
    if isinstance(step, schemas.SeverityChangeCreate):
        situation_records.write_change(
            session=session,
            principal=principal,
            situation=situation,
            data=step,
            changed_on=on,
            subscriptions=subscriptions,
        )
    elif isinstance(step, schemas.ReviewCreate):
        situation_records.write_review(
            session=session, principal=principal, situation=situation, data=step, reviewed_on=on
        )
    elif isinstance(step, schemas.ReportCreate):
        situation_records.write_report(
            session=session,
            principal=principal,
            situation=situation,
            data=step,
            subscriptions=subscriptions,
        )
    elif isinstance(step, schemas.ClosureCreate):
        situation_records.write_closure(
            session=session,
            principal=principal,
            situation=situation,
            data=step,
            subscriptions=subscriptions,
        )
    else:
        situation_records.write_reopening(
            session=session, principal=principal, situation=situation, data=step, reopened_on=on
        )
