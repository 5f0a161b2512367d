"""Helpers for the working-day tests: a console user's client that can post forms."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_of


class Console:
    """A signed-in browser on the /workdays page: reads pages and posts the page's forms."""

    def __init__(self, client):
        self.client = client

    def page(self, **params):
        return self.client.get("/workdays", params=params)

    def post(self, action: str, **fields):
        token = csrf_of(self.page().text)
        return self.client.post(action, data={"csrf_token": token, **fields},
                                follow_redirects=False)


@pytest.fixture
def console_as(signed_in):
    """A factory: the working-day console as one of the demo users."""
    return lambda username: Console(signed_in(username))
