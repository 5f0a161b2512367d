"""Shared by the archive-transfer tests: records of 2025 loaded at chosen moments (China time),
the platform's signing key in a folder of the test's own, and the server's date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from govshare.evidence.keystore import PASSPHRASE_ENV, PLATFORM, KeyStore
from govshare.exchange import ingest_service
from govshare.exchange.models import Record
from govshare.kit import clock
from govshare.kit.clock import CHINA
from tests.exchange.helpers import actor, body, code_of, enterprise, person

PASSPHRASE = "广州政务-共享平台-2026"
LICENCE = "营业执照信息"  # 市场监管局, resource kind 证照
BUSINESS = "户籍人口信息"  # 公安局, resource kind 其他业务信息


def moment(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def load_at(db, monkeypatch, at: datetime, name: str, records: list[dict], username: str,
            keys: KeyStore) -> list[int]:
    """Load `records` as if the platform's clock said `at`; the stored record ids. (Licences are
    sealed on the way in, GZ-23, with the agency's key from `keys`.)"""
    produced = at.isoformat(timespec="seconds")
    with monkeypatch.context() as patch, db.session() as s:
        patch.setattr(ingest_service, "now", lambda: at)
        code = code_of(s, name)
        result = ingest_service.load_records(s, actor(s, username), code,
                                             body([{**r, "_produced_at": produced} for r in records]), "json",
                                             keys=keys)
        return list(s.scalars(select(Record.id).where(Record.load_id == result.load_id).order_by(Record.id)))


def licences(db, monkeypatch, keys: KeyStore, at: datetime, first: int, count: int) -> list[int]:
    return load_at(db, monkeypatch, at, LICENCE, [enterprise(i) for i in range(first, first + count)],
                   "market_clerk", keys)


def households(db, monkeypatch, keys: KeyStore, at: datetime, count: int) -> list[int]:
    return load_at(db, monkeypatch, at, BUSINESS, [person(i) for i in range(count)], "police_clerk", keys)


def platform_keys(tmp_path, monkeypatch=None) -> KeyStore:
    """The platform key under <tmp_path>/keys, where an app with data_dir=tmp_path looks."""
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.ensure(PLATFORM)
    if monkeypatch is not None:
        monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    return store


def today_is(monkeypatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)
