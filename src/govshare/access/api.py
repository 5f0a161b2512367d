"""API of requests for shared information and of grants (GZ-18, GZ-19, GZ-21, GZ-25, GD-11,
GD-20 – GD-22, GD-24). An API client acts for its agency: it submits the agency's requests and
uses the agency's grants, never another agency's (GZ-25)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from govshare.access import grant_service, queue_service, request_service
from govshare.access.rules import GrantStatus
from govshare.access.schemas import (
    ACTIONS,
    ActionCreate,
    ConsentCreate,
    ConsentRead,
    GrantRead,
    RequestCreate,
    RequestRead,
    RequestRowRead,
    RevokeCreate,
    grant_read,
    row_read,
)
from govshare.access.workflow import RequestStatus
from govshare.kit.actor import Actor
from govshare.kit.http import CurrentActor, DbSession, TransactionalRoute
from govshare.kit.pagination import PageRequest
from govshare.kit.schemas import PageRead

router = APIRouter(prefix="/api/v1/access", tags=["access 获取与授权"], route_class=TransactionalRoute)

Queue = Literal["mine", "inbox", "coordination", "government", "all"]
Side = Literal["held", "given", "all"]


def _request_read(db: Session, actor: Actor, request) -> RequestRead:
    grant = grant_service.grant_of_request(db, actor, request.id)
    row = queue_service.request_row(db, actor, request)
    return row_read(row, RequestRead, grant_id=grant.id if grant else None,
                    grant=grant_read(grant) if grant else None)


# --- requests --------------------------------------------------------------------------------

@router.post("/requests", response_model=RequestRead, status_code=201)
def submit_request(body: RequestCreate, db: DbSession, actor: CurrentActor):
    """Submit a request of the caller's agency: unconditional ones come back granted, with the grant."""
    return _request_read(db, actor, request_service.submit_request(db, actor, body.draft()))


@router.get("/requests", response_model=PageRead[RequestRowRead])
def list_requests(
        db: DbSession, actor: CurrentActor,
        queue: Queue = Query("mine", description="mine（本机关提出的）、inbox（待本机关决定的）、"
                                                 "coordination（待信息化主管部门办理）、government"
                                                 "（待政府决定）、all（全部） Which queue"),
        status: RequestStatus | None = Query(None, description="只列出该状态 Only this status"),
        limit: int = Query(50, description="每页条数（1–200） Page size"),
        offset: int = Query(0, description="跳过的条数 Rows skipped")):
    """A queue of requests with working days left; open queues most urgent first."""
    page = queue_service.list_requests(db, actor, queue, PageRequest(limit, offset),
                                       status=status.value if status else None)
    return PageRead[RequestRowRead](items=[row_read(r) for r in page.items], total=page.total,
                                    limit=page.limit, offset=page.offset)


@router.get("/requests/{request_id}", response_model=RequestRead)
def get_request(request_id: int, db: DbSession, actor: CurrentActor):
    """One request with its steps, its deadline and the grant it issued, if any."""
    return _request_read(db, actor, request_service.get_request(db, actor, request_id))


@router.post("/requests/{request_id}/actions/{action}", response_model=RequestRead)
def act_on_request(request_id: int, db: DbSession, actor: CurrentActor,
                   action: str = Path(description=f"操作 Action: {ACTIONS}"),
                   body: ActionCreate | None = None):
    """Take a step on a request (decide, dispute, coordinate, refer, supply, withdraw)."""
    inputs = body.inputs() if body else {}
    request = request_service.act_on_request(db, actor, request_id, action, inputs)
    return _request_read(db, actor, request)


# --- grants ----------------------------------------------------------------------------------

@router.get("/grants", response_model=PageRead[GrantRead])
def list_grants(
        db: DbSession, actor: CurrentActor,
        side: Side = Query("held", description="held（本机关获得的）、given（本机关授予的）、all（全部） "
                                               "Grants held, given, or all"),
        status: GrantStatus | None = Query(None, description="只列出该状态 Only this status"),
        limit: int = Query(50, description="每页条数（1–200） Page size"),
        offset: int = Query(0, description="跳过的条数 Rows skipped")):
    """The grants the caller's agency holds or has given, newest first. `all`: every grant for the
    city IT authority and oversight; for a district IT authority, those whose grantee or provider
    is an agency of its division (GZ-21)."""
    page = grant_service.list_grants(db, actor, PageRequest(limit, offset), side=side,
                                     status=status.value if status else None)
    return PageRead[GrantRead](items=[grant_read(g) for g in page.items], total=page.total,
                               limit=page.limit, offset=page.offset)


@router.get("/grants/usable", response_model=GrantRead)
def usable_grant(db: DbSession, actor: CurrentActor,
                 resource_code: str = Query(description="资源代码 Resource code")):
    """The grant in force that lets the caller's agency obtain this resource today; else 403."""
    return grant_read(grant_service.usable_grant(db, actor.agency_id, resource_code))


@router.get("/grants/{grant_id}", response_model=GrantRead)
def get_grant(grant_id: int, db: DbSession, actor: CurrentActor):
    """One grant: what, to whom, for what, until when, and whether it is in force. Another
    division's grant answers a district IT authority 404 (GZ-21)."""
    return grant_read(grant_service.get_grant(db, actor, grant_id))


@router.post("/grants/{grant_id}/revoke", response_model=GrantRead)
def revoke_grant(grant_id: int, body: RevokeCreate, db: DbSession, actor: CurrentActor):
    """Revoke a grant with written reasons; later queries under it are refused."""
    return grant_read(grant_service.revoke_grant(db, actor, grant_id, body.reasons))


@router.post("/grants/{grant_id}/consents", response_model=ConsentRead, status_code=201)
def record_consent(grant_id: int, body: ConsentCreate, db: DbSession, actor: CurrentActor):
    """The provider consents to passing the data on or publishing it (GZ-25)."""
    return grant_service.record_consent(db, actor, grant_id, body.kind, body.recipient,
                                        body.purpose)


@router.get("/grants/{grant_id}/consents", response_model=list[ConsentRead])
def consents_of(grant_id: int, db: DbSession, actor: CurrentActor):
    """The consents the provider gave on a grant."""
    return grant_service.consents_of(db, actor, grant_id)
