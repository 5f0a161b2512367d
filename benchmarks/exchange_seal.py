"""Ingest of a licence resource with electronic seals against the same rows unsealed (GZ-23), on
PostgreSQL, in the same run: records per second and their ratio.

`ingest_service.load_records` of N records of 营业执照信息 (JSON), commit included, alternating:
unsealed (the seal step switched off in this process — `seal_service.needs_seal` answers False;
everything else is the same code path), then sealed with the market bureau's SM2 seal key. Every
load after the first writes new versions of the same subjects, so the pairs compare like with
like. Sealing is one record at a time: read back the load's rows, a salted SM3 digest per item, the
RFC 8785 document, one SM2 signature, one INSERT batch per 1,000 seals. Also printed: the pure
costs (seal documents and SM2 signatures per second, no database) to show where the time goes.

    .venv/bin/python benchmarks/exchange_seal.py [--records 20000] [--rounds 2]

A scratch database is created and dropped; other work on the machine slows every figure (the
load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from scratch import databases
from sqlalchemy import select

from govshare.catalog.models import Entry
from govshare.db import make_engine, make_sessionmaker, migrate, unit_of_work
from govshare.demo import generator
from govshare.demo.seed import seed
from govshare.directory.models import Agency
from govshare.evidence import seals, signing
from govshare.evidence.keystore import KeyStore, agency_key_name
from govshare.exchange import ingest_service, seal_service
from govshare.kit.actor import Actor, Role

console = Console()
PRODUCED = datetime.now(UTC) - timedelta(minutes=5)


def licences(n: int, round_no: int) -> bytes:
    enterprises = generator.enterprises(n)
    return json.dumps([{"统一社会信用代码": e.credit_code, "企业名称": e.name, "法定代表人": f"法人{i % 997}",
                        "成立日期": "2015-06-01", "登记状态": "存续" if round_no % 2 else "在业",
                        "住所": f"广州市天河区测试路{i}号", "_produced_at": PRODUCED.isoformat()}
                       for i, e in enumerate(enterprises)], ensure_ascii=False).encode("utf-8")


def _market(session) -> tuple[Actor, str]:
    agency = session.scalar(select(Agency).where(Agency.name == "广州市市场监督管理局"))
    code = session.scalar(select(Entry.resource_code).where(Entry.name == "营业执照信息"))
    return Actor(kind="user", id=None, name="基准测试（市场监管局）", agency_id=agency.id,
                 agency_level=agency.level, division_code=agency.division_code,
                 roles=frozenset({Role.AGENCY_STAFF})), code


def _load(sessions, keys: KeyStore, data: bytes, sealed: bool) -> tuple[float, float, int]:
    """(seconds for the whole load, seconds in the seal step, records sealed)."""
    spent = [0.0]
    original_needs, original_seal = seal_service.needs_seal, seal_service.seal_load

    def timed_seal(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original_seal(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    seal_service.seal_load = timed_seal
    if not sealed:
        seal_service.needs_seal = lambda doc: False
    try:
        started = time.perf_counter()
        with unit_of_work(sessions) as s:
            actor, code = _market(s)
            result = ingest_service.load_records(s, actor, code, data, "json", keys=keys)
        return time.perf_counter() - started, spent[0], result.sealed
    finally:
        seal_service.needs_seal, seal_service.seal_load = original_needs, original_seal


def _pure(signer: signing.Signer, n: int = 2000) -> tuple[float, float]:
    """Seal documents a second (digests + canonical JSON + signature), and bare signatures."""
    agency = seals.SealAgency(1, "广州市市场监督管理局", "11440100MB2C92051X")
    data = {"统一社会信用代码": "91440101MA59XXXX0X", "企业名称": "广州示例科技有限公司",
            "法定代表人": "王伟", "成立日期": "2015-06-01", "登记状态": "存续",
            "住所": "广州市天河区测试路1号"}
    started = time.perf_counter()
    for _ in range(n):
        seals.seal_record(signer, agency, "101001/000001", data["统一社会信用代码"], 1, PRODUCED,
                          PRODUCED, data, PRODUCED)
    documents = n / (time.perf_counter() - started)
    message = b"x" * 600
    started = time.perf_counter()
    for _ in range(n):
        signer.sign(message)
    return documents, n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    console.print(f"负载（1/5/15 分钟）：{os.getloadavg()}")
    for label, url in databases("postgresql", tag="seal"):
        migrate(url)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with unit_of_work(sessions) as s:
            seed(s)
        with tempfile.TemporaryDirectory() as folder:
            keys = KeyStore(Path(folder), passphrase="benchmark-passphrase-2026")
            with unit_of_work(sessions) as s:
                market, _ = _market(s)
                seal_service.sealer_for(s, market, keys, market.agency_id, "营业执照信息")
            signer = keys.signer(agency_key_name(market.agency_id))
            _run(label, sessions, keys, args.records, args.rounds)
            documents, signatures = _pure(signer)
            console.print(f"纯计算（无数据库）：印章文档 {documents:,.0f} 个/s，"
                          f"SM2 签名 {signatures:,.0f} 次/s")
        engine.dispose()
    console.print(f"负载（1/5/15 分钟）：{os.getloadavg()}")


def _run(label: str, sessions, keys: KeyStore, n: int, rounds: int) -> None:
    for round_no in range(rounds):
        data = licences(n, round_no)
        plain, _, _ = _load(sessions, keys, data, sealed=False)
        total, sealing, count = _load(sessions, keys, data, sealed=True)
        assert count == n, (count, n)
        console.print(f"{label} 第 {round_no + 1} 轮，{n:,} 条营业执照：不盖章 {n / plain:,.0f} 条/s；"
                      f"盖章 {n / total:,.0f} 条/s"
                      f"（其中盖章一步 {sealing:.2f} s = {n / sealing:,.0f} 条/s）；"
                      f"盖章/不盖章 = {plain / total:.3f}")


if __name__ == "__main__":
    main()
