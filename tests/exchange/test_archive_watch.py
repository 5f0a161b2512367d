"""The deadline watch of the archive transfer (GZ-15, GD-9), a daily worker job, on SQLite and
PostgreSQL: from 1 June 2026 the agencies with 2025 documents not transferred are reminded in
their inbox (once, and again in the last 5 working days), on 1 July the agency-year is marked
overdue (audited), and a transfer after that fills the overdue mark in as a late transfer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from govshare.access.models import Notice
from govshare.evidence.models import AuditEvent
from govshare.exchange import archive_service, archive_tasks
from govshare.exchange.archive_models import OVERDUE, ArchiveTransfer
from govshare.worker import JOBS
from tests.exchange.archive_helpers import households, licences, moment, platform_keys, today_is
from tests.exchange.helpers import actor

pytestmark = [pytest.mark.req("GZ-15"), pytest.mark.req("GD-9")]


def watch(db, day: date) -> str | None:
    with db.session() as s:
        return archive_tasks.watch(s, day)


def notices(db, agency: str) -> list[tuple[str, date]]:
    with db.session() as s:
        return [(n.kind, n.due_date) for n in s.scalars(
            select(Notice).where(Notice.agency_id == db.agency_id(agency)).order_by(Notice.id))
            if n.kind.startswith("archive")]


def test_the_watch_is_a_daily_worker_job():
    jobs = [(j.run, j.daily) for j in JOBS if j.name == "exchange.archive_watch"]
    assert jobs == [(archive_tasks.run, True)]


def test_reminders_from_1_june_and_overdue_after_30_june(db, tmp_path, monkeypatch):
    keys = platform_keys(tmp_path)
    licences(db, monkeypatch, keys, moment(2025, 9, 1, 9), 0, 2)
    households(db, monkeypatch, keys, moment(2025, 9, 1, 9), 2)  # business: nothing to archive
    due = date(2026, 6, 30)

    assert watch(db, date(2026, 5, 31)) is None and notices(db, "market") == []
    assert "提醒 1 个机关" in watch(db, date(2026, 6, 1))
    assert notices(db, "market") == [("archive_due", due)] and notices(db, "police") == []
    assert watch(db, date(2026, 6, 2)) is None  # nothing new to say
    with db.session() as s:
        message = s.scalar(select(Notice.message).where(Notice.kind == "archive_due"))
    assert "2026年6月30日" in message and "2 条记录" in message and "29 天（20 个工作日）" in message

    watch(db, date(2026, 6, 23))  # 24, 25, 26, 29, 30 June: 5 working days left
    assert notices(db, "market") == [("archive_due", due), ("archive_due_soon", due)]

    assert "标记逾期 1 个机关" in watch(db, date(2026, 7, 1))
    assert watch(db, date(2026, 7, 2)) is None  # marked once
    assert notices(db, "market")[-1] == ("archive_overdue", due)
    with db.session() as s:
        [row] = s.scalars(select(ArchiveTransfer))
        assert (row.status, row.year, row.late, row.record_count) == (OVERDUE, 2025, True, 2)
        assert s.scalar(select(func.count()).where(AuditEvent.event_type == "ArchiveTransferOverdue")) == 1

    today_is(monkeypatch, date(2026, 7, 3))
    with db.session() as s:
        done = archive_service.transfer(s, actor(s, "admin"), keys, db.agency_id("market"), 2025,
                                        tmp_path / "out")
        assert (done.id, done.status, done.late, done.attempt) == (row.id, "transferred", True, 1)
    assert watch(db, date(2026, 7, 4)) is None


def test_a_transferred_year_is_not_reminded(db, tmp_path, monkeypatch):
    keys = platform_keys(tmp_path)
    licences(db, monkeypatch, keys, moment(2025, 9, 1, 9), 0, 1)
    today_is(monkeypatch, date(2026, 2, 1))
    with db.session() as s:
        archive_service.transfer(s, actor(s, "admin"), keys, db.agency_id("market"), 2025, tmp_path / "out")
    assert watch(db, date(2026, 6, 1)) is None and watch(db, date(2026, 7, 1)) is None
    assert notices(db, "market") == []
