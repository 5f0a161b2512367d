"""Shared by the exchange tests: the demo catalog's hosted resources by name, actors of the demo
users, and records of the demo city's persons and enterprises."""

from __future__ import annotations

import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from govshare.catalog.models import Entry
from govshare.demo import generator
from govshare.directory import account_service
from govshare.directory.models import User
from govshare.evidence.keystore import KeyStore
from govshare.exchange.models import Record
from govshare.kit.clock import CHINA, now

HOUSEHOLD = "户籍人口信息"  # 公安局: 公民身份号码 key, within 3 days, 共享平台·库表
LICENCE = "营业执照信息"  # 市场监管局: 统一社会信用代码 key, licence → real time
MARRIAGE = "婚姻登记信息"  # 民政局: 共享平台·接口, not a hosted library
SEALED = "未成年人犯罪记录封存信息"  # 公安局: 库表 but not shared
# Ten minutes before the tests start, in Guangzhou: on time for every deadline class.
PRODUCED = (now() - timedelta(minutes=10)).astimezone(CHINA).isoformat(timespec="seconds")
# Licences and documents are sealed as they load (GZ-23): one key store for the tests that load
# them by the way; the seal tests make their own. Few KDF rounds: the tests do not measure PBKDF2.
PASSPHRASE = "广州政务-共享平台-2026"
SEAL_KEYS = KeyStore(Path(tempfile.mkdtemp(prefix="govshare-test-keys-")), passphrase=PASSPHRASE,
                     kdf_rounds=1000)
PERSONS = generator.persons(40)
ENTERPRISES = generator.enterprises(10)


def actor(session, username: str):
    return account_service.actor_for_user(
        session.scalar(select(User).where(User.username == username)))


def code_of(session, name: str) -> str:
    return session.scalar(select(Entry.resource_code).where(Entry.name == name))


def person(i: int, **extra) -> dict:
    p = PERSONS[i]
    rec = {"公民身份号码": p.id_number, "姓名": p.name, "出生日期": p.birth_date.isoformat(),
           "户籍地址": f"广州市天河区天河路{i + 1}号", "户主关系": "户主", "_produced_at": PRODUCED}
    rec.update(extra)
    return {k: v for k, v in rec.items() if v is not None}


def enterprise(i: int, **extra) -> dict:
    e = ENTERPRISES[i]
    rec = {"统一社会信用代码": e.credit_code, "企业名称": e.name, "法定代表人": "王伟",
           "成立日期": (date(2010, 1, 1) + timedelta(days=i)).isoformat(), "登记状态": "存续",
           "住所": "广州市越秀区", "_produced_at": PRODUCED}
    rec.update(extra)
    return rec


def body(records) -> bytes:
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


def ndjson(records) -> bytes:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode("utf-8")


def record_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Record))
