"""How fast the archive package is written (GZ-15, GD-9): N synthetic licence records through
`archive_package.build` (RFC 8785 line, SM3, tar, signature), against a baseline in the same
process that writes the same records as plain `json.dumps` lines to a file. Prints records/s and
the ratio. Then M records carrying their provider's seal (GZ-23) with the agency's seal key in
the package: `verify` checks every seal against every value, against `verify` of M unsealed ones.
Usage: `python benchmarks/exchange_archive.py [N [M]]` (default 200,000 and 5,000)."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from govshare.evidence import seals, signing
from govshare.evidence.keystore import PublicKey
from govshare.exchange import archive_package, archive_seals

AGENCY = seals.SealAgency(5, "广州市市场监督管理局", "11440100MB2C92051X")


def records(n: int):
    for i in range(n):
        yield {"resource_code": "101002/000001", "resource_name": "营业执照信息", "resource_kind": "licence",
               "record_id": i + 1, "load_id": i // 5000 + 1, "subject": f"91440101MA5C{i:06d}",
               "produced_at": "2025-03-01T01:30:00+00:00", "valid_from": "2025-03-01T01:30:00+00:00",
               "loaded_at": "2025-03-01T02:00:00+00:00", "division_code": "440106",
               "data": {"企业名称": f"广州示例企业{i}有限公司", "法定代表人": "王伟",
                        "成立日期": "2010-01-01", "登记状态": "存续", "住所": "广州市越秀区"}}


def main(n: int) -> None:
    signer = signing.generate()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        started = time.perf_counter()
        with open(out / "baseline.ndjson", "w", encoding="utf-8") as f:
            for r in records(n):
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        baseline = time.perf_counter() - started
        started = time.perf_counter()
        header = {"year": 2025, "created_at": datetime.now(UTC).isoformat()}
        built = archive_package.build(out, "bench", header, records(n), [], signer)
        packed = time.perf_counter() - started
        started = time.perf_counter()
        report = archive_package.verify(built.path)
        checked = time.perf_counter() - started
    assert report.ok, report.problems
    print(f"records: {n:,}; package {built.path.name} verified: {report.ok}")
    print(f"baseline json.dumps lines: {n / baseline:,.0f} records/s ({baseline:.2f} s)")
    print(f"archive_package.build:     {n / packed:,.0f} records/s ({packed:.2f} s); "
          f"build / baseline time = {packed / baseline:.2f}")
    print(f"archive_package.verify:    {n / checked:,.0f} records/s ({checked:.2f} s)")


def sealed(n: int, key: signing.Signer):
    """The same records, each with a seal made as ingest makes it (one signature each)."""
    at = datetime(2025, 3, 1, 2, tzinfo=UTC)
    for r in records(n):
        seal = seals.seal_record(key, AGENCY, r["resource_code"], r["subject"], r["load_id"],
                                 datetime.fromisoformat(r["produced_at"]),
                                 datetime.fromisoformat(r["valid_from"]), r["data"], at)
        yield {**r, "seal": archive_seals.seal_line(seal)}


def verify_time(out: Path, name: str, lines: list[dict], signer, keys=()) -> float:
    header = {"year": 2025, "created_at": datetime.now(UTC).isoformat()}
    built = archive_package.build(out, name, header, lines, [], signer, seal_keys=lambda: keys)
    started = time.perf_counter()
    report = archive_package.verify(built.path)
    assert report.ok, report.problems
    return time.perf_counter() - started


def main_sealed(m: int) -> None:
    signer, key = signing.generate(), signing.generate()
    public = PublicKey("agency-5", key.key_id, key.algorithm, key.verifier.public_pem.decode("ascii"),
                       datetime(2025, 1, 1, tzinfo=UTC), None)
    lines = list(sealed(m, key))
    with tempfile.TemporaryDirectory() as folder:
        plain = verify_time(Path(folder), "plain", list(records(m)), signer)
        with_seals = verify_time(Path(folder), "sealed", lines, signer, [public])
    print(f"verify {m:,} unsealed records: {m / plain:,.0f} records/s; with every seal checked "
          f"({key.algorithm}): {m / with_seals:,.0f} records/s; ratio {with_seals / plain:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
    main_sealed(int(sys.argv[2]) if len(sys.argv) > 2 else 5_000)
