"""`bientraitance import situations` (CSV, XLSX) and `export situations`."""

import csv
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from app.audit.models import AuditEntry
from app.auth import service as auth_service
from app.auth.models import Account
from app.cli import app as cli
from app.core.config import get_settings
from app.core.db import make_engine, make_sessionmaker, transaction
from app.core.principal import AccountKind, Principal
from app.organisations.models import Site
from app.reference.labels import Language
from app.situations import imports, records, spreadsheets
from app.situations import service as situation_service
from app.situations.enums import ReportDecision, Severity, SituationStatus
from app.situations.models import (
    AuthorityReport,
    Closure,
    ReferenceCounter,
    Reopening,
    Situation,
)
from app.situations.schemas import (
    ClosureCreate,
    ReopeningCreate,
    ReportCreate,
    SeverityChangeCreate,
    SituationCreate,
)
from app.statistics import service as statistics_service
from app.webhooks.models import WebhookDelivery
from tests.conftest import TEST_ENCRYPTION_KEYS, Database
from tests.factories import World, situation_body

runner = CliRunner()
HEADER = (
    "Organisme;Site;Date d'ouverture;Typologie;Couleur;Résumé;Demandeur;Âge;"
    "Signalement;Autorité;Date du signalement;Date de clôture;Typologie de clôture;Issue"
)
GOOD = [
    "MRE;Groupe de vie 1;05/01/2026;m1;Orange;Cris pendant le repas.;staff;adult;;;;;;",
    "HSO;;2026-02-10;M2;rouge;Gestes déplacés signalés.;relative;child;oui;parquet;12/02/2026;"
    "30/03/2026;M2;Plainte déposée.",
    "MRE;;10.03.2026;M21;vert;Questionnement sur une pratique.;team;;;;;15/03/2026;M22;Réglé.",
]
BAD = [
    "MRE;;05/01/2026;M25;orange;Code inconnu.;staff;;;;;;;",  # line 5
    "MRE;;05/01/2099;M1;orange;Dans le futur.;staff;;;;;;;",  # line 6
    "MRE;;05/01/2026;M1;orange;;staff;;;;;;;",  # line 7: no summary
    "XYZ;;05/01/2026;M1;orange;Organisme inconnu.;staff;;;;;;;",  # line 8
    "MRE;;05/01/2026;M2;rouge;Rouge clos sans signalement.;staff;;;;;20/01/2026;M2;Clos.",
    "MRE;Nulle part;05/01/2026;M1;orange;Site inconnu.;staff;;;;;;;",  # line 10
    "MRE;;05/01/2026;M2;rouge;Clos avant le signalement.;staff;;oui;parquet;20/01/2026;"
    "15/01/2026;M2;Clos.",  # line 11
]


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\ufeff" + "\n".join([HEADER, *lines]) + "\n").encode("utf-8"))
    return path


def _import(path: Path, world: World, *extra: str) -> Result:
    return runner.invoke(
        cli, ["import", "situations", str(path), "--as", world.delegate.username, *extra]
    )


def test_messy_spreadsheet_reports_every_bad_row_and_imports_nothing(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    result = _import(_csv(tmp_path / "2026.csv", GOOD + BAD), world)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("line ")]
    # Each under the sheet's own name of its column.
    assert any(line.startswith("line 5: Typologie:") for line in lines), lines
    assert any(line.startswith("line 6: Date d'ouverture:") for line in lines), lines
    assert any(line.startswith("line 7: Résumé:") for line in lines), lines
    assert any(line.startswith("line 8: Organisme:") for line in lines), lines
    assert any(line.startswith("line 9: A red situation") for line in lines), lines
    assert any(line.startswith("line 10: Site:") for line in lines), lines
    assert any(
        line.startswith("line 11: Date de clôture:") and "2026-01-20" in line for line in lines
    )
    assert not any(line.startswith(("line 2:", "line 3:", "line 4:")) for line in lines)
    assert "7 of 10 rows are wrong: nothing was imported" in result.output
    assert db.count(Situation) == 0
    assert db.count(AuditEntry) == 0


def test_dry_run_then_import(cli_env: None, world: World, db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path / "2026.csv", GOOD)
    dry = _import(path, world, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "3 rows are valid; nothing was written" in dry.output
    assert db.count(Situation) == 0
    done = _import(path, world)
    assert done.exit_code == 0, done.output
    assert "3 situations imported: 2026-0001 to 2026-0003" in done.output
    stored = {s.reference: s for s in db.all(select(Situation))}
    assert stored["2026-0001"].summary == "Cris pendant le repas."
    assert stored["2026-0001"].site_id == world.site_a
    assert stored["2026-0002"].severity == "red"
    assert db.count(AuthorityReport) == 1
    assert db.count(Closure) == 2
    assert len(db.all(select(AuditEntry).where(AuditEntry.action == "situation.create"))) == 3
    # Reported, then closed: two versions after its opening, as through the API.
    assert stored["2026-0002"].version == 3
    assert stored["2026-0003"].version == 2


def test_xlsx(cli_env: None, world: World, db: Database, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["organisation", "opened_on", "intake_typology", "severity", "summary", "requester_kind"]
    )
    sheet.append(["MRE", datetime(2026, 2, 3), "M4", "orange", "Depuis Excel.", "staff"])
    sheet.append(["HSO", datetime(2026, 2, 4), "M19", "green", "Encore.", "team"])
    path = tmp_path / "2026.xlsx"
    workbook.save(path)
    result = _import(path, world)
    assert result.exit_code == 0, result.output
    assert sorted(db.all(select(Situation.opened_on))) == [
        datetime(2026, 2, 3).date(),
        datetime(2026, 2, 4).date(),
    ]


def test_unreadable_files(cli_env: None, world: World, tmp_path: Path) -> None:
    odd = tmp_path / "notes.pdf"
    odd.write_text("x")
    assert "a .csv or .xlsx file is expected" in _import(odd, world).output
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("Nom;Prénom\nDupont;Jean\n")
    result = _import(wrong, world)
    assert result.exit_code == 1
    assert "unknown columns: Nom, Prénom" in result.output
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    assert "not a readable XLSX file" in _import(fake, world).output
    nobody = runner.invoke(
        cli, ["import", "situations", str(wrong), "--as", world.reporter.username]
    )
    assert nobody.exit_code == 1


def _export(username: str, output: Path, lang: str = "en") -> list[dict[str, str]]:
    """`bientraitance export situations` as this person, read back."""
    result = runner.invoke(
        cli,
        ["export", "situations", "--as", username, "--output", str(output), "--lang", lang],
    )
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    delimiter = "," if lang == "en" else ";"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def test_export_within_reach(cli_env: None, world: World, db: Database, tmp_path: Path) -> None:
    assert _import(_csv(tmp_path / "2026.csv", GOOD), world).exit_code == 0
    output = tmp_path / "export.csv"
    rows = _export(world.coordinator_a.username, output)
    assert [r["reference"] for r in rows] == ["2026-0001", "2026-0003"]  # MRE's only
    assert rows[1]["closure_typology"] == "M22"
    assert "summary" not in rows[0]
    assert "Cris pendant" not in output.read_text()
    exports = db.all(select(AuditEntry.detail).where(AuditEntry.action == "situation.export"))
    assert exports == [{"situations": 2}]


def _import_in_a_process(
    database_url: str, path: Path, world: World, timeout: float | None = None
) -> subprocess.CompletedProcess[str]:
    """`bientraitance import situations` as a person runs it: in a process of its own."""
    env = {
        **os.environ,
        "BIENTRAITANCE_DATABASE_URL": database_url,
        "BIENTRAITANCE_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEYS,
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from app.cli import main; sys.argv[0] = 'bientraitance'; main()",
        *("import", "situations", str(path), "--as", world.delegate.username),
    ]
    return subprocess.run(
        command, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )


def test_from_a_fresh_process(
    database_url: str, world: World, db: Database, tmp_path: Path
) -> None:
    """As a person runs it: the command in a process of its own (that knows only what the
    command imports)."""
    path = _csv(tmp_path / "2026.csv", GOOD)
    result = _import_in_a_process(database_url, path, world)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "3 situations imported" in result.stdout
    assert db.count(Situation) == 3


def test_an_exported_name_never_runs_as_a_formula(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    assert _import(_csv(tmp_path / "2026.csv", GOOD), world).exit_code == 0
    hostile = "=cmd|' /C calc'!A0"
    db.execute(update(Site).where(Site.id == world.site_a).values(name=hostile))
    db.execute(
        update(Situation).where(Situation.reference == "2026-0001").values(site_id=world.site_a)
    )
    output = tmp_path / "export.csv"
    rows = _export(world.coordinator_a.username, output)
    assert rows[0]["site"] == f"'{hostile}"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())


def _workbook(path: Path, rows: list[list[Any]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["organisation", "opened_on", "intake_typology", "severity", "summary", "requester_kind"]
    )
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_a_damaged_xlsx_gets_a_clear_error_never_a_traceback(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    good = _workbook(
        tmp_path / "good.xlsx",
        [["MRE", datetime(2026, 2, 3), "M4", "orange", "Depuis Excel.", "staff"]] * 50,
    )
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(damaged, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2] + b"<row r='x'><c><garbage"
            target.writestr(member, content)
    result = _import(damaged, world)
    assert result.exit_code == 1
    assert "not a readable XLSX file" in result.output
    assert "Traceback" not in result.output
    assert db.count(Situation) == 0


def test_an_xlsx_that_unfolds_beyond_a_register_is_refused(
    cli_env: None, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    bomb = _workbook(
        tmp_path / "bomb.xlsx",
        [["MRE", datetime(2026, 2, 3), "M4", "orange", "a" * 30_000, "staff"]] * 20,
    )
    assert bomb.stat().st_size < 40_000  # small on disk, six hundred kilobytes unpacked
    monkeypatch.setattr(spreadsheets, "MAX_UNPACKED_BYTES", 300_000)
    result = _import(bomb, world)
    assert result.exit_code == 1
    assert "unpacks to" in result.output


def test_a_sheet_with_a_cell_in_its_far_corner_is_read_as_the_rows_it_holds(
    database_url: str, world: World, db: Database, tmp_path: Path
) -> None:
    """A few kilobytes whose last cell sits at XFD1048576: the sheet declares a million rows of
    sixteen thousand columns, and was read as such for minutes. Only the rows it holds are read
    (the time limit only keeps a relapse from hanging the suite)."""
    path = _workbook(
        tmp_path / "corner.xlsx", [["MRE", datetime(2026, 2, 3), "M4", "orange", "Coin.", "staff"]]
    )
    workbook = load_workbook(path)
    sheet = workbook.active
    assert sheet is not None
    sheet["XFD1048576"] = "x"
    workbook.save(path)
    assert path.stat().st_size < 10_000
    result = _import_in_a_process(database_url, path, world, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "1 situation imported" in result.stdout
    assert db.count(Situation) == 1


def test_checking_a_file_holds_no_lock_that_filing_waits_for(
    cli_env: None,
    world: World,
    db: Database,
    tmp_path: Path,
    session_factory: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While an import checks its rows (the long part), a delegate files a situation of the
    same year at once: the check takes no write lock (SQLite) and no lock of the year's counter
    (PostgreSQL). Then the import writes its rows after the one filed meanwhile."""
    filed: list[str] = []
    check_row = imports._check_row

    def check_then_file(session: Session, principal: Principal, *arguments: Any) -> Any:
        if not filed:
            with transaction(session_factory) as other:
                if other.get_bind().dialect.name == "postgresql":
                    other.execute(text("SET LOCAL lock_timeout = '2s'"))
                account = other.get_one(Account, world.delegate.account_id)
                situation = situation_service.create(
                    session=other,
                    principal=auth_service.to_principal(account),
                    data=SituationCreate.model_validate(situation_body(opened_on="2026-01-02")),
                )
                filed.append(situation.reference)
        return check_row(session, principal, *arguments)

    monkeypatch.setattr(imports, "_check_row", check_then_file)
    result = _import(_csv(tmp_path / "2026.csv", GOOD), world)
    assert result.exit_code == 0, result.output
    assert filed == ["2026-0001"]
    assert "3 situations imported: 2026-0002 to 2026-0004" in result.output
    assert db.count(Situation) == 4


def test_what_changed_while_the_file_was_checked_is_refused_and_nothing_is_written(
    cli_env: None,
    world: World,
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The rows' organisations, sites, codes and authorities are checked again in the writing
    transaction: a site closed while the file was being checked stops the whole import."""
    check_rows = imports.check_rows

    def check_then_close_the_site(**arguments: Any) -> imports.Checked:
        checked = check_rows(**arguments)
        db.execute(update(Site).where(Site.id == world.site_a).values(active=False))
        return checked

    monkeypatch.setattr(imports, "check_rows", check_then_close_the_site)
    result = _import(_csv(tmp_path / "2026.csv", GOOD), world)
    assert result.exit_code == 1
    assert "the register changed while the file was checked" in result.output
    assert "site_id" in result.output
    assert "nothing was imported" in result.output
    assert db.count(Situation) == 0
    assert db.count(AuditEntry) == 0
    assert db.count(ReferenceCounter) == 0


async def test_an_import_tells_the_subscribers_as_the_api_does(
    cli_env: None, client: httpx.AsyncClient, world: World, db: Database, tmp_path: Path
) -> None:
    """Each imported situation is told to its organisation's subscribers: created, reported
    and closed, as when it is filed and followed through the API."""
    response = await client.post(
        "/api/v1/webhooks",
        json={
            "url": "http://127.0.0.1:9/hook",
            "events": ["situation.created", "situation.reported", "situation.closed"],
        },
        headers=world.intranet_a.headers,
    )
    assert response.status_code == 201, response.text
    result = _import(_csv(tmp_path / "2026.csv", GOOD), world)
    assert result.exit_code == 0, result.output
    told = db.all(select(WebhookDelivery).order_by(WebhookDelivery.id))
    # world.org_a (MRE) has rows 2 (open) and 4 (closed); HSO's row is not told to MRE.
    assert [(d.event, d.payload["situation"]["reference"]) for d in told] == [
        ("situation.created", "2026-0001"),
        ("situation.created", "2026-0003"),
        ("situation.closed", "2026-0003"),
    ]
    assert told[-1].payload["situation"]["status"] == "closed"


def test_every_mistake_of_a_row_is_said_at_once_with_the_values_allowed(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    """A delegate fixes a sheet in one pass: every mistake of every row is listed, under the
    sheet's name of its column, with what it may hold."""
    wrong = "MRE;;05/01/2099;M25;bleu;;inconnu;vieux;peut-être;;;;;"
    result = _import(_csv(tmp_path / "2026.csv", [wrong]), world)
    assert result.exit_code == 1
    said = [line for line in result.output.splitlines() if line.startswith("line 2: ")]
    columns = [line.split(": ")[1] for line in said]
    assert sorted(columns) == sorted(
        ["Date d'ouverture", "Typologie", "Couleur", "Résumé", "Demandeur", "Âge", "Signalement"]
    ), said
    allowed = {line.split(": ")[1]: line for line in said}
    assert "rouge, orange, vert" in allowed["Couleur"]
    assert "Membre du personnel" in allowed["Demandeur"]
    assert "Enfants (0-11 ans)" in allowed["Âge"]
    assert "oui, non" in allowed["Signalement"]
    assert db.count(Situation) == 0


def test_the_history_a_sheet_carries_is_checked_as_the_api_checks_it(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    """The history columns, an event a line (or after a semicolon): each event in the form
    the column asks for, and the whole history in an order the API would have taken."""
    header = "Organisme;Date d'ouverture;Typologie;Couleur;Résumé;Demandeur;Date de clôture;"
    header += "Typologie de clôture;Changements de couleur;Revues de fin d'année;"
    header += "Autres décisions de signalement;Clôtures rouvertes"
    rows = [
        # line 2: right: reopened, turned red, reported, closed again; a decision not to report
        "MRE;05/01/2026;M1;orange;R.;staff;20/03/2026;M2;01/03/2026 rouge;;"
        "01/03/2026 oui police\n02/02/2026 non;10/02/2026 M1 01/03/2026",
        # line 3: a colour turned while the file was closed, a review before the opening year
        "MRE;05/01/2026;M1;orange;R.;staff;;;15/02/2026 rouge;2025 M1 31/12/2025;;"
        "10/02/2026 M1 01/03/2026",
        # line 4: the closure before the last change; words that are not the column's form
        "MRE;05/01/2026;M1;orange;R.;staff;01/02/2026;M1;10/02/2026 vert;M3;01/02/2026 peut-être;",
    ]
    sheet = tmp_path / "history.csv"
    sheet.write_text(
        header + "\n" + "\n".join(_semicolon_row(r) for r in rows) + "\n", encoding="utf-8"
    )
    result = _import(sheet, world)
    assert result.exit_code == 1
    said = sorted(line for line in result.output.splitlines() if line.startswith("line "))
    assert not [line for line in said if line.startswith("line 2:")], said
    assert any(
        "line 3: Changements de couleur: « 15/02/2026 rouge »: the situation was closed then"
        in line
        for line in said
    ), said
    assert any(
        "line 3: Revues de fin d'année: « 2025 M1 31/12/2025 »: " in line for line in said
    ), said
    assert any(
        "line 4: Date de clôture: before the last change of colour" in line for line in said
    ), said
    assert any(
        "line 4: Revues de fin d'année: « M3 »: the year reviewed, its typology and the date"
        in line
        for line in said
    ), said
    assert any(
        "line 4: Autres décisions de signalement: « 01/02/2026 peut-être »: " in line
        for line in said
    ), said
    assert db.count(Situation) == 0

    right = tmp_path / "right.csv"
    right.write_text(header + "\n" + _semicolon_row(rows[0]) + "\n", encoding="utf-8")
    done = _import(right, world)
    assert done.exit_code == 0, done.output
    [situation] = db.all(select(Situation))
    assert (situation.severity, situation.status) == (Severity.RED, SituationStatus.CLOSED)
    decided = db.all(select(AuthorityReport).order_by(AuthorityReport.decided_on))
    assert [(r.decision, r.authority_code) for r in decided] == [
        (ReportDecision.NOT_REPORTED, None),
        (ReportDecision.REPORTED, "police"),
    ]
    assert db.count(Reopening) == 1


def _semicolon_row(row: str) -> str:
    """A row of a French sheet whose cells may hold lines of their own (quoted)."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerow(row.split(";"))
    return buffer.getvalue().removesuffix("\n")


def test_reference_data_is_read_as_the_sheet_writes_it(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    """Codes or labels, in French, English or German, as a spreadsheet's drop-down lists
    write them."""
    rows = [
        "MRE;;05/01/2026;M2;Rot;Libellés allemands.;Mitarbeiter·in;Kinder (0-11 Jahre);ja;"
        "Großherzogliche Polizei;06/01/2026;;;",
        "MRE;;06/01/2026;M1;Vert;Libellés français.;Membre du personnel;Adultes (18-64 ans);;;;;;",
        "MRE;;07/01/2026;M3;green;English labels.;Relative;Adolescents (12-17);;;;;;",
    ]
    result = _import(_csv(tmp_path / "2026.csv", rows), world)
    assert result.exit_code == 0, result.output
    stored = sorted(db.all(select(Situation)), key=lambda s: s.reference)
    assert [(s.severity, s.requester_kind, s.age_group) for s in stored] == [
        ("red", "staff", "child"),
        ("green", "staff", "adult"),
        ("green", "relative", "adolescent"),
    ]
    assert [r.authority_code for r in db.all(select(AuthorityReport))] == ["police"]


def test_the_same_file_imported_twice_does_not_double_the_year(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    """Each imported row is recognised if it comes again: refused, or skipped when asked (saying
    so); a row the same as one above it in the file is refused too."""
    path = _csv(tmp_path / "2026.csv", GOOD)
    assert _import(path, world).exit_code == 0
    again = _import(path, world)
    assert again.exit_code == 1
    assert "line 2: imported already as 2026-0001" in again.output
    assert "line 4: imported already as 2026-0003" in again.output
    assert "3 of 3 rows are wrong: nothing was imported" in again.output

    new = "MRE;;11/03/2026;M4;orange;Une nouvelle situation.;staff;;;;;;;"
    grown = _csv(tmp_path / "2026-later.csv", [*GOOD, new])
    dry = _import(grown, world, "--skip-imported", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "line 3: imported already as 2026-0002: skipped" in dry.output
    assert "1 rows are valid" in dry.output
    done = _import(grown, world, "--skip-imported")
    assert done.exit_code == 0, done.output
    assert "1 situation imported: 2026-0004 to 2026-0004; 3 imported already, skipped" in (
        done.output
    )
    assert db.count(Situation) == 4

    twice = _import(_csv(tmp_path / "twice.csv", [new.replace("11/03", "12/03")] * 2), world)
    assert twice.exit_code == 1
    assert "line 3: the same as line 2" in twice.output
    assert db.count(Situation) == 4


def test_an_export_opens_in_a_french_spreadsheet(
    cli_env: None, world: World, db: Database, tmp_path: Path
) -> None:
    """French by default: semicolons, a byte-order mark, French column names and words, the
    report decision and the closure in their columns; an admin may export too."""
    assert _import(_csv(tmp_path / "2026.csv", GOOD), world).exit_code == 0
    output = tmp_path / "export.csv"
    result = runner.invoke(
        cli, ["export", "situations", "--as", world.admin.username, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    text = output.read_text(encoding="utf-8")
    assert text.startswith("\ufeffRéférence;Organisme;Site;Date d'ouverture;")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert [r["Référence"] for r in rows] == ["2026-0001", "2026-0002", "2026-0003"]
    reported = rows[1]
    assert (reported["Couleur"], reported["Signalement"], reported["Autorité"]) == (
        "rouge",
        "oui",
        "Parquet (ministère public)",
    )
    assert (reported["Date du signalement"], reported["Date de clôture"]) == (
        "12/02/2026",
        "30/03/2026",
    )
    assert rows[0]["Demandeur"] == "Membre du personnel"
    assert rows[0]["Statut"] == "ouvert"


def test_an_exported_register_imported_into_an_empty_one_counts_the_same(
    cli_env: None, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _import(_csv(tmp_path / "2026.csv", GOOD), world).exit_code == 0
    sheet = tmp_path / "export.csv"
    exported = runner.invoke(
        cli, ["export", "situations", "--as", world.delegate.username, "--output", str(sheet)]
    )
    assert exported.exit_code == 0, exported.output

    before = _figures(get_settings().database_url, world.delegate.username, 2026)
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", empty)
    get_settings.cache_clear()
    for command in (
        ["migrate"],
        ["organisations", "create", "--code", "MRE", "--name", "Maison relais Est"],
        ["organisations", "create", "--code", "HSO", "--name", "Home Sud-Ouest"],
        ["sites", "add", "--organisation", "MRE", "--name", "Groupe de vie 1"],
        ["users", "create", "--email", world.delegate.username, "--role", "delegate"],
    ):
        done = runner.invoke(
            cli, [*command, "--password", "p" * 12] if command[0] == "users" else command
        )
        assert done.exit_code == 0, (command, done.output)
    imported = _import(sheet, world)
    assert imported.exit_code == 0, imported.output
    assert _figures(empty, world.delegate.username, 2026) == before


def test_a_register_with_its_whole_history_comes_back_from_its_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's register (changes of colour, year-end reviews, reports), with closures
    reopened, changed and closed again and decisions taken twice, exported and imported into
    a register of the same organisations: every count of every year is the same."""
    monkeypatch.setenv("BIENTRAITANCE_ENCRYPTION_KEYS", TEST_ENCRYPTION_KEYS)
    get_settings.cache_clear()
    full, empty = (f"sqlite:///{tmp_path / name}" for name in ("full.db", "empty.db"))
    for url, situations in ((full, "120"), (empty, "0")):
        made = runner.invoke(cli, ["demo", "--database-url", url, "--situations", situations])
        assert made.exit_code == 0, made.output
    delegate = "delegue@demo.invalid"
    _live_on(full, delegate)
    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", full)
    get_settings.cache_clear()
    sheet = tmp_path / "register.csv"
    exported = runner.invoke(
        cli, ["export", "situations", "--as", delegate, "--output", str(sheet)]
    )
    assert exported.exit_code == 0, exported.output
    text = sheet.read_text(encoding="utf-8-sig")
    assert "Clôtures rouvertes" in text
    assert "Changements de couleur" in text

    monkeypatch.setenv("BIENTRAITANCE_DATABASE_URL", empty)
    get_settings.cache_clear()
    imported = runner.invoke(cli, ["import", "situations", str(sheet), "--as", delegate])
    get_settings.cache_clear()
    assert imported.exit_code == 0, imported.output
    years = range(date.today().year - 2, date.today().year + 1)
    for year in years:
        assert _figures(empty, delegate, year) == _figures(full, delegate, year), year
    engine = make_engine(empty)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Reopening)) == 3
        assert session.scalar(select(func.count()).select_from(Situation)) == 120
    engine.dispose()


def _live_on(url: str, username: str) -> None:
    """Three closed situations reopened, turned red, reported and closed again the next day;
    and three with a decision not to report, then a report."""
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        account = auth_service.find(session=session, kind=AccountKind.PERSON, name=username)
        assert account is not None
        principal = auth_service.to_principal(account)

        def record(situation: Situation, action: records.RecordAction, data: BaseModel) -> None:
            action(
                session=session,
                principal=principal,
                situation_id=situation.id,
                if_match=None,
                data=data,
            )

        for situation in session.scalars(
            select(Situation)
            .where(Situation.status == SituationStatus.CLOSED, Situation.severity != Severity.RED)
            .order_by(Situation.reference)
            .limit(3)
        ).all():
            assert situation.current_closure is not None
            later = situation.current_closure.closed_on + timedelta(days=1)
            record(situation, records.reopen, ReopeningCreate(reason="Faits.", reopened_on=later))
            record(
                situation,
                records.change_severity,
                SeverityChangeCreate(severity=Severity.RED, reason="Graves.", changed_on=later),
            )
            record(
                situation,
                records.add_report,
                ReportCreate(
                    decision=ReportDecision.REPORTED, authority="police", decided_on=later
                ),
            )
            record(
                situation,
                records.close,
                ClosureCreate(closed_on=later, typology="M22", outcome="Clos."),
            )
        for situation in session.scalars(
            select(Situation)
            .where(Situation.status == SituationStatus.OPEN)
            .where(Situation.id.not_in(select(AuthorityReport.situation_id)))
            .order_by(Situation.reference)
            .limit(3)
        ).all():
            on = situation.opened_on
            record(
                situation,
                records.add_report,
                ReportCreate(
                    decision=ReportDecision.NOT_REPORTED, justification="Non.", decided_on=on
                ),
            )
            record(
                situation,
                records.add_report,
                ReportCreate(decision=ReportDecision.REPORTED, authority="parquet", decided_on=on),
            )
    engine.dispose()


def _figures(url: str, username: str, year: int) -> list[tuple[str, Any]]:
    """Every count of a year's statistics, as the delegate `username` reads them."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        delegate = auth_service.find(session=session, kind=AccountKind.PERSON, name=username)
        assert delegate is not None
        stats = statistics_service.annual(
            session=session,
            principal=auth_service.to_principal(delegate),
            year=year,
            compare_to=None,
            organisation=None,
            suppress_below=None,
            lang=Language.FR,
        ).model_dump(mode="json")
        session.rollback()
    engine.dispose()
    return _counts(stats)


def _counts(stats: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every count of the annual statistics, by where it is."""
    found: list[tuple[str, Any]] = []

    def walk(where: str, value: Any) -> None:
        if isinstance(value, dict):
            if "value" in value:
                found.append((where, value["value"]))
            for key, inner in value.items():
                if key != "label" and key != "name":
                    walk(f"{where}.{key}", inner)
        elif isinstance(value, list):
            for n, inner in enumerate(value):
                walk(f"{where}[{n}]", inner)

    walk("", stats)
    return found
