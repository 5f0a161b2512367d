"""Console pages of one request for shared information: the request form, built from the
published catalog entry (or, outside the catalog, naming the provider and what is wanted), and
the request page with its deadline, its history, its grant and the forms of the steps open to
the viewer. A refused form is shown again with the message next to its field; a step that
succeeds redirects (post/redirect/get), so reloading the page does not take it again."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from govshare.access import grant_service, policy, queue_service, request_service, rules, workflow
from govshare.access.models import AccessRequest
from govshare.access.web_request_form import (
    SETTLING,
    blank_request,
    draft_of,
    narrowing_defaults,
    placed,
    posted_request,
    step_inputs,
    step_values,
)
from govshare.access.web_shared import (
    FIXABLE,
    Posted,
    agency_names,
    division_names,
    errors_of,
    state_class,
)
from govshare.access.workflow import ACTION_LABELS, FIELD_LABELS, RequestStatus, Route
from govshare.catalog import published_labels, published_service
from govshare.catalog.terms import ShareType
from govshare.directory import service as directory_service
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import NotFound
from govshare.kit.http import DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render
from govshare.workdays import service as workdays

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

SUBMITTED = {
    RequestStatus.GRANTED: "目录内无条件共享的资源，已即时授权（GZ-19），可凭授权获取信息。",
    RequestStatus.SUBMITTED: "申请已提交提供机关，提供机关须在 15 个工作日内作出决定（GD-22）。",
    RequestStatus.REFUSED: "该资源在共享目录中为不予共享，申请已被拒绝，依据见办理记录。",
    RequestStatus.PENDING_REFERRAL: "目录外的申请已提交，由信息化主管部门报请政府决定（GZ-19）。",
}
STEP_LABELS = {"submit": "提交申请", **ACTION_LABELS}
INPUT_LABELS = {**FIELD_LABELS, "narrowing": "缩小的范围", "items": "授权的信息项",
                "valid_until": "有效期至", "row_scope": "数据范围"}
ROUTE_LABELS = {Route.UNCONDITIONAL: "无条件共享", Route.CONDITIONAL: "有条件共享",
                Route.NOT_SHARED: "不予共享", Route.OUTSIDE_CATALOG: "目录外"}


# --- the request form ---------------------------------------------------------------------

@router.get("/access/requests/new")
def new_request_form(request: Request, db: DbSession, actor: PageActor, resource_code: str = ""):
    policy.can_submit_request(actor)  # only an agency asks; others are told so before they type
    document = _document(db, actor, resource_code)
    return _form(request, db, actor, document, blank_request(document, clock.today()))


@router.post("/access/requests/new")
def submit_request(request: Request, db: DbSession, actor: PageActor, form: Posted):
    values = posted_request(form)
    document = _document(db, actor, values["resource_code"])
    try:
        filed = request_service.submit_request(db, actor, draft_of(values))
    except FIXABLE as exc:
        renames = {} if document else {"items": "items_text"}
        return _form(request, db, actor, document, values, errors_of(exc, renames), exc.status)
    return RedirectResponse(f"/access/requests/{filed.id}?notice=submitted", status_code=303)


def _document(db: Session, actor: Actor, resource_code: str) -> dict | None:
    if not resource_code.strip():
        return None
    return published_service.published_entry(db, actor, resource_code.strip()).document


def _form(request: Request, db: Session, actor: Actor, document: dict | None, values: dict,
          errors: dict | None = None, status: int = 200):
    today = clock.today()
    context: dict = {"values": values, "errors": errors or {}, "doc": document}
    if document:
        share_type = ShareType(document["share_type"])
        context |= {"labels": published_labels.entry_labels(document),
                    "items": [(i, published_labels.item_labels(i)) for i in document["items"]],
                    "share_type": share_type,
                    "max_days": (rules.max_validity_days(document, Route(share_type.value))
                                 if share_type is not ShareType.NOT_SHARED else 0),
                    "own": document["agency_id"] == actor.agency_id}
    else:
        agencies = agency_names(db, actor)
        context |= {"providers": [(k, v) for k, v in agencies.items() if k != actor.agency_id],
                    "max_days": rules.max_validity_days(None, Route.OUTSIDE_CATALOG)}
    context["decision_due"] = workdays.calendar(db).add_working_days(today, workflow.DECISION_DAYS)
    return render(request, "access/request_new.html", status_code=status, **context)


# --- one request --------------------------------------------------------------------------

@router.get("/access/requests/{request_id:int}")
def request_page(request: Request, request_id: int, db: DbSession, actor: PageActor,
                 notice: str = ""):
    return _request_page(request, db, actor, request_id, notice=notice)


@router.post("/access/requests/{request_id:int}/actions/{action}")
def act_on_request(request: Request, request_id: int, action: str, db: DbSession,
                   actor: PageActor, form: Posted):
    request_service.get_request(db, actor, request_id)  # another agency's: not found
    values = step_values(form)
    try:
        request_service.act_on_request(db, actor, request_id, action, step_inputs(action, values))
    except FIXABLE as exc:
        db.rollback()  # the page is shown again as it stood before the refused step
        return _request_page(request, db, actor, request_id, failed=action, values=values,
                             errors=placed(action, errors_of(exc)), status=exc.status)
    return RedirectResponse(f"/access/requests/{request_id}?notice={action}", status_code=303)


def _request_page(request: Request, db: Session, actor: Actor, request_id: int, *,
                  notice: str = "", failed: str = "", values: dict | None = None,
                  errors: dict | None = None, status: int = 200):
    req = request_service.get_request(db, actor, request_id)
    row = queue_service.request_row(db, actor, req)
    grant = grant_service.grant_of_request(db, actor, req.id)
    agencies = agency_names(db, actor)
    forms = {a: (values if a == failed else _defaults(a, req)) for a in row.actions}
    return render(request, "access/request_detail.html", status_code=status, req=req, row=row,
                  grant=grant, agencies=agencies, divisions=division_names(db, actor),
                  forms=forms, failed=failed, errors=errors or {}, notice=_notice(req, notice),
                  action_labels=ACTION_LABELS, step_labels=STEP_LABELS,
                  input_labels=INPUT_LABELS, status_labels=workflow.STATUS_LABELS,
                  route_label=ROUTE_LABELS[Route(req.route)], state_class=state_class,
                  settling=SETTLING, division_limit=_division_limit(db, actor, req),
                  grant_status=rules.GrantStatus, sensitive=_sensitive(db, actor, req))


def _defaults(action: str, req: AccessRequest) -> dict:
    base = {"whole_city": False, "share": "", "confirm": False, "items": []}
    return base | (narrowing_defaults(req) if action == "grant_narrower" else {})


def _notice(req: AccessRequest, notice: str) -> str | None:
    if notice == "submitted":
        return SUBMITTED.get(RequestStatus(req.steps[0].to_status)) if req.steps else None
    if notice in ACTION_LABELS:
        return f"已办理：{ACTION_LABELS[notice]}。当前状态：{RequestStatus(req.status).label}。"
    return None


def _division_limit(db: Session, actor: Actor, req: AccessRequest) -> str | None:
    """GZ-21: the division a grant on this request will be limited to unless the decision
    opens the whole city (a district agency asking a city agency)."""
    requester = directory_service.get_agency(db, actor, req.requester_agency_id)
    provider = directory_service.get_agency(db, actor, req.provider_agency_id)
    return rules.division_limit(requester.level, requester.division_code, provider.level, False)


def _sensitive(db: Session, actor: Actor, req: AccessRequest) -> dict[str, str]:
    """The items asked that are personal privacy or secrets, as the catalog entry marks them."""
    if not req.resource_code:
        return {}
    try:
        document = published_service.published_entry(db, actor, req.resource_code).document
    except NotFound:  # no longer in the catalog in force
        return {}
    labels = {i["name"]: published_labels.item_labels(i)["sensitivity"] for i in document["items"]}
    return {name: labels[name] for name in rules.sensitive_items(document, req.items)}
