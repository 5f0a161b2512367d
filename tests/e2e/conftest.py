"""Browser tests: the real application served by uvicorn in a background thread, against the
test's own database (the `db` fixture, so on SQLite and PostgreSQL), driven by Debian's Chromium
through Playwright. Never `playwright install`: the browser comes from the system."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect

from govshare.config import Settings
from govshare.demo import generator
from govshare.main import create_app

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def live_server(db, tmp_path) -> Iterator[str]:
    """The base URL of the application, served until the test ends; then the server thread is
    stopped and the engine disposed."""
    app = create_app(Settings(database_url=db.url, data_dir=tmp_path, secret_key="e2e-secret"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound here and handed over: no race for the port
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
        app.state.engine.dispose()
        assert not thread.is_alive(), "the server thread did not stop"


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the application server did not start", pytrace=False)
        time.sleep(0.05)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context (no cookies) on the live server, zh-CN."""
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 1280, "height": 900})
    # Two test workers share two cores with Chromium and the live server: a step (a sign-in is an
    # argon2 hash) can take seconds when both walk at once. Generous waits, no sleeps.
    context.set_default_timeout(30_000)
    expect.set_options(timeout=15_000)
    tab = context.new_page()
    tab.shot = lambda name: _screenshot(tab, request.node.name, name)
    yield tab
    context.close()


def _screenshot(tab, test_name: str, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', test_name)}-{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def log_in(tab, username: str, password: str = generator.DEMO_PASSWORD) -> None:
    tab.goto("/login")
    tab.locator('input[name="username"]').fill(username)
    tab.locator('input[name="password"]').fill(password)
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(re.compile(r".*/$"))
