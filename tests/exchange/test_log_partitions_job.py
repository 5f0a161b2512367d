"""The worker makes the query log's monthly partitions ahead, once a day (PostgreSQL; on SQLite
the log is a plain table and the job has nothing to do)."""

from __future__ import annotations

from datetime import date

from govshare import worker
from govshare.exchange import tasks
from tests.exchange.test_query_log import partitions


def test_the_job_is_registered_daily():
    [job] = [j for j in worker.JOBS if j.run is tasks.ensure_log_partitions]
    assert job.daily


def test_the_worker_makes_this_month_and_the_next_two_once_a_day(empty_db, engine_name):
    said: list[str] = []
    day = [date(2033, 3, 10)]
    w = worker.Worker(empty_db.sessions, today=lambda: day[0], report=said.append,
                      jobs=[j for j in worker.JOBS if j.run is tasks.ensure_log_partitions])
    w.run_jobs()
    w.run_jobs()  # the same day: not again
    day[0] = date(2033, 4, 1)
    w.run_jobs()  # the next month: one more (June)
    if engine_name == "sqlite":
        assert said == []
        return
    with empty_db.session() as s:
        made = set(partitions(s))
    assert {"exchange_query_log_2033_03", "exchange_query_log_2033_04", "exchange_query_log_2033_05",
            "exchange_query_log_2033_06"} <= made and "exchange_query_log_2033_07" not in made
    assert said == ["查询日志：新建 3 个月分区（2033-03 起 3 个月内）",
                    "查询日志：新建 1 个月分区（2033-04 起 3 个月内）"]
