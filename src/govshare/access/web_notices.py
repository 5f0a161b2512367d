"""Console pages of access (filled in by its feature)."""

from __future__ import annotations

from fastapi import APIRouter

from govshare.kit.http import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
