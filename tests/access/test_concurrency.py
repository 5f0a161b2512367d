"""Two clerks of the provider decide the same request at the same moment, each in a thread and a
transaction of its own, on SQLite and PostgreSQL: exactly one decision is recorded (one step,
at most one grant, one audited decision) and the other is told the request was decided (409).

police_admin (机关管理员) and police_clerk (机关工作人员) may both take the provider's steps: the
workflow's provider party is any agency role of the providing agency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select, text

from govshare.access import request_service
from govshare.access.models import Grant, RequestStep
from govshare.evidence import chain
from govshare.evidence.models import AuditEvent
from govshare.kit.errors import Conflict
from tests.access import api_helpers
from tests.access.api_helpers import API
from tests.access.helpers import HOUSEHOLD, actor, draft

api_as = api_helpers.api_as  # fixture
DAY = date(2026, 10, 9)
ITEMS = ("公民身份号码", "姓名", "出生日期")
DECISIONS = ("grant", "refuse")
REFUSAL = {"reasons": "该职责无需户籍信息", "legal_basis": "《户口登记条例》"}


def _submit(db) -> int:
    with db.session() as s:
        return request_service.submit_request(
            s, actor(s, "civil_clerk"), draft(s, HOUSEHOLD, DAY, items=ITEMS), today=DAY).id


def _race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together by a barrier; each call's result or error."""
    barrier = threading.Barrier(len(calls), timeout=30)
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            results[i] = call(barrier)
        except Exception as exc:  # noqa: BLE001 - the loser's error is the result under test
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a decision never finished"
    return results


def _recorded(db, request_id: int) -> tuple[list[str], int, list[str]]:
    """The decision steps, the grants and the audited decisions of the request."""
    with db.session() as s:
        steps = list(s.scalars(select(RequestStep.action).where(
            RequestStep.request_id == request_id, RequestStep.action.in_(DECISIONS))))
        grants = s.scalar(select(func.count(Grant.id)).where(Grant.request_id == request_id))
        events = list(s.scalars(select(AuditEvent.event_type).where(
            AuditEvent.event_type.in_(["RequestGranted", "RequestRefused"]),
            AuditEvent.payload.contains(f'"request_id":{request_id},'))))
        assert chain.verify(s).ok
    return steps, grants, events


@pytest.mark.req("GD-22")
def test_two_clerks_deciding_at_once_in_the_services_record_one_decision(db, engine_name):
    with db.session() as s:
        clerks = {u: actor(s, u) for u in ("police_admin", "police_clerk")}

    def decide(username: str, action: str, request_id: int):
        def call(barrier: threading.Barrier):
            with db.session() as s:
                if engine_name == "postgresql":
                    # Both transactions have read the request, as a page does, before either
                    # decides. (On SQLite a writer's first statement takes the write lock, so
                    # there the two race for that lock instead.)
                    s.execute(text("SELECT status FROM access_request WHERE id = :id"),
                              {"id": request_id})
                barrier.wait()
                inputs = REFUSAL if action == "refuse" else {}
                return request_service.act_on_request(s, clerks[username], request_id, action,
                                                      inputs, today=DAY).status
        return call

    for _ in range(3):
        rid = _submit(db)
        results = _race(decide("police_admin", "grant", rid), decide("police_clerk", "refuse", rid))
        won = [r for r in results if isinstance(r, str)]
        lost = [r for r in results if isinstance(r, Exception)]
        assert len(won) == 1 and len(lost) == 1, results
        assert isinstance(lost[0], Conflict) and lost[0].status == 409
        assert lost[0].code == "request_state" and {"granted": "已授权", "refused": "已拒绝"}[
            won[0]] in lost[0].message
        steps, grants, events = _recorded(db, rid)
        assert len(steps) == 1 and len(events) == 1
        assert grants == (1 if won[0] == "granted" else 0)


@pytest.mark.req("GD-22")
def test_two_clerks_deciding_at_once_through_the_api_one_gets_409(db, api_as):
    rid = _submit(db)
    admin, clerk = api_as("police_admin"), api_as("police_clerk")

    def post(client, action: str, inputs: dict):
        def call(barrier: threading.Barrier):
            barrier.wait()
            return client.post(f"{API}/requests/{rid}/actions/{action}", json=inputs)
        return call

    results = _race(post(admin, "grant", {}), post(clerk, "refuse", REFUSAL))
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409).json()
    winner = next(r for r in results if r.status_code == 200).json()
    assert loser["code"] == "request_state" and winner["status_label"] in loser["detail"]
    steps, grants, events = _recorded(db, rid)
    assert len(steps) == 1 and len(events) == 1
    assert grants == (1 if winner["status"] == "granted" else 0)
