"""Console pages of access (获取与授权): the lists people work from — the requester's requests, the
provider's inbox sorted by deadline, the IT authority's coordination queue and the government's
decision queue — each row with its state and working days left. The request form and the request
page are in web_requests.py, grants in web_grants.py; both are served through this router."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from govshare.access import queue_service, web_grants, web_requests
from govshare.access.web_shared import PAGE_SIZE, agency_names, page_request, state_class
from govshare.access.workflow import RequestStatus
from govshare.kit.actor import Actor
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
router.include_router(web_requests.router)
router.include_router(web_grants.router)

# queue: (page title, what the page is for, the list's own path)
QUEUES = {
    "mine": ("共享申请", "本机关向其他机关提出的共享申请，新提出的在前。", "/access/requests"),
    "inbox": ("待我决定", "其他机关向本机关提出的共享申请，按决定期限排列，最紧急的在前；"
              "提供机关须在收到申请之日起 15 个工作日内作出决定（GD-22）。", "/access/inbox"),
    "coordination": ("协调与报批", "逾期未决定或有异议的申请由信息化主管部门协调，"
                     "仍有异议的记录领导小组决定；目录外的申请由信息化主管部门报请政府决定。",
                     "/access/coordination"),
    "government": ("政府决定", "信息化主管部门报请决定的目录外共享申请。决定共享的，提供机关须在决定之日起 "
                   "5 个工作日内提供（GZ-19）。", "/access/government"),
}


@router.get("/access/requests")
def my_requests(request: Request, db: DbSession, actor: PageActor, status: str = "", page: int = 1):
    return _queue_page(request, db, actor, "mine", status, page)


@router.get("/access/inbox")
def inbox(request: Request, db: DbSession, actor: PageActor, status: str = "", page: int = 1):
    return _queue_page(request, db, actor, "inbox", status, page)


@router.get("/access/coordination")
def coordination_queue(request: Request, db: DbSession, actor: PageActor, status: str = "",
                       page: int = 1):
    return _queue_page(request, db, actor, "coordination", status, page)


@router.get("/access/government")
def government_queue(request: Request, db: DbSession, actor: PageActor, status: str = "",
                     page: int = 1):
    return _queue_page(request, db, actor, "government", status, page)


def _queue_page(request: Request, db: Session, actor: Actor, queue: str, status: str, page: int):
    status = status if status in RequestStatus._value2member_map_ else ""
    found = queue_service.list_requests(db, actor, queue, page_request(page), status=status or None)
    title, intro, path = QUEUES[queue]
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "access/queue.html", queue=queue, title=title, intro=intro, path=path,
                  rows=found.items, total=found.total, page=max(page, 1), pages=pages,
                  status=status, statuses=list(RequestStatus), agencies=agency_names(db, actor),
                  state_class=state_class)
