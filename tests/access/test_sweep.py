"""The deadline sweep on both engines, with real dates: a conditional request submitted on Monday
28 September 2026 must be decided by Friday 23 October (15 working days across the National Day
holiday, GD-22); a government decision to share on Friday 30 October must be supplied by Friday
6 November (5 working days, GZ-19). Also the worker and the operator's command."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from govshare.access import request_service, sweep_service
from govshare.access.models import AccessRequest, Grant, Notice
from govshare.evidence import chain
from govshare.evidence.models import AuditEvent
from govshare.kit.actor import SYSTEM
from govshare.kit.errors import Forbidden
from govshare.workdays import service as workdays
from govshare.worker import Worker
from tests.access.helpers import HOUSEHOLD, LICENCE, actor, draft

SEPT_28 = date(2026, 9, 28)


def submit(db, name=HOUSEHOLD, today=SEPT_28, username="civil_clerk", **overrides) -> int:
    with db.session() as s:
        return request_service.submit_request(s, actor(s, username), draft(s, name, today, **overrides),
                                              today=today).id


def act(db, username, request_id, action, today, **inputs):
    with db.session() as s:
        request_service.act_on_request(s, actor(s, username), request_id, action, inputs, today=today)


def sweep(db, day: date) -> sweep_service.SweepReport:
    with db.session() as s:
        return sweep_service.sweep(s, SYSTEM, day)


def notices(db, agency: str, kind: str) -> list[Notice]:
    with db.session() as s:
        return list(s.scalars(select(Notice).where(Notice.agency_id == db.agency_id(agency),
                                                   Notice.kind == kind).order_by(Notice.id)))


def events(db, event_type: str) -> list[AuditEvent]:
    with db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.event_type == event_type)))


@pytest.mark.req("GD-22")
def test_the_provider_is_reminded_3_working_days_ahead_and_on_the_day(db):
    rid = submit(db)
    # Monday 19 October: the next 3 working days end on Thursday 22nd; the 23rd is not due yet.
    assert sweep(db, date(2026, 10, 19)).due_soon == 0
    report = sweep(db, date(2026, 10, 20))
    assert (report.horizon, report.due_soon, report.due_today) == (date(2026, 10, 23), 1, 0)
    [soon] = notices(db, "police", "due_soon")
    assert (soon.request_id, soon.due_date) == (rid, date(2026, 10, 23))
    assert "2026年10月23日" in soon.message and "还剩 3 个工作日" in soon.message
    assert "作出决定" in soon.message and "暂定" not in soon.message
    assert notices(db, "civil", "due_soon") == []  # the requester has nothing to do
    # Once per deadline: later sweeps before the day say nothing new.
    assert sweep(db, date(2026, 10, 20)).due_soon == 0
    assert sweep(db, date(2026, 10, 21)).due_soon == 0
    assert len(notices(db, "police", "due_soon")) == 1
    assert sweep(db, date(2026, 10, 23)).due_today == 1
    [today] = notices(db, "police", "due_today")
    assert "今天" in today.message and "最后一天" in today.message
    assert sweep(db, date(2026, 10, 23)).due_today == 0
    with db.session() as s:
        assert s.get(AccessRequest, rid).status == "submitted"


@pytest.mark.req("GD-22")
def test_an_undecided_request_is_escalated_to_coordination_once_overdue(db):
    rid = submit(db)
    assert sweep(db, date(2026, 10, 23)).escalated == 0  # the last day is still in time
    report = sweep(db, date(2026, 10, 26))  # Monday after the deadline
    assert (report.escalated, report.skipped) == (1, 0)
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        assert (req.status, req.since_date, req.due_date) == ("in_coordination", date(2026, 10, 26),
                                                             None)
        step = req.steps[-1]
        assert (step.action, step.actor_name, step.late) == ("escalate", SYSTEM.name, True)
    [event] = events(db, "OverdueRequestEscalated")
    assert event.actor_kind == "system" and f'"request_id":{rid}' in event.payload
    # Requester and provider are told by the step, the city IT authority by the sweep.
    assert [n.request_id for n in notices(db, "civil", "step_escalate")] == [rid]
    assert [n.request_id for n in notices(db, "police", "step_escalate")] == [rid]
    [it] = notices(db, "it", "overdue_escalated")
    assert it.due_date == date(2026, 10, 23) and "GD-22" in it.message
    # The request now waits on the IT authority: a second sweep does nothing more.
    assert sweep(db, date(2026, 10, 27)).escalated == 0
    assert len(events(db, "OverdueRequestEscalated")) == 1
    with db.session() as s:
        assert chain.verify(s).ok


def test_a_request_decided_in_time_is_neither_reminded_nor_escalated(db):
    rid = submit(db)
    act(db, "police_admin", rid, "grant", date(2026, 10, 19))
    report = sweep(db, date(2026, 10, 26))
    assert (report.due_soon, report.due_today, report.escalated) == (0, 0, 0)
    assert notices(db, "it", "overdue_escalated") == []


def outside_catalog_awaiting_supply(db) -> int:
    """A request outside the catalog, referred, and decided by the government on Fri 30 Oct."""
    with db.session() as s:
        d = replace(draft(s, LICENCE, SEPT_28), resource_code=None, resource_name="企业欠薪记录",
                    provider_agency_id=db.agency_id("market"), items=("统一社会信用代码", "欠薪金额"))
        rid = request_service.submit_request(s, actor(s, "civil_clerk"), d, today=SEPT_28).id
    act(db, "admin", rid, "refer_to_government", date(2026, 9, 29))
    act(db, "approver", rid, "decide_to_share", date(2026, 10, 30))
    return rid


@pytest.mark.req("GZ-19")
def test_a_provider_late_with_its_supply_is_recorded_in_breach_once(db):
    rid = outside_catalog_awaiting_supply(db)
    report = sweep(db, date(2026, 11, 3))  # 3 working days before Friday 6 November
    assert report.due_soon == 1
    [soon] = notices(db, "market", "due_soon")
    assert soon.due_date == date(2026, 11, 6) and "提供信息" in soon.message
    assert "GZ-19" in soon.message
    assert sweep(db, date(2026, 11, 6)).due_today == 1
    assert sweep(db, date(2026, 11, 6)).supply_breaches == 0
    report = sweep(db, date(2026, 11, 9))
    assert report.supply_breaches == 1
    [breach] = events(db, "SupplyBreachRecorded")
    assert breach.agency_id == db.agency_id("market")
    assert '"due_date":"2026-11-06"' in breach.payload and '"on_date":"2026-11-09"' in breach.payload
    for agency in ("market", "it"):
        [n] = notices(db, agency, "supply_overdue")
        assert (n.request_id, n.due_date) == (rid, date(2026, 11, 6))
    with db.session() as s:
        assert s.get(AccessRequest, rid).status == "awaiting_supply"  # still owed
    # Once per request and deadline, however often the sweep runs.
    assert sweep(db, date(2026, 11, 10)).supply_breaches == 0
    assert len(events(db, "SupplyBreachRecorded")) == 1
    with db.session() as s:
        assert chain.verify(s).ok


@pytest.mark.req("GD-22")
def test_a_provisional_deadline_is_recounted_once_the_year_is_declared(db):
    rid = submit(db, today=date(2026, 12, 21))
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        # 2027 is not known yet: Friday 1 January counts as a working day, provisionally.
        assert (req.due_date, req.due_provisional) == (date(2027, 1, 11), True)
    assert sweep(db, date(2026, 12, 22)).recomputed == 0
    with db.session() as s:
        admin = actor(s, "admin")
        workdays.set_day(s, admin, date(2027, 1, 1), False, "元旦")
        workdays.declare_year(s, admin, 2027)
    assert sweep(db, date(2026, 12, 23)).recomputed == 1
    with db.session() as s:
        req = s.get(AccessRequest, rid)
        assert (req.due_date, req.due_provisional) == (date(2027, 1, 12), False)
    [event] = events(db, "DeadlineRecomputed")
    assert '"due_date_before":"2027-01-11"' in event.payload and '"provisional":false' in event.payload
    assert sweep(db, date(2026, 12, 23)).recomputed == 0


def test_a_provisional_deadline_says_so_in_the_reminder(db):
    submit(db, today=date(2026, 12, 21))
    sweep(db, date(2027, 1, 6))  # Wed: Thu 7, Fri 8, Mon 11 are the next 3 working days
    [soon] = notices(db, "police", "due_soon")
    assert soon.due_date == date(2027, 1, 11) and "暂定" in soon.message


def test_grants_past_their_validity_expire(db):
    rid = submit(db, LICENCE, valid_until=SEPT_28 + timedelta(days=30))
    assert sweep(db, SEPT_28 + timedelta(days=30)).grants_expired == 0  # the last day still counts
    assert sweep(db, SEPT_28 + timedelta(days=31)).grants_expired == 1
    with db.session() as s:
        assert s.scalar(select(Grant.status).where(Grant.request_id == rid)) == "expired"


@pytest.mark.req("GD-34")
def test_the_sweep_reviews_the_agreements_whose_term_ended(db):
    from tests.access.test_agreements import agreement, file, pending_grant

    grant_id = pending_grant(db)
    file(db, agreement(db, valid_until=date(2026, 10, 31)))
    with db.session() as s:
        assert s.get(Grant, grant_id).status == "active"
    assert sweep(db, date(2026, 10, 31)).agreements_expired == 0  # its last day
    report = sweep(db, date(2026, 11, 2))
    assert (report.agreements_expired, report.grants_suspended) == (1, 1)
    with db.session() as s:
        assert s.get(Grant, grant_id).status == "pending_agreement"


def test_only_the_system_or_the_it_authority_runs_the_sweep(db):
    with db.session() as s, pytest.raises(Forbidden):
        sweep_service.sweep(s, actor(s, "police_admin"), SEPT_28)


def test_many_requests_due_the_same_day_get_one_notice_each(db):
    ids = [submit(db) for _ in range(5)]
    rid = submit(db, today=date(2026, 9, 29))  # due Monday 26 October
    report = sweep(db, date(2026, 10, 20))
    assert report.due_soon == 5
    assert sorted(n.request_id for n in notices(db, "police", "due_soon")) == ids
    report = sweep(db, date(2026, 10, 21))  # now the 26th is within 3 working days too
    assert report.due_soon == 1
    assert notices(db, "police", "due_soon")[-1].request_id == rid


# --- the worker and the operator's command ------------------------------------------------------

def test_the_worker_sweeps_at_start_and_again_when_the_date_changes(db):
    submit(db)
    days = iter([date(2026, 10, 20), date(2026, 10, 20), date(2026, 10, 23)])
    said: list[str] = []
    worker = Worker(db.sessions, today=lambda: next(days), report=said.append)
    worker.tick()
    worker.tick()  # same day: no second sweep
    worker.tick()
    sweeps = [line for line in said if "期限巡检" in line]
    assert [line[:10] for line in sweeps] == ["2026-10-20", "2026-10-23"]
    assert "即将到期提醒 1 条" in sweeps[0] and "今日到期提醒 1 条" in sweeps[1]


def test_the_loop_survives_a_failed_round_and_stops_when_told(db):
    calls = []

    def today():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away for a moment")
        return date(2026, 10, 20)

    worker = Worker(db.sessions, today=today, report=lambda line: None)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop, 0.02))
    thread.start()
    for _ in range(500):
        if worker.swept_on is not None:
            break
        time.sleep(0.01)
    stop.set()
    thread.join(5)
    assert not thread.is_alive() and worker.swept_on == date(2026, 10, 20)


def test_serve_with_worker_runs_the_loop_beside_the_server(db, monkeypatch):
    import uvicorn

    seen = {}

    def fake_run(*args, **kwargs):  # the server itself is not what this test is about
        seen["worker"] = [t for t in threading.enumerate() if t.name == "govshare-worker"]

    monkeypatch.setattr(uvicorn, "run", fake_run)
    result = run_cli(db, monkeypatch, "serve", "--with-worker")
    assert result.exit_code == 0, result.output
    [thread] = seen["worker"]
    thread.join(10)
    assert not thread.is_alive()  # stopped when the server returned
    assert run_cli(db, monkeypatch, "serve").exit_code == 0
    assert not [t for t in threading.enumerate() if t.name == "govshare-worker"]


def run_cli(db, monkeypatch, *args: str):
    from govshare.cli import app

    monkeypatch.setenv("GOVSHARE_DATABASE_URL", db.url)
    result = CliRunner().invoke(app, list(args))
    return result


def test_worker_once_sweeps_the_given_day_and_delivers(db, monkeypatch):
    rid = submit(db)
    result = run_cli(db, monkeypatch, "worker", "--once", "--date", "2026-10-26")
    assert result.exit_code == 0, result.output
    assert "逾期提请协调 1 件" in result.output and "待推送 0 条" in result.output
    with db.session() as s:
        assert s.get(AccessRequest, rid).status == "in_coordination"


def test_worker_date_needs_once(db, monkeypatch):
    result = run_cli(db, monkeypatch, "worker", "--date", "2026-10-26")
    assert result.exit_code == 2 and "--once" in result.output


def test_the_operator_sweeps_a_day_by_hand(db, monkeypatch):
    submit(db)
    result = run_cli(db, monkeypatch, "access", "sweep", "--date", "2026-10-20")
    assert result.exit_code == 0, result.output
    assert "即将到期提醒 1 条" in result.output
    with db.session() as s:
        assert s.scalar(select(func.count(Notice.id)).where(Notice.kind == "due_soon")) == 1
    bad = run_cli(db, monkeypatch, "access", "sweep", "--date", "20 October")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output
