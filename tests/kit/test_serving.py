"""The serving helpers: request metrics as a plain ASGI middleware (an unhandled error is still
counted, as a 500, under its route's template), and the built app frozen out of the garbage
collector's walks once the server starts, young collections made rarer (not before: a client
without the lifespan freezes nothing)."""

from __future__ import annotations

import gc
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from govshare.kit import serving
from tests.conftest import make_client


def _app() -> tuple[FastAPI, CollectorRegistry]:
    registry = CollectorRegistry()
    app = FastAPI()
    app.add_middleware(serving.RequestMetrics,
                       requests=Counter("t_requests_total", "r", ["method", "route", "status"],
                                        registry=registry),
                       latency=Histogram("t_seconds", "l", ["method", "route"], registry=registry))

    @app.get("/items/{item_id}")
    def item(item_id: int):
        if item_id == 13:
            raise RuntimeError("unlucky")
        return {"id": item_id}

    return app, registry


def test_requests_are_counted_by_route_template_and_status_errors_included():
    app, registry = _app()
    client = TestClient(app, raise_server_exceptions=False)
    assert [client.get(f"/items/{i}").status_code for i in (1, 2, 13)] == [200, 200, 500]
    assert client.get("/nowhere").status_code == 404
    text = generate_latest(registry).decode()
    samples = dict(re.findall(r"^(t_requests_total\{.*\}) (\S+)$", text, re.M))
    assert samples == {'t_requests_total{method="GET",route="/items/{item_id}",status="200"}': "2.0",
                       't_requests_total{method="GET",route="/items/{item_id}",status="500"}': "1.0",
                       't_requests_total{method="GET",route="unmatched",status="404"}': "1.0"}
    assert re.search(r'^t_seconds_count\{method="GET",route="/items/\{item_id\}"\} 3\.0$', text, re.M)


@pytest.fixture
def unfrozen(monkeypatch):
    monkeypatch.setattr(serving, "_frozen", False)
    gc.unfreeze()
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()  # give this test process's objects back to the collector
    gc.set_threshold(*thresholds)


def test_the_app_is_frozen_out_of_the_collectors_walks_when_the_server_starts(db, tmp_path, unfrozen):
    client = make_client(db, tmp_path)
    assert client.get("/healthz").status_code == 200 and gc.get_freeze_count() == 0  # no lifespan
    with client:  # the lifespan: what uvicorn runs at start-up
        frozen = gc.get_freeze_count()
        assert frozen > 10_000 and client.get("/healthz").status_code == 200
        assert gc.get_threshold()[0] >= serving.YOUNG_THRESHOLD
    with client:
        assert gc.get_freeze_count() <= frozen  # once per process: nothing more frozen (freed ones leave)
    client.app.state.engine.dispose()
