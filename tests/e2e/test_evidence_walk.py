"""A data snapshot as evidence, walked in a real browser (issue 6 part 9). The demo's exchange
data is loaded as `govshare demo` loads it (licences sealed by their provider's seal key), with a
platform key in the live server's key folder. The 天河区民政局 clerk queries one 出生医学证明 on
查询核验 with duty and case number and follows the 快照 link: the snapshot shows what was returned
(the mother's ID masked and marked), is pending, and — after one round of the worker's
`evidence.snapshots` job, run here against the same database — is covered by a signed tree head;
the downloaded evidence file passes `govshare verify`, seal included (GZ-23, GZ-24). Another
agency's clerk gets the same not-found page as for a snapshot that does not exist (GD-31); the
auditor finds the snapshot by the licence number in 审计检索, and the clerk's audit events by
agency and user; 签名密钥 lists the platform key and the provider's seal key."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from govshare.config import Settings
from govshare.demo import exchange_data
from govshare.demo.exchange_seed import seed_exchange
from govshare.evidence import tasks
from govshare.evidence.keystore import PASSPHRASE_ENV, PLATFORM, KeyStore, agency_key_name
from govshare.exchange import query_service
from govshare.kit import clock
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

PASSPHRASE = "演示-印章口令-2026"
DUTY = "办理收养登记时核验被收养儿童出生信息（《收养登记工作规范》）"
CASE = "TH-MZ-2026-1127"
GOVSHARE = Path(sys.executable).parent / "govshare"


@pytest.fixture
def birth_access(db, tmp_path, monkeypatch):
    """The demo data, sealed; the platform key where the live server and the worker look for it
    (data_dir/keys, opened with GOVSHARE_KEY_PASSPHRASE); the 天河 clerk's birth-certificate grant."""
    query_service.forget_cached_grants()
    monkeypatch.setenv(PASSPHRASE_ENV, PASSPHRASE)
    keys = KeyStore(tmp_path / "keys", passphrase=PASSPHRASE, kdf_rounds=1000)
    keys.create(PLATFORM)
    with db.session() as s:
        result = seed_exchange(s, keys=keys)
    access = next(a for a in result.access
                  if (a.username, a.resource) == ("tianhe_civil_clerk", exchange_data.BIRTH))
    assert access.division_code == "440106" and access.example is not None
    return access, keys


def seal_round(db, tmp_path) -> str | None:
    """One round of the worker's job `evidence.snapshots`, as `govshare worker` runs it each second."""
    settings = Settings(database_url=db.url, data_dir=tmp_path, secret_key="e2e-secret")
    return tasks.seal_snapshots(db.sessions, settings, clock.today())


@pytest.mark.req("GZ-23", "GZ-24", "GD-31")
def test_a_licence_querys_snapshot_is_shown_proved_downloaded_verified_and_found_by_the_auditor(
        page: Page, db, tmp_path, birth_access):
    access, keys = birth_access
    snapshot_url = _clerk_queries_and_opens_the_snapshot(page, access)
    assert seal_round(db, tmp_path) is not None  # the worker's round: appended and signed
    evidence = _the_covered_snapshot_is_downloaded(page, tmp_path)
    _govshare_verify_holds(evidence)

    page.context.clear_cookies()
    _another_agency_gets_not_found(page, snapshot_url)

    page.context.clear_cookies()
    _the_auditor_finds_it(page, db, access, snapshot_url)
    _the_keys_page_lists_platform_and_seal_keys(page, db, keys)


def _clerk_queries_and_opens_the_snapshot(page: Page, access) -> str:
    log_in(page, access.username)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="查询核验").click()
    chooser = page.get_by_label("授权与资源")
    chooser.select_option(access.resource_code)
    expect(chooser.locator("option:checked")).to_contain_text("出生医学证明信息")
    page.get_by_label("主体标识").fill(access.example)
    page.get_by_label("履行的职责").fill(DUTY)
    page.get_by_label("办件号").fill(CASE)
    page.get_by_role("button", name="查询").click()
    answer = page.locator("section.q-answer")
    expect(answer.locator('td[data-item="出生医学证明编号"]')).to_have_text(access.example)
    newborn = answer.locator('td[data-item="新生儿姓名"]').inner_text()
    answer.locator("a.snapshot-link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^数据快照 \d+$"))
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(f"{DUTY} / {CASE}")
    expect(facts).to_contain_text("天河区民政局")
    expect(facts).to_contain_text(f"出生医学证明信息（{access.resource_code}）")
    returned = page.locator("table.snap-returned")
    expect(returned).to_have_count(1)
    expect(returned.locator('td[data-item="新生儿姓名"]')).to_have_text(newborn)
    expect(returned.locator('td[data-item="新生儿姓名"]')).not_to_have_class("masked")
    mother = returned.locator('td[data-item="母亲公民身份号码"]')  # personal privacy, not granted
    expect(mother).to_have_class("masked")
    expect(mother.locator(".tag")).to_have_text("脱敏")
    expect(mother).to_contain_text("********")
    expect(page.locator("table", has_text="电子印章")).to_contain_text("广州市卫生健康委员会")
    proof = page.locator("section.proof")
    expect(proof).to_have_attribute("data-status", "pending")
    expect(proof).to_contain_text("尚待写入收据日志")
    expect(proof.get_by_role("link", name="下载证据文件")).to_have_count(0)
    page.shot("snapshot-pending")
    return page.url


def _the_covered_snapshot_is_downloaded(page: Page, folder: Path) -> Path:
    page.reload()
    proof = page.locator("section.proof")
    expect(proof).to_have_attribute("data-status", "covered")
    covered = re.compile(r"已写入收据日志（叶序号 (\d+)，从 0 起数），"
                         r"由 .+ 签署的树头（覆盖前 (\d+) 条）覆盖")
    expect(proof).to_contain_text(covered)
    page.shot("snapshot-covered")
    with page.expect_download() as info:
        proof.get_by_role("link", name="下载证据文件").click()
    path = folder / "downloaded-evidence.json"
    info.value.save_as(path)
    # The page names the leaf and the head the downloaded file proves it with.
    document = json.loads(path.read_text(encoding="utf-8"))
    leaf, size = covered.search(proof.inner_text()).groups()
    assert (int(leaf), int(size)) == (document["leaf_index"], document["tree_head"]["tree_size"])
    assert json.loads(document["leaf_data"])["purpose"]["case_number"] == CASE
    return path


def _govshare_verify_holds(evidence: Path) -> None:
    # The verifier needs no database: an address nobody answers on proves it reads none.
    env = {**os.environ, "GOVSHARE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
           "COLUMNS": "300"}
    done = subprocess.run([str(GOVSHARE), "verify", str(evidence)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("类别：数据快照", "✔ 成立 签名：树头签名有效", "✔ 成立 包含证明：包含证明成立",
                 "✔ 成立 电子印章：1 条记录的电子印章均成立：由广州市卫生健康委员会的印章密钥签署",
                 "结论：证据文件各项核对均成立。"):
        assert line in done.stdout, done.stdout


def _another_agency_gets_not_found(page: Page, snapshot_url: str) -> None:
    # 广州市民政局 is not the 天河区民政局 that queried: GD-31, and the snapshot's existence is not
    # disclosed — the page is the one for a number that was never issued.
    log_in(page, "civil_clerk")
    snapshot_id = int(snapshot_url.rsplit("/", 1)[1])
    for asked in (snapshot_id, snapshot_id + 10_000):
        response = page.goto(f"/evidence/snapshots/{asked}")
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("未找到")
        expect(page.get_by_role("alert")).to_have_text(f"没有编号为 {asked} 的数据快照。")
    expect(page.locator("main")).not_to_contain_text(CASE)


def _the_auditor_finds_it(page: Page, db, access, snapshot_url: str) -> None:
    snapshot_id = snapshot_url.rsplit("/", 1)[1]
    log_in(page, "auditor")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="审计检索").click()
    page.get_by_label("主体标识").fill(f" {access.example.lower()} ")  # typed loosely: normalised
    page.get_by_role("button", name="检索").click()
    found = page.locator("table.snapshots tbody tr.snapshot")
    expect(found).to_have_count(1)
    expect(found).to_have_attribute("data-id", snapshot_id)
    expect(found).to_contain_text(CASE)
    expect(found).to_contain_text("天河区民政局")
    expect(page.locator("main")).to_contain_text("按主体检索时不列审计记录")
    page.shot("auditor-by-subject")

    # Audit events carry no subjects: the clerk's are found by agency and user (sign-in, the
    # grant request the demo made); the same search lists the snapshot again.
    page.get_by_label("主体标识").fill("")
    page.get_by_label("机关").select_option(str(db.agency_id("civil-440106")))
    page.get_by_label("查询者 / 操作人").fill("天河民政办事员")
    page.get_by_role("button", name="检索").click()
    events = page.locator("table.events tbody tr.event")
    expect(events.filter(has_text="用户登录").first).to_contain_text("天河民政办事员")
    expect(events.first).to_contain_text("天河区民政局")
    expect(page.locator("table.snapshots tbody tr.snapshot")).to_have_count(1)
    page.shot("auditor-by-user")
    page.locator("table.snapshots").get_by_role("link", name=snapshot_id, exact=True).click()
    expect(page).to_have_url(snapshot_url)
    expect(page.locator("section.proof")).to_have_attribute("data-status", "covered")


def _the_keys_page_lists_platform_and_seal_keys(page: Page, db, keys: KeyStore) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="签名密钥").click()
    platform = page.locator('tr.key[data-owner="platform"]')
    expect(platform).to_have_count(1)
    expect(platform).to_have_attribute("data-key-id", keys.current(PLATFORM).key_id)
    expect(platform).to_contain_text("平台（树头与审计链检查点）")
    expect(platform).to_contain_text("当前使用")
    seal = page.locator("tr.key.current", has_text="广州市卫生健康委员会（电子印章）")
    expect(seal).to_have_count(1)
    expect(seal).to_contain_text("SM2")
    # the provider agency's own seal key (agency-<id>), the one that sealed the birth certificates
    seal_key = keys.current(agency_key_name(db.agency_id("health")))
    expect(seal).to_have_attribute("data-key-id", seal_key.key_id)
    expect(page.locator("dl.tree-head")).to_contain_text("覆盖前")
    page.shot("keys")
