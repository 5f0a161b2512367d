from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter

from govshare.evidence import api_log, api_snapshots, service
from govshare.evidence.schemas import AuditEventRead, ChainReportRead
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import PageRequest
from govshare.kit.schemas import PageRead

# No prefix: the receipt log's routes (api_log) live under /api/v1/evidence and /.well-known.
router = APIRouter(tags=["evidence 审计"], route_class=TransactionalRoute)


@router.get("/api/v1/audit/events", response_model=PageRead[AuditEventRead])
def search_events(db: DbSession, actor: CurrentActor, agency_id: int | None = None,
                  event_type: str | None = None, actor_name: str | None = None,
                  since: datetime | None = None, until: datetime | None = None,
                  limit: int = 50, offset: int = 0):
    """Search the audit trail (GD-31)."""
    flt = service.AuditFilter(agency_id, event_type, actor_name, since, until)
    return service.search_events(db, actor, flt, PageRequest(limit, offset))


@router.get("/api/v1/audit/verify", response_model=ChainReportRead)
def verify(db: DbSession, actor: CurrentActor):
    """Verify the hash chain end to end (GZ-26)."""
    return ChainReportRead(**asdict(service.verify_chain(db, actor)))


router.include_router(api_log.router)
router.include_router(api_snapshots.router)
