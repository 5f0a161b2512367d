"""Shared by the access tests: actors of the demo users, resource codes of the demo catalog by
name, and a request draft that is valid unless told otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select

from govshare.access.request_service import RequestDraft
from govshare.catalog.models import Entry
from govshare.directory import account_service
from govshare.directory.models import User

# The demo catalog's resources, by name (demo/catalog_data.py).
HOUSEHOLD = "户籍人口信息"  # 公安局, conditional, personal-privacy items, hosted library
MARRIAGE = "婚姻登记信息"  # 民政局, conditional, provider API
LICENCE = "营业执照信息"  # 市场监管局, unconditional, no secrets


def actor(session, username: str):
    return account_service.actor_for_user(
        session.scalar(select(User).where(User.username == username)))


def code_of(session, name: str) -> str:
    return session.scalar(select(Entry.resource_code).where(Entry.name == name))


def items_of(session, name: str) -> list[str]:
    entry = session.scalar(select(Entry).where(Entry.name == name))
    return [i.name for i in entry.items]


def draft(session, name: str, today: date, **overrides) -> RequestDraft:
    base = RequestDraft(resource_code=code_of(session, name), items=tuple(items_of(session, name)),
                        duty="办理婚姻登记时核验当事人身份和户籍（《婚姻登记条例》第七条）",
                        purpose="婚姻登记业务办理", legal_basis="《婚姻登记条例》",
                        valid_from=today, valid_until=today + timedelta(days=180))
    return replace(base, **overrides)
