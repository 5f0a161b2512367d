"""An interrupted load leaves the whole batch or nothing (GD-16): `govshare exchange load` is
started on a large file, killed with SIGKILL after it has written some chunks — uncommitted —
and nothing of that batch is visible afterwards, on SQLite and PostgreSQL; the library then
takes the next load as usual."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from govshare.evidence.models import AuditEvent
from govshare.exchange import ingest_service
from govshare.exchange.models import Library, Load, Record
from govshare.kit.identifiers import make_id_number
from tests.exchange.helpers import HOUSEHOLD, PRODUCED, actor, body, code_of, person

ROWS = 200_000  # several seconds of work: the kill lands well before the commit


def big_csv(path: Path) -> None:
    """ROWS persons born in 荔湾区 (440103) between 1990 and 2009, each number valid and unique."""
    lines = ["公民身份号码,姓名,出生日期,户籍地址,数据产生时间"]
    start = date(1990, 1, 1)
    for i in range(ROWS):
        born = start + timedelta(days=i % 7000)
        number = make_id_number(f"440103{born:%Y%m%d}{i // 7000:03d}")
        lines.append(f"{number},测试{i},{born},广州市荔湾区测试路{i}号,{PRODUCED}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def visible(db) -> tuple[int, int, int, int]:
    with db.session() as s:
        loaded = select(func.count()).where(AuditEvent.event_type == "ResourceRecordsLoaded")
        return (s.scalar(select(func.count()).select_from(Record)),
                s.scalar(select(func.count()).select_from(Load)),
                s.scalar(select(func.count()).select_from(Library)), s.scalar(loaded))


@pytest.mark.req("GD-16")
def test_a_load_killed_mid_way_leaves_nothing(db, tmp_path):
    with db.session() as s:
        code = code_of(s, HOUSEHOLD)
    data = tmp_path / "户籍.csv"
    big_csv(data)
    env = {**os.environ, "GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path),
           "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    govshare = Path(sys.executable).with_name("govshare")
    proc = subprocess.Popen([str(govshare), "exchange", "load", str(data), "--resource", code,
                             "--agency", str(db.agency_id("police"))],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    seen, deadline = [], time.monotonic() + 120
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("已写入 ") and int(line.split()[1].split("/")[0]) >= 20_000:
                break
            assert time.monotonic() < deadline, "".join(seen)
        written = int(seen[-1].split()[1].split("/")[0])
        assert proc.poll() is None and written < ROWS, "".join(seen)  # alive, mid-way
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert visible(db) == (0, 0, 0, 0), f"{written} rows had been written before the kill"
    if db.engine_name == "sqlite":
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    with db.session() as s:  # the library's lock went with the killed transaction
        done = ingest_service.load_records(s, actor(s, "police_clerk"), code, body([person(0)]), "json")
    assert done.records == 1 and visible(db) == (1, 1, 1, 1)
