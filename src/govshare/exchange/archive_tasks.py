"""The deadline watch of the yearly archive transfer (GZ-15, GD-9), a daily worker job.

From 1 June, every provider agency that holds electronic documents of the previous year and has
not transferred them gets a notice in its inbox (and its webhook): once when the month opens
(`archive_due`), once more when at most DUE_SOON_WORKING_DAYS working days are left
(`archive_due_soon`). After 30 June the agency-year is marked overdue (逾期未移交: a transfer row
with status `overdue`, audited) and the agency told (`archive_overdue`). Notices are kept once per
agency, kind and deadline (access.notice_service), so running the job again repeats nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from govshare import evidence
from govshare.access import notice_service
from govshare.config import Settings
from govshare.db import unit_of_work
from govshare.exchange import archive_content, archive_service
from govshare.exchange.archive_events import ArchiveTransferOverdue
from govshare.exchange.archive_models import FAILED, OVERDUE, ArchiveTransfer
from govshare.exchange.archive_service import Countdown
from govshare.kit import clock
from govshare.kit.actor import SYSTEM

WATCH_FROM = (6, 1)  # month, day: reminders start on 1 June
DUE_SOON_WORKING_DAYS = 5


def run(sessions: sessionmaker[Session], settings: Settings, today: date) -> str | None:
    """One round of the watch (the worker's Job), in a transaction of its own."""
    with unit_of_work(sessions) as session:
        return watch(session, today)


def watch(session: Session, today: date) -> str | None:
    """Remind or mark overdue every agency with untransferred documents of last year."""
    if (today.month, today.day) < WATCH_FROM:
        return None
    year = today.year - 1
    held = archive_content.holdings(session, year)
    latest = archive_service.latest_transfers(session, year)
    due = archive_service.countdown(session, year, today)
    reminded = marked = 0
    with notice_service.hooks_read_once(session):
        for agency_id, content in sorted(held.items()):
            row = latest.get(agency_id)
            if row is not None and row.status not in (FAILED, OVERDUE):
                continue  # transferred, or received
            if due.calendar_days >= 0:
                reminded += _remind(session, agency_id, content, due)
            elif row is None or row.status == FAILED:
                _mark_overdue(session, agency_id, content, row, due)
                marked += 1
    if not (reminded or marked):
        return None
    return f"归档移交（{year} 年度）：提醒 {reminded} 个机关，标记逾期 {marked} 个机关"


def _remind(session: Session, agency_id: int, content, due: Countdown) -> int:
    guess = "，暂按周末推算" if due.provisional else ""
    left = f"还有 {due.calendar_days} 天（{due.working_days} 个工作日{guess}）"
    message = (f"请在{_cn(due.deadline)}前将 {content.year} 年度的电子文件移交同级国家档案馆（GZ-15、GD-9）："
               f"平台上有 {content.records} 条记录、{len(content.files)} 个文件待移交，{left}。")
    sent = notice_service.notify(session, agency_id, "archive_due", message, due_date=due.deadline)
    if due.working_days <= DUE_SOON_WORKING_DAYS:
        sent = notice_service.notify(session, agency_id, "archive_due_soon", message,
                                     due_date=due.deadline) or sent
    return int(sent is not None)


def _mark_overdue(session: Session, agency_id: int, content, earlier: ArchiveTransfer | None,
                  due: Countdown) -> None:
    row = ArchiveTransfer(agency_id=agency_id, year=content.year, status=OVERDUE,
                          attempt=earlier.attempt + 1 if earlier is not None else 1,
                          deadline_date=due.deadline, late=True, resource_count=content.resources,
                          record_count=content.records, file_count=len(content.files),
                          overdue_marked_at=clock.now())
    session.add(row)
    session.flush()
    evidence.record(session, ArchiveTransferOverdue(
        agency_id=agency_id, year=content.year, transfer_id=row.id, deadline_date=due.deadline,
        resources=content.resources, records=content.records, files=len(content.files)), SYSTEM)
    notice_service.notify(session, agency_id, "archive_overdue",
                          f"{content.year} 年度的电子文件应于{_cn(due.deadline)}前移交同级国家档案馆，"
                          f"至今未移交，已记为逾期（GZ-15、GD-9）。请尽快在“归档移交”页面办理。",
                          due_date=due.deadline)


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
