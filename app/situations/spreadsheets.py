"""The delegates' spreadsheets (CSV or XLSX) as rows of named columns: one situation a row, the
first row naming the columns in French, English or German, in any order (see COLUMNS). What the
rows say is checked and written by `imports`; `exports` writes sheets that read back."""

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from app.core.cells import as_written

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
    # The rest of the history, an event a line (see imports.HISTORY_COLUMNS).
    "colour_changes": ("colour_changes", "changements de couleur", "farbwechsel"),
    "reviews": ("reviews", "revues de fin d'annee", "jahresendprufungen"),
    "other_reports": (
        "other_reports",
        "autres decisions de signalement",
        "weitere meldeentscheidungen",
    ),
    "reopened_closures": (
        "reopened_closures",
        "clotures rouvertes",
        "wiedereroffnete abschlusse",
    ),
    # Written by `export`, and read back without a use: the register numbers and states anew.
    "reference": ("reference", "referenz"),
    "status": ("status", "statut"),
}
REQUIRED = ("organisation", "opened_on", "intake_typology", "severity", "requester_kind")


class SpreadsheetError(Exception):
    """The file cannot be read as a spreadsheet of situations."""


def comparable(name: str) -> str:
    stripped = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(stripped.lower().replace("_", " ").split())


ALIASES = {comparable(alias): column for column, aliases in COLUMNS.items() for alias in aliases}


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
    columns = [ALIASES.get(comparable(str(name or ""))) for name in header]
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
    # The column names tell the separator: they hold none, and no line break (a cell below
    # may hold both).
    header = text.partition("\n")[0]
    delimiter = max(",;\t", key=lambda separator: (header.count(separator), separator == ","))
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


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


def text_of(value: Any) -> str:
    return as_written(value.strip()) if isinstance(value, str) else str(value)


def date_of(value: Any) -> Any:
    """ISO dates, day/month/year, and spreadsheet dates; anything else is left to fail."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = text_of(value)
    for form in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return text


def code_of(value: Any) -> str:
    text = text_of(value).upper().replace(" ", "")
    if text.startswith("M") and text[1:].isdigit():
        return f"M{int(text[1:])}"
    return text
