"""Writing checked records in bulk, inside the caller's transaction: PostgreSQL `COPY` (psycopg 3
`cursor.copy`), SQLite `executemany` — the fastest path each engine has. Also the one query a
chunk needs before it is written: how many of its subjects the library holds already.

Every record is also one line of PostgreSQL's COPY text format — subject, produced_at,
valid_from, division_code (\\N when none), data — and the load's digest is SM3 over those lines,
on either engine, so an auditor can recompute it from the stored rows."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from govshare.exchange.validate import Row

COLUMNS = "library_id, load_id, loaded_at, subject, produced_at, valid_from, division_code, data"


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


_NULL = "\\N"


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
    def __init__(self, session: Session, library_id: int, load_id: int, loaded_at: datetime):
        self.conn = session.connection().connection.driver_connection
        self.library_id = library_id
        self.prefix = f"{library_id}\t{load_id}\t{loaded_at.isoformat()}\t"

    def existing(self, subjects: list[str]) -> int:
        with self.conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM unnest(%s::text[]) AS s(subject) WHERE EXISTS ("
                        "SELECT 1 FROM exchange_record r WHERE r.library_id = %s AND r.subject = s.subject)",
                        (subjects, self.library_id))
            return cur.fetchone()[0]

    def write(self, rows: list[Row], lines: list[str]) -> None:
        if not lines:
            return
        joiner = "\n" + self.prefix
        with self.conn.cursor() as cur, cur.copy(f"COPY exchange_record ({COLUMNS}) FROM STDIN") as copy:
            copy.write(self.prefix + joiner.join(lines) + "\n")


def _sqlite_time(moment: datetime) -> str:
    # SQLAlchemy's DATETIME on SQLite: naive UTC with microseconds, so ORM reads and comparisons agree.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class SqliteWriter:
    def __init__(self, session: Session, library_id: int, load_id: int, loaded_at: datetime):
        self.conn = session.connection().connection.driver_connection
        self.library_id, self.load_id = library_id, load_id
        self.loaded = _sqlite_time(loaded_at)

    def existing(self, subjects: list[str]) -> int:
        cur = self.conn.execute(
            "SELECT count(*) FROM json_each(?) AS s WHERE EXISTS (SELECT 1 FROM exchange_record r "
            "WHERE r.library_id = ? AND r.subject = s.value)", (json.dumps(subjects), self.library_id))
        return cur.fetchone()[0]

    def write(self, rows: list[Row], lines: list[str]) -> None:
        lib, load, loaded = self.library_id, self.load_id, self.loaded
        self.conn.executemany(
            f"INSERT INTO exchange_record ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(lib, load, loaded, s, _sqlite_time(p), _sqlite_time(v), d, data)
             for s, p, v, d, data in rows])


def writer_for(session: Session, library_id: int, load_id: int, loaded_at: datetime):
    kind = PostgresWriter if session.get_bind().dialect.name == "postgresql" else SqliteWriter
    return kind(session, library_id, load_id, loaded_at)
