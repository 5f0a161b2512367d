"""The background worker (`govshare worker`, or in-process with `govshare serve --with-worker`):
the deadline sweep once when it starts and again whenever the date changes in China, the outbox
delivered every few seconds, and the periodic jobs of the domains (`JOBS`). Each round of a job is
its own transaction; a failed round is logged and tried again on the next tick, the loop never
dies of it, and one failing job does not stop the others."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from govshare.access import sweep_service
from govshare.access.sweep_service import SweepReport
from govshare.config import Settings, get_settings
from govshare.db import unit_of_work
from govshare.evidence import tasks as evidence_tasks
from govshare.exchange import archive_tasks
from govshare.exchange import tasks as exchange_tasks
from govshare.kit import clock, outbox
from govshare.kit.actor import SYSTEM
from govshare.kit.cli import sessions
from govshare.kit.outbox import DeliveryReport

log = logging.getLogger("govshare.worker")

DELIVERY_INTERVAL = 5.0  # seconds between outbox rounds
TICK = 1.0  # seconds between rounds of the loop: the shortest period a job may ask for


@dataclass(frozen=True)
class Job:
    """A domain's periodic work. `run(sessions, settings, today)` does one round in transactions
    of its own and returns a line for the log, or None when it had nothing to do. `every` is
    seconds between rounds; `daily` runs it once per date instead (the first tick, then whenever
    the date changes in China)."""

    name: str
    run: Callable[[sessionmaker[Session], Settings, date], str | None]
    every: float = 0.0
    daily: bool = False


# The domains' jobs, in the order a tick runs them. Register one with a line here.
JOBS: list[Job] = [
    Job("exchange.archive_watch", archive_tasks.run, daily=True),  # GZ-15: 30 June transfer
    Job("exchange.feed_push", exchange_tasks.push_subscriptions, every=exchange_tasks.PUSH_EVERY),
    Job("exchange.query_log_partitions", exchange_tasks.ensure_log_partitions, daily=True),
    Job("evidence.snapshots", evidence_tasks.seal_snapshots, every=1.0),
]


class Worker:
    def __init__(self, session_factory: sessionmaker[Session], *,
                 today: Callable[[], date] = clock.today,
                 report: Callable[[str], None] = log.info,
                 settings: Settings | None = None,
                 jobs: list[Job] | None = None,
                 delivery_interval: float = DELIVERY_INTERVAL):
        self.sessions = session_factory
        self.today = today
        self.report = report
        self.settings = settings or get_settings()
        self.jobs = list(JOBS if jobs is None else jobs)
        self.delivery_interval = delivery_interval
        self.swept_on: date | None = None
        self._last_run: dict[str, float | date] = {}

    def sweep(self, on: date | None = None) -> SweepReport:
        on = on or self.today()
        with unit_of_work(self.sessions) as session:
            result = sweep_service.sweep(session, SYSTEM, on)
        self.swept_on = on
        self.report(result.summary)
        return result

    def deliver(self) -> DeliveryReport:
        result = outbox.deliver_due(self.sessions)
        if result.sent or result.failed or result.given_up:
            self.report(result.summary)
        return result

    def run_jobs(self, *, force: bool = False, on: date | None = None) -> None:
        """Run each job that is due (every job with `force`); a failing job is logged alone."""
        today = on or self.today()
        for job in self.jobs:
            if not force and not self._due(job, today):
                continue
            self._last_run[job.name] = today if job.daily else time.monotonic()
            try:
                line = job.run(self.sessions, self.settings, today)
            except Exception:  # noqa: BLE001 - one job's failure must not stop the others
                log.exception("job %s failed; trying again on its next round", job.name)
                continue
            if line:
                self.report(line)

    def _due(self, job: Job, today: date) -> bool:
        last = self._last_run.get(job.name)
        if job.daily:
            return last != today
        return last is None or time.monotonic() - float(last) >= job.every

    def tick(self) -> None:
        """One round: sweep if the date changed since the last sweep, the jobs that are due, then
        deliver the outbox if its interval has passed."""
        today = self.today()
        if today != self.swept_on:
            self.sweep(today)
        self.run_jobs(on=today)
        last = self._last_run.get("outbox")
        if last is None or time.monotonic() - float(last) >= self.delivery_interval:
            self._last_run["outbox"] = time.monotonic()
            self.deliver()

    def run(self, stop: threading.Event, interval: float = TICK) -> None:
        """Tick every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - log, and try again on the next tick
                log.exception("worker round failed; trying again in %.0f s", interval)
            stop.wait(interval)


def start_in_background(settings: Settings, interval: float = TICK) -> threading.Event:
    """Run the worker in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()
    worker = Worker(sessions(settings), settings=settings)
    thread = threading.Thread(target=worker.run, args=(stop, interval), name="govshare-worker",
                              daemon=True)
    thread.start()
    return stop


def main(settings: Settings, *, once: bool = False, on: date | None = None,
         interval: float = DELIVERY_INTERVAL, say: Callable[[str], None] = print) -> None:
    """`govshare worker`: one sweep, one round of every job and one delivery with `once`, else
    the loop until Ctrl-C."""
    worker = Worker(sessions(settings), report=say, settings=settings,
                    delivery_interval=interval)
    if once:
        worker.sweep(on)
        worker.run_jobs(force=True, on=on)
        sent = worker.deliver()
        with unit_of_work(worker.sessions) as session:
            left = outbox.pending(session)
        say(f"{sent.summary}；待推送 {left} 条")
        return
    say(f"后台任务已启动：每天（北京时间）巡检期限，每 {interval:g} 秒推送提醒，"
        f"另有 {len(worker.jobs)} 项定时任务；按 Ctrl-C 停止")
    stop = threading.Event()
    try:
        worker.run(stop)
    except KeyboardInterrupt:
        stop.set()
        say("后台任务已停止")
