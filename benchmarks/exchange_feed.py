"""Change feed read speed (issue 5 part 6), on PostgreSQL: a consumer synchronising a hosted library
of N 户籍 records from the beginning through `feed_service.read_feed` in pages of 500 (grant,
purpose, masking, division, log line, commit per page), for a city grant (every record) and a
district grant (天河, a quarter of the records: pages end short), beside the baseline of the same
pages read as bare SELECTs of the same columns in the same process.

    .venv/bin/python benchmarks/exchange_feed.py [--records 50000]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta

from exchange_ingest import PRODUCED, subject
from scratch import databases
from sqlalchemy import select, text

from govshare.access import request_service
from govshare.access.request_service import RequestDraft
from govshare.catalog.models import Entry
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo.seed import seed
from govshare.directory import account_service
from govshare.directory.models import User
from govshare.exchange import feed_service, ingest_service

PAGE = 500
DISTRICTS = ("440103", "440104", "440105", "440106")


def csv(n: int) -> bytes:
    lines = ["公民身份号码,姓名,出生日期,户籍地址,户主关系,数据产生时间,数据所属区划"]
    for i in range(n):
        number = subject(i)
        lines.append(f"{number},测试{i % 997},{number[6:10]}-{number[10:12]}-{number[12:14]},"
                     f"广州市测试路{i}号,户主,{PRODUCED.isoformat()},{DISTRICTS[i % 4]}")
    return ("\n".join(lines) + "\n").encode()


def actor(session, username):
    return account_service.actor_for_user(session.scalar(select(User).where(User.username == username)))


def grant(sessions, username, code):
    today = date.today()
    items = ("公民身份号码", "姓名", "出生日期")
    with unit_of_work(sessions) as s:
        draft = RequestDraft(resource_code=code, items=items, duty="基准", purpose="基准", legal_basis="基准",
                             valid_from=today, valid_until=today + timedelta(days=30))
        rid = request_service.submit_request(s, actor(s, username), draft, today=today).id
    with unit_of_work(sessions) as s:
        request_service.act_on_request(s, actor(s, "police_admin"), rid, "grant", {}, today=today)


def sync(sessions, username, code) -> tuple[float, int, int]:
    cursor, changes, pages, started = "", 0, 0, time.perf_counter()
    while True:
        with unit_of_work(sessions) as s:
            page = feed_service.read_feed(s, actor(s, username), code, cursor, PAGE, "基准", "B-1")
        changes, pages, cursor = changes + len(page.changes), pages + 1, page.next_cursor
        if not page.more:
            return time.perf_counter() - started, changes, pages


def baseline(engine, pages: int) -> float:
    sql = text("SELECT id, subject, data, produced_at, valid_from, loaded_at, division_code "
               "FROM exchange_record WHERE library_id = 1 AND id > :after ORDER BY id LIMIT :n")
    started, after = time.perf_counter(), 0
    for _ in range(pages):
        with engine.begin() as conn:
            rows = conn.execute(sql, {"after": after, "n": PAGE}).all()
        after = rows[-1].id if rows else after
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=50_000)
    n = parser.parse_args().records
    print(f"load average {os.getloadavg()[0]:.1f}")
    for label, url in databases("postgresql", "feed"):
        migrate(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with unit_of_work(sessions) as s:
            seed(s)
        with unit_of_work(sessions) as s:
            code = s.scalar(select(Entry.resource_code).where(Entry.name == "户籍人口信息"))
            ingest_service.load_records(s, actor(s, "police_clerk"), code, csv(n), "csv")
        grant(sessions, "civil_clerk", code)
        grant(sessions, "tianhe_civil_clerk", code)
        for who, name in (("civil_clerk", "市级授权（全部记录）"),
                          ("tianhe_civil_clerk", "天河区授权（1/4）")):
            seconds, changes, pages = sync(sessions, who, code)
            base = baseline(engine, pages)
            print(f"{label} {name}：{changes:,} 条变更 / {pages} 页，{seconds:.2f} s = "
                  f"{changes / seconds:,.0f} 条/s，"
                  f"每页 {seconds / pages * 1000:.1f} ms；同页数裸 SELECT {base / pages * 1000:.1f} ms/页，"
                  f"比值 {seconds / base:.1f}")
        engine.dispose()
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
