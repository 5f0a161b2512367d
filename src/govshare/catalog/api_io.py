from __future__ import annotations

from fastapi import APIRouter

from govshare.kit.http import TransactionalRoute

router = APIRouter(prefix="/api/v1/catalog", tags=["catalog 目录"], route_class=TransactionalRoute)
