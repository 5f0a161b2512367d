"""API of access (filled in by its feature)."""

from __future__ import annotations

from fastapi import APIRouter

from govshare.kit.http import TransactionalRoute

router = APIRouter(prefix="/api/v1/access", tags=["access 获取与授权"], route_class=TransactionalRoute)
