"""Helpers for the console's web tests: post a form as the page would, read what it shows."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import Db


def post_form(client: TestClient, url: str, data: dict | list | None = None, *,
              csrf: bool = True, follow: bool = False):
    """Post `data` (a dict, or a list of pairs for repeated fields) with the page's CSRF token."""
    pairs = list(data.items()) if isinstance(data, dict) else list(data or [])
    if csrf:
        pairs.append(("csrf_token", client.headers["X-CSRF-Token"]))
    body = "&".join(f"{_q(k)}={_q(str(v))}" for k, v in pairs)
    return client.post(url, content=body, follow_redirects=follow,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})


def _q(value: str) -> str:
    from urllib.parse import quote_plus
    return quote_plus(value)


def field_error(page: str, field: str) -> str | None:
    """The error message shown next to a form field, or None."""
    m = re.search(rf'id="{re.escape(field)}-error" role="alert">(.*?)</span>', page, re.S)
    return html.unescape(m.group(1)) if m else None


def input_value(page: str, name: str) -> str | None:
    m = re.search(rf'<input name="{re.escape(name)}" type="[^"]*" value="([^"]*)"', page)
    return html.unescape(m.group(1)) if m else None


def nav(page: str) -> str:
    m = re.search(r'<nav class="main-nav".*?</nav>', page, re.S)
    assert m, "page has no main navigation"
    return m.group(0)


def count(db: Db, model, *where) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))
