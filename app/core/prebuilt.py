"""Statements that nearly every request runs, compiled once and run on the driver's cursor.

Through `Session.execute`, a statement goes through SQLAlchemy's execution context, its result
object and its events: on this service's small statements that machinery costs more than the
statement itself (measured, CPU a statement: on PostgreSQL with psycopg 80 to 100 µs against
40 µs on the driver's cursor, on SQLite about 20 µs against 2 µs). The caller's check and the
chain's seal run at nearly every request, intake's statements at every creation, the busiest
write: so they run here instead (and do not show in SQLAlchemy's statement log):

- compiled once for each database (with SQLAlchemy, as `Session.execute` would compile them);
- every value converted by its column's own type, both ways, as SQLAlchemy converts it (the
  encrypted narratives, UTC timestamps, enumerations);
- in the session's transaction, on its connection;
- a driver error raised as SQLAlchemy raises it (`IntegrityError` and the like), without the
  values, which may be confidential; a lost connection is invalidated, as SQLAlchemy does;
- statements that need nothing from each other's answers can be sent together
  (`run_together`): on PostgreSQL, one round trip for all of them.
"""

import contextlib
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    compiled: SQLCompiler
    sql: str
    binds: dict[str, Processor]
    positions: tuple[str, ...] | None  # the names in order, where the driver takes "?"
    results: tuple[Processor | None, ...]
    row: Callable[..., Any] | None

    def read(self, fetched: Sequence[Any]) -> list[Any]:
        """The driver's rows as named tuples, each value converted by its column's type."""
        if self.row is None:
            return []
        return [
            self.row(
                *(
                    value if process is None else process(value)
                    for process, value in zip(self.results, fetched_row, strict=True)
                )
            )
            for fetched_row in fetched
        ]


class Prebuilt:
    """A statement run on the driver's cursor, its values converted by their types."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, session: Session, parameters: Mapping[str, Any]) -> list[Any]:
        """The rows the statement returns, as named tuples."""
        (rows,) = run_together(session, [(self, parameters)])
        return rows

    def one_or_none(self, session: Session, parameters: Mapping[str, Any]) -> Any:
        return only_row(self.rows(session, parameters))

    def run(self, session: Session, parameters: Mapping[str, Any]) -> None:
        run_together(session, [(self, parameters)])

    def _prepared(self, dialect: Dialect, parameters: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        """The statement compiled for the database, and the values as the driver takes them."""
        compiled = self._compiled(dialect)
        values = compiled.compiled.construct_params(dict(parameters))
        for name, process in compiled.binds.items():
            values[name] = process(values[name])
        if compiled.positions is not None:
            return compiled, [values[name] for name in compiled.positions]
        return compiled, values

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError("only SQL statements can be prebuilt")
        # Names sent as written, values bound as they are: nothing rewritten at execution.
        if compiled.escaped_bind_names or compiled.post_compile_params:
            raise ValueError("only statements with plain bound values can be prebuilt")
        binds: dict[str, Processor] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        columns = list(getattr(self.statement, "exported_columns", ()))
        return _Compiled(
            compiled=compiled,
            sql=compiled.string,
            binds=binds,
            positions=tuple(compiled.positiontup or ()) if compiled.positional else None,
            results=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            ),
            row=(
                namedtuple("Row", [column.key for column in columns], rename=True)
                if columns
                else None
            ),
        )


def only_row(rows: list[Any]) -> Any:
    """The one row of a statement's rows, or None when there is none."""
    if len(rows) > 1:
        raise ValueError("the statement returned more than one row")
    return rows[0] if rows else None


def run_together(
    session: Session,
    calls: Sequence[tuple[Prebuilt, Mapping[str, Any]]],
    *,
    commit: bool = False,
) -> list[list[Any]]:
    """Statements run one after the other in the session's transaction, and the rows each one
    returned. On PostgreSQL they are sent together and answered together (psycopg's pipeline
    mode): one round trip instead of one each. A statement that fails stops the ones after it,
    and its error is raised.

    `commit`: they are the transaction's last writes, and it is committed with them: on
    PostgreSQL, `COMMIT` goes in the same round trip. The session must hold nothing unflushed,
    since that commit does not go through it; it is then told that its transaction ended."""
    if commit and (session.new or session.dirty or session.deleted):
        raise ValueError("the session holds changes that this commit would leave out")
    connection = session.connection()
    dialect = connection.dialect
    sent = [prebuilt._prepared(dialect, parameters) for prebuilt, parameters in calls]
    driver_connection = connection.connection
    dbapi_connection: Any = driver_connection.dbapi_connection  # psycopg's, on PostgreSQL
    cursors = [driver_connection.cursor() for _ in sent]
    ending: Any = None
    pipelined = dialect.name == "postgresql" and (len(sent) > 1 or commit)
    try:
        with dbapi_connection.pipeline() if pipelined else contextlib.nullcontext():
            for cursor, (compiled, values) in zip(cursors, sent, strict=True):
                cursor.execute(compiled.sql, values)
            if commit and pipelined:
                # As a statement, not `commit()`: psycopg would wait for the answers first.
                ending = driver_connection.cursor()
                ending.execute("COMMIT")
        fetched = [
            cursor.fetchall() if compiled.row is not None else []
            for cursor, (compiled, _) in zip(cursors, sent, strict=True)
        ]
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, dbapi_connection, None)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            ";\n".join(compiled.sql for compiled, _ in sent),
            None,
            exc,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=dialect,
        ) from exc
    finally:
        for cursor in cursors if ending is None else [*cursors, ending]:
            cursor.close()
    if commit:
        # After PostgreSQL's COMMIT, the driver has no transaction left to commit.
        session.commit()
    return [compiled.read(rows) for rows, (compiled, _) in zip(fetched, sent, strict=True)]
