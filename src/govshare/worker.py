"""The background worker (`govshare worker`, or in-process with `govshare serve --with-worker`):
the deadline sweep once when it starts and again whenever the date changes in China, and the
outbox delivered every few seconds. Each sweep is one transaction as the system actor; a failed
round is logged and tried again on the next tick, the loop never dies of it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from govshare.access import sweep_service
from govshare.access.sweep_service import SweepReport
from govshare.config import Settings
from govshare.db import unit_of_work
from govshare.kit import clock, outbox
from govshare.kit.actor import SYSTEM
from govshare.kit.cli import sessions
from govshare.kit.outbox import DeliveryReport

log = logging.getLogger("govshare.worker")

DELIVERY_INTERVAL = 5.0  # seconds between outbox rounds


class Worker:
    def __init__(self, session_factory: sessionmaker[Session], *,
                 today: Callable[[], date] = clock.today,
                 report: Callable[[str], None] = log.info):
        self.sessions = session_factory
        self.today = today
        self.report = report
        self.swept_on: date | None = None

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

    def tick(self) -> None:
        """One round: sweep if the date changed since the last sweep, then deliver."""
        today = self.today()
        if today != self.swept_on:
            self.sweep(today)
        self.deliver()

    def run(self, stop: threading.Event, interval: float = DELIVERY_INTERVAL) -> None:
        """Tick every `interval` seconds until `stop` is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - log, and try again on the next tick
                log.exception("worker round failed; trying again in %.0f s", interval)
            stop.wait(interval)


def start_in_background(settings: Settings, interval: float = DELIVERY_INTERVAL) -> threading.Event:
    """Run the worker in a daemon thread of this process; set the returned event to stop it."""
    stop = threading.Event()
    worker = Worker(sessions(settings))
    thread = threading.Thread(target=worker.run, args=(stop, interval), name="govshare-worker",
                              daemon=True)
    thread.start()
    return stop


def main(settings: Settings, *, once: bool = False, on: date | None = None,
         interval: float = DELIVERY_INTERVAL, say: Callable[[str], None] = print) -> None:
    """`govshare worker`: one sweep and one delivery with `once`, else the loop until Ctrl-C."""
    worker = Worker(sessions(settings), report=say)
    if once:
        worker.sweep(on)
        sent = worker.deliver()
        with unit_of_work(worker.sessions) as session:
            left = outbox.pending(session)
        say(f"{sent.summary}；待推送 {left} 条")
        return
    say(f"后台任务已启动：每天（北京时间）巡检期限，每 {interval:g} 秒推送提醒；按 Ctrl-C 停止")
    stop = threading.Event()
    try:
        worker.run(stop, interval)
    except KeyboardInterrupt:
        stop.set()
        say("后台任务已停止")
