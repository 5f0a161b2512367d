"""Signed checkpoints of the audit chain (GZ-26, GD-31): every tree head commits to the chain's
head, so `govshare audit verify` checks the chain AND that each signed checkpoint still matches
it. An attacker with the database's rights alters, deletes, inserts or reorders rows — even
recomputing every hash after the change and the head — and the first position the signed
checkpoints can no longer vouch for is reported, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from govshare.cli import app
from govshare.evidence import chain, checkpoints, record
from govshare.evidence.keystore import KeyStore
from govshare.evidence.log_models import LogLeaf
from govshare.evidence.log_service import CHECKPOINT, issue_tree_head, leaf_data
from govshare.evidence.merkle import leaf_hash
from tests.evidence import test_tamper
from tests.evidence.conftest import Attacker, RecordInspected, actor, chain_rows, independent_hash
from tests.evidence.test_receipt_log import Attacker as LogAttacker

runner = CliRunner()
PASSPHRASE = "广州政务-共享平台-2026"


@pytest.fixture
def keys(tmp_path):
    store = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    store.create("platform")
    return store


def checkpoint(db, keys) -> None:
    with db.session() as s:
        issue_tree_head(s, keys.signer("platform"))


def report_of(db, keys) -> checkpoints.CheckpointReport:
    with db.session() as s:
        return checkpoints.verify(s, keys.public_keys("platform"), chain.verify(s))


def cli_verify(db, tmp_path):
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path)}
    return runner.invoke(app, ["audit", "verify"], env=env)


def record_events(db, n: int, note: str = "检查点之后") -> None:
    with db.session() as s:
        for k in range(n):
            record(s, RecordInspected(agency_id=7, note=f"{note}{k}"), actor())


@pytest.mark.req("GZ-26")
@pytest.mark.req("GD-31")
def test_an_untouched_chain_matches_every_signed_checkpoint(db, keys, tmp_path):
    checkpoint(db, keys)
    record_events(db, 3)
    checkpoint(db, keys)
    n = len(chain_rows(db))
    report = report_of(db, keys)
    assert (report.ok, report.checked, report.tree_heads, report.last_seq) == (True, 2, 2, n)
    result = cli_verify(db, tmp_path)
    assert result.exit_code == 0, result.output
    assert f"审计链完好：共 {n} 条记录" in result.output
    assert f"签名检查点完好：2 个检查点与审计链相符，最近一个在第 {n} 条" in result.output


# Each of the chain's tampering cases: the checkpoint signed over the whole chain no longer
# matches, and the first bad position is the one the chain names. A row appended after the
# last checkpoint is the chain check's alone (the checkpoint still holds: it never covered it).
CAUGHT = [t for t in test_tamper.TAMPERING if t is not test_tamper.append_forged_row]


@pytest.mark.req("GZ-26")
@pytest.mark.req("GD-31")
@pytest.mark.parametrize("tamper", CAUGHT, ids=lambda f: f.__name__)
def test_tampering_with_signed_rows_breaks_the_checkpoint_at_the_first_bad_position(db, keys, tmp_path,
                                                                                   tamper):
    checkpoint(db, keys)
    rows = chain_rows(db)
    position, _problem = tamper(db, rows)

    report = report_of(db, keys)
    assert (report.ok, report.problem, report.position, report.checkpoint_seq) == (
        False, "chain", position, len(rows)), report
    result = cli_verify(db, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"签名检查点校验未通过：审计链与已签名的检查点不符。第 {position} 条起" in result.output


@pytest.mark.req("GD-31")
def test_a_row_appended_after_the_last_checkpoint_is_left_to_the_chain_check(db, keys, tmp_path):
    checkpoint(db, keys)
    rows = chain_rows(db)
    test_tamper.append_forged_row(db, rows)
    assert report_of(db, keys).ok
    result = cli_verify(db, tmp_path)
    assert result.exit_code == 1 and f"第 {len(rows) + 1} 条被插入" in result.output


def rewrite_from(db, first: int) -> None:
    """The strong attack: rows from `first` on get a new payload, every hash after them is
    recomputed and the chain head moved along — the chain itself verifies afterwards."""
    attacker = Attacker(db)
    rows = chain_rows(db)
    prev = rows[first - 2].hash
    for row in rows[first - 1:]:
        row.payload = row.payload.replace("检查点之后", "改写之后")
        row.prev_hash, row.hash = prev, independent_hash(prev, row)
        attacker.sql("UPDATE evidence_audit_event SET payload = :p, prev_hash = :ph, hash = :h "
                     "WHERE seq = :s", p=row.payload, ph=row.prev_hash, h=row.hash, s=row.seq)
        prev = row.hash
    attacker.sql("UPDATE evidence_chain_head SET last_hash = :h", h=prev)


@pytest.mark.req("GZ-26")
@pytest.mark.req("GD-31")
def test_a_rewrite_with_every_hash_recomputed_passes_the_chain_but_not_the_checkpoints(db, keys, tmp_path):
    checkpoint(db, keys)
    first_checkpoint = len(chain_rows(db))
    record_events(db, 6)
    checkpoint(db, keys)
    rewrite_from(db, first_checkpoint + 3)

    with db.session() as s:
        assert chain.verify(s).ok  # the chain alone is fooled
    report = report_of(db, keys)
    # Everything up to the first checkpoint still holds; the damage lies after it.
    assert (report.ok, report.checked, report.position, report.checkpoint_seq) == (
        False, 1, first_checkpoint + 1, first_checkpoint + 6)
    result = cli_verify(db, tmp_path)
    assert result.exit_code == 1, result.output
    assert "审计链完好" in result.output
    assert (f"第 {first_checkpoint + 1} 条起，{report.detail}" in result.output
            and f"第 {first_checkpoint + 1} 至 {first_checkpoint + 6} 条之间" in result.output)


@pytest.mark.req("GZ-26")
def test_rewriting_the_checkpoint_leaf_too_breaks_the_signed_tree_head(db, keys, tmp_path):
    checkpoint(db, keys)
    record_events(db, 4)
    checkpoint(db, keys)
    rewrite_from(db, len(chain_rows(db)) - 1)
    with db.session() as s:
        head = s.get(chain.ChainHead, 1)
        forged = leaf_data(CHECKPOINT, {"seq": head.last_seq, "hash": head.last_hash})
        index = max(r.leaf_index for r in s.query(LogLeaf).filter(LogLeaf.kind == CHECKPOINT))
    LogAttacker(db).sql("UPDATE evidence_log_leaf SET data = :d, leaf_hash = :h WHERE leaf_index = :i",
                        d=forged.decode(), h=leaf_hash(forged), i=index)
    report = report_of(db, keys)
    assert (report.ok, report.problem, report.tree_heads) == (False, "log", 1)
    assert "第 2 个签名树头" in report.detail and "根哈希与日志记录算出的不符" in report.detail
    result = cli_verify(db, tmp_path)
    assert result.exit_code == 1 and "签名检查点校验未通过：收据日志被改动" in result.output


@pytest.mark.req("GZ-26")
def test_a_tree_head_changed_or_signed_by_an_unpublished_key_is_reported(db, keys, tmp_path):
    checkpoint(db, keys)
    attacker = LogAttacker(db)
    attacker.sql("UPDATE evidence_tree_head SET timestamp = timestamp + 1")
    report = report_of(db, keys)
    assert (report.ok, report.problem) == (False, "signature")
    attacker.sql("UPDATE evidence_tree_head SET timestamp = timestamp - 1")
    assert report_of(db, keys).ok
    other = KeyStore(tmp_path / "other", passphrase=PASSPHRASE, kdf_rounds=1000)
    other.create("platform")
    with db.session() as s:
        report = checkpoints.verify(s, other.public_keys("platform"))
    assert (report.ok, report.problem) == (False, "key")
    assert "不在平台公布的公钥中" in report.detail


@pytest.mark.req("GZ-26")
def test_a_leaf_deleted_from_the_log_is_reported(db, keys):
    checkpoint(db, keys)
    record_events(db, 1)
    checkpoint(db, keys)
    LogAttacker(db).sql("DELETE FROM evidence_log_leaf WHERE leaf_index = 0")
    report = report_of(db, keys)
    assert (report.ok, report.problem) == (False, "log")
    assert "收据日志第 0 条缺失" in report.detail
