"""The worker's periodic jobs: each runs on its own period or once a date, a failing job is logged
and the others still run, and `govshare worker --once` runs every job once."""

from __future__ import annotations

from datetime import date

from govshare.worker import Job, Worker


def test_jobs_run_on_their_period_and_daily_jobs_once_a_date(empty_db):
    ran: list[tuple[str, date]] = []
    day = [date(2027, 1, 4)]
    jobs = [Job("often", lambda s, st, d: ran.append(("often", d)), every=0.0),
            Job("rarely", lambda s, st, d: ran.append(("rarely", d)), every=3600.0),
            Job("daily", lambda s, st, d: ran.append(("daily", d)), daily=True)]
    worker = Worker(empty_db.sessions, today=lambda: day[0], report=lambda line: None, jobs=jobs)
    worker.run_jobs()
    worker.run_jobs()
    day[0] = date(2027, 1, 5)
    worker.run_jobs()
    assert [name for name, _ in ran] == ["often", "rarely", "daily", "often", "often", "daily"]
    assert ran[-1] == ("daily", date(2027, 1, 5))


def test_a_failing_job_is_logged_and_the_others_still_run(empty_db, caplog):
    said: list[str] = []

    def broken(sessions, settings, today):
        raise RuntimeError("the TSA went away")

    jobs = [Job("broken", broken), Job("fine", lambda s, st, d: "做了一件事")]
    worker = Worker(empty_db.sessions, today=lambda: date(2027, 1, 4), report=said.append, jobs=jobs)
    worker.run_jobs()
    assert said == ["做了一件事"]
    assert "job broken failed" in caplog.text


def test_force_runs_every_job_with_the_date_given(empty_db):
    seen: list[date] = []
    jobs = [Job("daily", lambda s, st, d: seen.append(d), daily=True),
            Job("rarely", lambda s, st, d: seen.append(d), every=3600.0)]
    worker = Worker(empty_db.sessions, today=lambda: date(2027, 1, 4), report=lambda line: None,
                    jobs=jobs)
    worker.run_jobs()
    worker.run_jobs(force=True, on=date(2027, 3, 1))
    assert seen == [date(2027, 1, 4), date(2027, 1, 4), date(2027, 3, 1), date(2027, 3, 1)]
