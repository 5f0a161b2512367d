"""Console pages of provider APIs (接口): 接口登记 — the provider's administrator sets where the
platform forwards queries of each of its 共享平台·接口 resources (address, header and secret,
timeout, the field of each catalog item), and a consumer asks through the platform (接口查询)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from govshare.exchange import endpoint_service, proxy
from govshare.exchange.endpoint_service import EndpointDraft
from govshare.kit.errors import DomainError, InvalidInput
from govshare.kit.http import CheckedForm, DbSession, PageActor, TransactionalRoute
from govshare.kit.pages import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@router.get("/exchange/endpoints")
def endpoints_page(request: Request, db: DbSession, actor: PageActor, saved: str = ""):
    """The agency's 共享平台·接口 resources and whether each has its endpoint registered."""
    entries, registered = endpoint_service.own_api_resources(db, actor)
    return render(request, "exchange/endpoints.html", entries=entries, registered=registered, saved=saved)


def _settings_page(request, db, actor, code: str, status: int = 200, **context: Any):
    entry = endpoint_service.api_entry(db, actor, code)
    endpoint = endpoint_service.endpoint_of(db, actor, code)
    values = context.pop("values", None) or ({
        "base_url": endpoint.base_url, "subject_param": endpoint.subject_param,
        "auth_header": endpoint.auth_header, "timeout_seconds": f"{endpoint.timeout_seconds:g}",
        "division_field": endpoint.division_field, "fields": dict(endpoint.fields),
    } if endpoint else {"timeout_seconds": "5", "subject_param": "id", "fields": {}})
    return render(request, "exchange/endpoints_edit.html", status_code=status, entry=entry,
                  endpoint=endpoint, values=values, **{"errors": {}, "error": None, **context})


@router.get("/exchange/endpoints/{resource_code:path}/edit")
def settings_page(request: Request, db: DbSession, actor: PageActor, resource_code: str):
    """The endpoint settings of one resource (its provider only)."""
    return _settings_page(request, db, actor, resource_code)


@router.post("/exchange/endpoints/{resource_code:path}/edit")
def save_settings(request: Request, db: DbSession, actor: PageActor, resource_code: str, form: CheckedForm):
    """Save the settings; the secret is kept unless a new one is typed."""
    entry = endpoint_service.api_entry(db, actor, resource_code)
    values = {k: str(form.get(k, "")).strip() for k in
              ("base_url", "subject_param", "auth_header", "timeout_seconds", "division_field")}
    values["fields"] = {i["name"]: str(form.get(f"field.{i['name']}", "")).strip() for i in entry.items}
    secret = str(form.get("secret", ""))
    try:
        try:
            timeout = float(values["timeout_seconds"] or "5")
        except ValueError:
            raise InvalidInput("超时须为秒数，如 5 或 0.5", field="timeout_seconds", rule="number") from None
        endpoint_service.register_endpoint(db, actor, resource_code, EndpointDraft(
            values["base_url"], values["subject_param"], values["fields"], values["auth_header"],
            secret if secret else None, timeout, values["division_field"]))
    except DomainError as exc:
        db.rollback()
        return _settings_page(request, db, actor, resource_code, status=exc.status, values=values,
                              errors={(exc.field or "form"): exc.message}, error=exc)
    return RedirectResponse(f"/exchange/endpoints?saved={resource_code}", status_code=303)


@router.get("/exchange/api-query")
def api_query_page(request: Request, db: DbSession, actor: PageActor, resource: str = ""):
    """The consumer's form: ask a 共享平台·接口 resource through the platform."""
    return render(request, "exchange/endpoints_query.html", values={"resource_code": resource},
                  errors={}, error=None, answer=None)


@router.post("/exchange/api-query")
def run_api_query(request: Request, db: DbSession, actor: PageActor, form: CheckedForm):
    """Forward the query and show what the grant allows; a provider failure is shown naming it."""
    values = {k: str(form.get(k, "")).strip() for k in ("resource_code", "subjects", "duty", "case_number")}
    subjects = [s for s in re.split(r"[\s,，、;；]+", values["subjects"]) if s]
    try:
        answer = proxy.forward_query(db, actor, values["resource_code"], subjects, values["duty"],
                                     values["case_number"])
    except DomainError as exc:
        db.rollback()
        return render(request, "exchange/endpoints_query.html", status_code=exc.status, values=values,
                      errors={(exc.field or "form").split(".")[0]: exc.message}, error=exc, answer=None)
    return render(request, "exchange/endpoints_query.html", values=values, errors={}, error=None,
                  answer=answer)
