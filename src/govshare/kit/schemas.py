from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class PageRead(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
