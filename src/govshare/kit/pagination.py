"""Offset pagination shared by every list endpoint and page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 200


@dataclass(frozen=True)
class PageRequest:
    limit: int = 50
    offset: int = 0

    def __post_init__(self):
        from govshare.kit.errors import InvalidInput

        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit 必须在 1 到 {MAX_LIMIT} 之间", field="limit", rule="range")
        if self.offset < 0:
            raise InvalidInput("offset 不能为负数", field="offset", rule="range")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginate(session: Session, stmt: Select, page: PageRequest) -> Page:
    """Run `stmt` for one page, with the total count of the unpaged query."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.limit(page.limit).offset(page.offset)))
    return Page(items=items, total=total or 0, limit=page.limit, offset=page.offset)
