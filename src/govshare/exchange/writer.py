"""Writing checked records in bulk, inside the caller's transaction: PostgreSQL `COPY` (psycopg 3
`cursor.copy`), SQLite `executemany` — the fastest path each engine has.

On PostgreSQL one COPY stays open for the whole load and rows are sent (by psycopg's writer
thread) as they pass their checks, so the server stores them while Python checks the next ones.
Which subjects are new is asked once, after the rows are in, and only when the library held
records before: a load's rows all have ids above a mark taken when it began (the library's lock
keeps other loads of it out), so "new" means no row of the library at or below the mark.

Every record is also one line of PostgreSQL's COPY text format — subject, produced_at,
valid_from (UTC, ISO 8601), division_code (\\N when none), data — and the load's digest is SM3
over those lines, on either engine, so an auditor can recompute it from the stored rows."""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import UTC, datetime

from psycopg.copy import QueuedLibpqWriter
from sqlalchemy.orm import Session

from govshare.exchange.validate import Row

COLUMNS = "library_id, load_id, loaded_at, subject, produced_at, valid_from, division_code, data"
_NULL = "\\N"
# How many of this load's subjects the library held before it (one index probe each).
EXISTING = {"postgresql": "SELECT count(*) FROM unnest(%s::text[]) AS s(subject) WHERE EXISTS ("
                          "SELECT 1 FROM exchange_record AS p WHERE p.library_id = %s "
                          "AND p.subject = s.subject AND p.id <= %s)",
            "sqlite": "SELECT count(*) FROM json_each(?) AS s WHERE EXISTS ("
                      "SELECT 1 FROM exchange_record AS p WHERE p.library_id = ? "
                      "AND p.subject = s.value AND p.id <= ?)"}


def copy_line(row: Row) -> str:
    """The record as a line of COPY text (no newline); backslashes doubled, as COPY wants."""
    subject, produced, valid_from, division, data = row
    p = produced.isoformat()
    v = p if valid_from is produced else valid_from.isoformat()
    if "\\" in data:
        data = data.replace("\\", "\\\\")
    if "\\" in subject:
        subject = subject.replace("\\", "\\\\")
    return f"{subject}\t{p}\t{v}\t{division or _NULL}\t{data}"


class Digest:
    """SM3 over the records' COPY lines, each followed by a newline."""

    def __init__(self):
        self._h = hashlib.new("sm3")

    def update(self, lines: list[str]) -> None:
        if lines:
            self._h.update(("\n".join(lines) + "\n").encode("utf-8"))

    def hexdigest(self) -> str:
        return self._h.hexdigest()


class PostgresWriter:
    """open → write … → close (the count of new subjects), or abort on the way out of an error."""

    def __init__(self, session: Session, library_id: int, load_id: int, loaded_at: datetime):
        self.conn = session.connection().connection.driver_connection
        self.library_id = library_id
        self.prefix = f"{library_id}\t{load_id}\t{loaded_at.isoformat()}\t"
        self.mark = 0
        self._copy = None

    def open(self) -> None:
        with self.conn.cursor() as cur:
            self.mark = cur.execute("SELECT nextval(pg_get_serial_sequence('exchange_record', 'id'))"
                                    ).fetchone()[0]
        self._cursor = self.conn.cursor()
        # A writer thread sends the data: while the socket waits for the server, Python checks on.
        self._context = self._cursor.copy(f"COPY exchange_record ({COLUMNS}) FROM STDIN",
                                          writer=QueuedLibpqWriter(self._cursor))
        self._copy = self._context.__enter__()

    def write(self, rows: list[Row], lines: list[str]) -> None:
        if lines:
            self._copy.write(self.prefix + ("\n" + self.prefix).join(lines) + "\n")

    def close(self, subjects: set[str], held_before: bool) -> int:
        """End the COPY; the number of `subjects` the library did not hold before."""
        self._context.__exit__(None, None, None)
        self._copy = None
        self._cursor.close()
        if not held_before:
            return len(subjects)
        with self.conn.cursor() as cur:
            existing = cur.execute(EXISTING["postgresql"], (list(subjects), self.library_id, self.mark))
            return len(subjects) - existing.fetchone()[0]

    def abort(self, exc: BaseException) -> None:
        if self._copy is not None:  # COPY fails; the caller's rollback then ends the transaction
            self._copy = None
            with contextlib.suppress(Exception):  # the load's own error is the one to report
                self._context.__exit__(type(exc), exc, exc.__traceback__)


def _sqlite_time(moment: datetime) -> str:
    # SQLAlchemy's DATETIME on SQLite: naive UTC with microseconds, so ORM reads and comparisons agree.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class SqliteWriter:
    def __init__(self, session: Session, library_id: int, load_id: int, loaded_at: datetime):
        self.conn = session.connection().connection.driver_connection
        self.library_id, self.load_id = library_id, load_id
        self.loaded = _sqlite_time(loaded_at)
        self.mark = 0

    def open(self) -> None:
        # The transaction began IMMEDIATE: no other writer until it ends, so rowids keep rising.
        self.mark = self.conn.execute("SELECT coalesce(max(id), 0) FROM exchange_record").fetchone()[0]

    def write(self, rows: list[Row], lines: list[str]) -> None:
        lib, load, loaded = self.library_id, self.load_id, self.loaded
        self.conn.executemany(
            f"INSERT INTO exchange_record ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(lib, load, loaded, s, _sqlite_time(p), _sqlite_time(v), d, data)
             for s, p, v, d, data in rows])

    def close(self, subjects: set[str], held_before: bool) -> int:
        if not held_before:
            return len(subjects)
        existing = self.conn.execute(EXISTING["sqlite"], (json.dumps(list(subjects)), self.library_id,
                                                          self.mark))
        return len(subjects) - existing.fetchone()[0]

    def abort(self, exc: BaseException) -> None:
        pass


def writer_for(session: Session, library_id: int, load_id: int, loaded_at: datetime):
    kind = PostgresWriter if session.get_bind().dialect.name == "postgresql" else SqliteWriter
    return kind(session, library_id, load_id, loaded_at)
