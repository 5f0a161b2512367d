"""Server-rendered pages (Jinja2, zh-CN). Every page gets the actor (for the role-dependent
navigation), the CSRF token for its forms, and filters that show dates the Chinese way."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from govshare.kit.actor import ROLE_LABELS, Role
from govshare.kit.clock import CHINA

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WEEKDAYS = "一二三四五六日"


def cn_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):  # ISO 8601 as evidence documents carry it
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(CHINA)
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{value.year}年{value.month}月{value.day}日（周{WEEKDAYS[value.weekday()]}）"


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES))
    templates.env.filters["cn_date"] = cn_date
    templates.env.filters["role_label"] = role_label
    templates.env.globals["Role"] = Role
    return templates


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    ctx = {"actor": getattr(request.state, "actor", None),
           "csrf_token": request.app.state.csrf_token(request),
           "platform_name": request.app.state.settings.platform_name, **context}
    return request.app.state.templates.TemplateResponse(request, template, ctx,
                                                        status_code=status_code)
