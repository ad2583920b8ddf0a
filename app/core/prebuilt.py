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
  values, which may be confidential; a lost connection is invalidated, as SQLAlchemy does.
"""

from collections import namedtuple
from collections.abc import Callable, Mapping
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


class Prebuilt:
    """A statement run on the driver's cursor, its values converted by their types."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, session: Session, parameters: Mapping[str, Any]) -> list[Any]:
        """The rows the statement returns, as named tuples."""
        return self._execute(session, parameters)

    def one_or_none(self, session: Session, parameters: Mapping[str, Any]) -> Any:
        rows = self._execute(session, parameters)
        if len(rows) > 1:
            raise ValueError("the statement returned more than one row")
        return rows[0] if rows else None

    def run(self, session: Session, parameters: Mapping[str, Any]) -> None:
        self._execute(session, parameters)

    def _execute(self, session: Session, parameters: Mapping[str, Any]) -> list[Any]:
        connection = session.connection()
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        values = compiled.compiled.construct_params(dict(parameters))
        for name, process in compiled.binds.items():
            values[name] = process(values[name])
        sent = (
            [values[name] for name in compiled.positions]
            if compiled.positions is not None
            else values
        )
        driver_connection = connection.connection
        cursor = driver_connection.cursor()
        try:
            cursor.execute(compiled.sql, sent)
            fetched = cursor.fetchall() if compiled.row is not None else []
        except dialect.loaded_dbapi.Error as exc:
            lost = dialect.is_disconnect(exc, driver_connection.dbapi_connection, cursor)
            if lost:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                compiled.sql,
                None,
                exc,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                connection_invalidated=lost,
                dialect=dialect,
            ) from exc
        finally:
            cursor.close()
        if compiled.row is None:
            return []
        return [
            compiled.row(
                *(
                    value if process is None else process(value)
                    for process, value in zip(compiled.results, fetched_row, strict=True)
                )
            )
            for fetched_row in fetched
        ]

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
