"""The one transaction owner (`app.core.db`): what a unit of work wrote is committed when it
succeeds, and nothing of it when it fails, outside requests (the command, background jobs) as
in them; its audit entries go with it."""

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.audit import service as audit_service
from app.audit.models import AuditEntry
from app.core.db import transaction
from app.core.errors import AppError
from app.organisations.models import Organisation
from tests.conftest import Database


def _write(session: Session, code: str) -> None:
    session.add(Organisation(code=code, name=f"Organisation {code}"))
    session.flush()
    audit_service.record(
        session=session, principal=None, action="organisation.create", object_type="organisation"
    )


def _write_then_fail(factory: sessionmaker[Session], code: str, error: Exception) -> None:
    with transaction(factory) as session:
        _write(session, code)
        raise error


class CountedRefusal(AppError):
    """A refusal whose trace is kept, as a failed login is counted."""

    status_code = 400
    slug = "counted"
    title = "Counted refusal"
    keeps_changes = True


def test_committed_when_the_work_succeeds(
    session_factory: sessionmaker[Session], db: Database
) -> None:
    with transaction(session_factory) as session:
        _write(session, "OK1")
    assert db.all(select(Organisation.code)) == ["OK1"]
    assert db.all(select(AuditEntry.position)) == [1]


def test_nothing_left_when_the_work_fails(
    session_factory: sessionmaker[Session], db: Database
) -> None:
    with pytest.raises(RuntimeError):
        _write_then_fail(session_factory, "KO1", RuntimeError("the work failed"))
    assert db.all(select(Organisation.code)) == []
    assert db.all(select(AuditEntry.position)) == []
    # The chain goes on from where it was: the next entry is the first.
    with transaction(session_factory) as session:
        _write(session, "OK2")
    assert db.all(select(AuditEntry.position)) == [1]


def test_a_refusal_that_keeps_its_changes_commits_them(
    session_factory: sessionmaker[Session], db: Database
) -> None:
    with pytest.raises(CountedRefusal):
        _write_then_fail(session_factory, "CNT", CountedRefusal("refused, and counted"))
    assert db.all(select(Organisation.code)) == ["CNT"]
    assert db.all(select(AuditEntry.position)) == [1]
