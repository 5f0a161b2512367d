"""Notices: an agency's in-app inbox, and the same notice pushed to its webhook through the
outbox (sent after commit by the worker), so nothing is sent for a change that rolled back."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.access.models import Notice, NoticeHook
from govshare.kit.outbox_models import OutboxMessage
from govshare.kit.system import system_use

TOPIC = "access.notice"


@system_use("every step of a request tells the agencies concerned; it reveals nothing new to them")
def notify(session: Session, agency_id: int, kind: str, message: str, *,
           request_id: int | None = None, due_date: date | None = None) -> Notice | None:
    """Put a notice in the agency's inbox (once per request, kind and deadline) and queue it
    for the agency's webhook if one is set."""
    exists = session.scalar(select(Notice.id).where(
        Notice.agency_id == agency_id, Notice.request_id == request_id, Notice.kind == kind,
        Notice.due_date == due_date if due_date else Notice.due_date.is_(None)))
    if exists is not None and due_date is not None:
        return None
    notice = Notice(agency_id=agency_id, request_id=request_id, kind=kind, due_date=due_date,
                    message=message)
    session.add(notice)
    session.flush()
    hook = session.get(NoticeHook, agency_id)
    if hook is not None and hook.active:
        session.add(OutboxMessage(topic=TOPIC, destination=hook.url, secret=hook.secret,
                                  payload=_payload(notice)))
    return notice


def _payload(notice: Notice) -> dict:
    return {"notice_id": notice.id, "agency_id": notice.agency_id, "kind": notice.kind,
            "request_id": notice.request_id, "message": notice.message,
            "due_date": notice.due_date.isoformat() if notice.due_date else None}
