"""Catalog import and export, on SQLite and PostgreSQL: agencies fill the Excel template and
import it all or nothing (GZ-7), with share types and conditions (GD-12) and one datum one source
(GZ-13) checked on every row; any version of the shared catalog exports to Excel and the
published one to DCAT (JSON-LD, Turtle) that rdflib reads with every entry (GZ-8)."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook
from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS
from sqlalchemy import func, select
from typer.testing import CliRunner

from govshare.catalog import entry_service, excel, excel_read, io_service, version_service
from govshare.catalog.models import Entry, Version, VersionEntry
from govshare.catalog.rules import EntryDraft, ItemDraft
from govshare.catalog.snapshot import thaw
from govshare.cli import app as cli_app
from govshare.directory import account_service
from govshare.directory.models import Agency, User
from govshare.evidence.models import AuditEvent
from tests.conftest import csrf_of

API = "/api/v1/catalog"
CSVW = Namespace("http://www.w3.org/ns/csvw#")
# An open namespace: rdflib's closed DCAT warns when pytest probes the module's names.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
runner = CliRunner()


# --- helpers: the template filled in as an agency does --------------------------------------

def fill(template: bytes, entries: list[dict], items: list[dict]) -> bytes:
    """Write rows by their Chinese headers into the template's 资源 and 信息项 sheets."""
    wb = load_workbook(BytesIO(template))
    for sheet, rows in ((excel.ENTRIES, entries), (excel.ITEMS, items)):
        ws = wb[sheet]
        headers = [c.value for c in ws[1]]
        for row in rows:
            unknown = set(row) - set(headers)
            assert not unknown, unknown
            ws.append([row.get(h) for h in headers])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def funeral(key: str = "R1", **overrides) -> dict:
    """殡葬服务信息 of the civil affairs bureau, written with Chinese labels."""
    row = {"行键": key, "类": "部门信息资源", "项": 6, "目": "001", "资源名称": "殡葬服务信息",
           "资源摘要": "遗体火化、骨灰安放记录。", "信息资源格式": "数据库", "共享类型": "有条件共享",
           "共享条件": "限于办理丧葬补贴、户籍注销核验", "共享方式": "共享平台·接口", "更新周期": "每日",
           "更新时限": "产生后3日内", "资源类别": "其他业务信息", "所属信息库": "部门专业信息库",
           "共享范围（层级）": "市级机关、区级机关", "共享频率": "每日", "时效要求": "T+1"}
    row.update(overrides)
    return row


def funeral_items(key: str = "R1") -> list[dict]:
    return [{"行键": key, "信息项名称": "逝者公民身份号码", "数据类型": "字符型", "长度": 18,
             "主体标识": "公民身份号码", "涉密与敏感类型": "个人隐私"},
            {"行键": key, "信息项名称": "火化日期", "数据类型": "D"}]


def marriage_stats(key: str = "R2", **overrides) -> dict:
    """An unconditional entry written with codes instead of labels."""
    row = {"行键": key, "类": "3", "项": "06", "目": "002", "资源名称": "婚姻登记统计信息",
           "信息资源格式": "spreadsheet", "共享类型": "unconditional", "共享方式": "platform_file",
           "更新周期": "monthly", "更新时限": "within_3_days", "资源类别": "business",
           "所属信息库": "specialised", "是否向社会开放": "否"}
    row.update(overrides)
    return row


def marriage_items(key: str = "R2") -> list[dict]:
    return [{"行键": key, "信息项名称": "统计月份", "数据类型": "C", "长度": 6},
            {"行键": key, "信息项名称": "婚姻状况", "数据类型": "C", "长度": 10,
             "基准信息项代码": "p0005"}]


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def actor(session, username: str):
    return account_service.actor_for_user(session.scalar(select(User).where(User.username == username)))


def upload(client, agency_id: int, data: bytes):
    return client.post(f"{API}/agencies/{agency_id}/import",
                       files={"file": ("目录.xlsx", data, io_service.EXCEL_TYPE)})


def good_file() -> bytes:
    return fill(excel.template_bytes(), [funeral(), marriage_stats()],
                funeral_items() + marriage_items())


def bad_file() -> bytes:
    """Row 2 is fine but one of its items claims the police's 公民身份号码 (P0001); row 3 has a
    share type that is no label; row 4 is conditional without a condition."""
    items = funeral_items() + marriage_items() + funeral_items("R3")
    items.append({"行键": "R1", "信息项名称": "公民身份号码", "数据类型": "C", "基准信息项代码": "P0001"})
    entries = [funeral(), marriage_stats(共享类型="有条件"),
               funeral("R3", 资源名称="火化证明信息", 共享条件=None)]
    return fill(excel.template_bytes(), entries, items)


BAD_FILE_ERRORS = [("资源", 3, "共享类型", "one_of"), ("资源", 4, "共享条件", "required_for_conditional"),
                   ("信息项", 8, "基准信息项代码", "single_source")]


# --- the template (GD-12: it states shareability and conditions) ---------------------------

@pytest.mark.req("GD-12")
def test_the_template_lists_every_column_with_its_rule_and_offers_labelled_dropdowns():
    wb = load_workbook(BytesIO(excel.template_bytes()))
    assert wb.sheetnames[:3] == ["资源", "信息项", "填写说明"]
    entry_headers = [c.value for c in wb["资源"][1]]
    assert entry_headers == [c.header for c in excel.ENTRY_COLUMNS]
    assert {"共享类型", "共享条件", "不予共享依据", "共享方式", "共享范围（层级）",
            "更新时限"} <= set(entry_headers)
    guide = {(r[0], r[1]): r for r in wb["填写说明"].iter_rows(values_only=True)
             if r[0] in ("资源", "信息项")}
    assert len(guide) == len(excel.ENTRY_COLUMNS) + len(excel.ITEM_COLUMNS)
    condition = guide[("资源", "共享条件")]
    assert condition[2] == "条件必填" and "有条件共享时必填" in condition[4]
    assert guide[("资源", "共享类型")][2] == "必填"
    assert guide[("资源", "共享类型")][3] == (
        "无条件共享（unconditional）、有条件共享（conditional）、不予共享（not_shared）")
    column = excel.ENTRY_COLUMNS.index(next(c for c in excel.ENTRY_COLUMNS if c.field == "share_type")) + 1
    letter = chr(ord("A") + column - 1)
    rule = next(dv for dv in wb["资源"].data_validations.dataValidation if f"{letter}2" in str(dv.sqref))
    sheet, cells = rule.formula1.split("!")
    listed = [c.value for row in wb[sheet.strip("'")][cells.replace("$", "")] for c in row]
    assert listed == ["无条件共享", "有条件共享", "不予共享"]
    assert wb["代码表"].sheet_state == "hidden"


def test_the_template_read_back_empty_says_there_is_nothing_to_import():
    parsed = excel_read.read_catalog(excel.template_bytes())
    assert [(e.rule, e.sheet) for e in parsed.errors] == [("empty", "资源")]
    assert excel_read.read_catalog(b"not a workbook").errors[0].rule == "xlsx"


# --- importing (GZ-7) --------------------------------------------------------------------

@pytest.mark.req("GZ-7", "GD-12")
def test_an_agency_imports_its_catalog_from_the_filled_template_as_drafts(db, signed_in):
    clerk = signed_in("civil_clerk")
    template = clerk.get(f"{API}/template.xlsx")
    assert template.status_code == 200
    assert template.headers["content-type"] == io_service.EXCEL_TYPE
    civil = db.agency_id("civil")
    data = fill(template.content, [funeral(), marriage_stats()], funeral_items() + marriage_items())
    audit_before = count(db, AuditEvent)
    r = upload(clerk, civil, data)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["count"], body["items"]) == (2, 4)
    codes = [e["resource_code"] for e in body["entries"]]
    assert codes[0].startswith("306001/") and codes[1].startswith("306002/")
    with db.session() as s:
        entries = s.scalars(select(Entry).where(Entry.resource_code.in_(codes))
                            .order_by(Entry.resource_code)).all()
        assert [(e.name, e.status, e.agency_id) for e in entries] == [
            ("殡葬服务信息", "draft", civil), ("婚姻登记统计信息", "draft", civil)]
        funeral_entry, stats = entries
        assert funeral_entry.share_type == "conditional"
        assert funeral_entry.share_condition == "限于办理丧葬补贴、户籍注销核验"
        assert funeral_entry.share_mode == "platform_api" and funeral_entry.subcategory == "06"
        assert funeral_entry.share_scope == {"levels": ["city", "district"], "agency_ids": []}
        assert (funeral_entry.update_frequency, funeral_entry.timeliness) == ("每日", "T+1")
        assert [(i.name, i.data_type, i.length, i.subject_key, i.sensitivity)
                for i in funeral_entry.items] == [
            ("逝者公民身份号码", "C", 18, "id_number", "personal_privacy"),
            ("火化日期", "D", None, None, "none")]
        assert stats.share_type == "unconditional" and stats.format_class == "spreadsheet"
        # 婚姻状况 (P0005) is the civil affairs bureau's own base item: it may provide it (GZ-13).
        assert [i.base_item_code for i in stats.items] == [None, "P0005"]
        drafted = s.scalars(select(AuditEvent).where(AuditEvent.seq > audit_before)).all()
        assert [(e.event_type, e.actor_name) for e in drafted] == [("EntryDrafted", "钱办事")] * 2


@pytest.mark.req("GZ-7", "GD-12", "GZ-13")
def test_a_file_with_bad_rows_imports_nothing_and_reports_every_error_by_row_column_and_rule(
        db, signed_in):
    clerk = signed_in("civil_clerk")
    before = (count(db, Entry), count(db, AuditEvent))
    r = upload(clerk, db.agency_id("civil"), bad_file())
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "import_refused" and "3 处错误" in problem["detail"]
    assert [(e["sheet"], e["row"], e["column"], e["rule"]) for e in problem["errors"]] == BAD_FILE_ERRORS
    messages = {e["rule"]: e["message"] for e in problem["errors"]}
    assert "有条件" in messages["one_of"] and "有条件共享（conditional）" in messages["one_of"]
    assert "公安局" in messages["single_source"]
    assert "户籍人口信息" in messages["single_source"]
    assert (count(db, Entry), count(db, AuditEvent)) == before


@pytest.mark.req("GZ-7")
def test_the_service_refuses_the_whole_file_in_the_callers_transaction(db):
    with db.session() as s:
        clerk = actor(s, "civil_clerk")
        with pytest.raises(io_service.ImportRefused) as refused:
            io_service.import_agency_catalog(s, clerk, clerk.agency_id, bad_file())
        assert [(e.sheet, e.row, e.column, e.rule) for e in refused.value.errors] == BAD_FILE_ERRORS
        assert s.scalar(select(func.count()).select_from(Entry).where(Entry.name == "殡葬服务信息")) == 0
        seen = []
        report = io_service.import_agency_catalog(s, clerk, clerk.agency_id, good_file(),
                                                  progress=lambda *step: seen.append(step))
        assert len(report.entries) == 2 and report.items == 4
        assert ("写入", 2, 2) in seen and any(step[0] == "校验" for step in seen)


def test_only_the_agencys_own_cataloguers_import_into_its_catalog(db, signed_in):
    police = signed_in("police_clerk")
    r = upload(police, db.agency_id("civil"), good_file())
    assert r.status_code == 403, r.text
    r = upload(signed_in("civil_clerk"), db.agency_id("civil"), b"PK not really a workbook")
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "xlsx"


# --- exporting (GZ-8) --------------------------------------------------------------------

def published(db) -> tuple[int, dict[str, dict]]:
    with db.session() as s:
        version = s.scalar(select(Version).where(Version.status == "published"))
        rows = s.scalars(select(VersionEntry).where(VersionEntry.version_id == version.id)).all()
        return version.id, {r.resource_code: thaw(r.content) for r in rows}


@pytest.mark.req("GZ-8")
def test_a_version_exports_to_excel_with_every_required_field_and_reads_back(db, signed_in):
    version_id, docs = published(db)
    r = signed_in("market_clerk").get(f"{API}/versions/{version_id}/export.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == io_service.EXCEL_TYPE
    wb = load_workbook(BytesIO(r.content))
    rows = list(wb["资源"].iter_rows(values_only=True))
    header, rows = rows[0], rows[1:]
    # GZ-8: content, share mode, scope, frequency, timeliness, name, format, provision method,
    # conditions, provider and update deadline — each a column of the export.
    for column in ("资源代码", "资源名称", "资源摘要", "信息资源格式", "共享类型", "共享条件", "共享方式",
                   "共享范围（层级）", "共享频率", "时效要求", "更新时限", "提供单位",
                   "提供单位统一社会信用代码"):
        assert column in header, column
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_code) == set(docs)
    for code, doc in docs.items():
        row = by_code[code]
        assert (row["资源名称"], row["提供单位"], row["提供单位统一社会信用代码"]) == (
            doc["name"], doc["provider"]["name"], doc["provider"]["credit_code"])
        assert row["共享条件"] == (doc["share_condition"] or None)
    household = next(c for c, d in docs.items() if d["name"] == "户籍人口信息")
    assert by_code[household]["共享类型"] == "有条件共享"
    items = list(wb["信息项"].iter_rows(min_row=2, values_only=True))
    assert len(items) == sum(len(d["items"]) for d in docs.values())
    parsed = excel_read.read_catalog(r.content)
    assert parsed.errors == []
    for entry in parsed.entries:
        doc = docs[entry.key]
        assert (entry.draft.name, entry.draft.share_type, entry.draft.deadline_class) == (
            doc["name"], doc["share_type"], doc["deadline_class"])
        assert [i.name for i in entry.draft.items] == [i["name"] for i in doc["items"]]
        assert [i.base_item_code for i in entry.draft.items] == [i["base_item_code"] for i in doc["items"]]


def datasets(graph: Graph) -> dict[str, object]:
    return {str(graph.value(ds, DCTERMS.identifier)): ds for ds in graph.subjects(RDF.type, DCAT.Dataset)}


@pytest.mark.req("GZ-8")
@pytest.mark.parametrize("fmt, rdf_format", [("jsonld", "json-ld"), ("ttl", "turtle")])
def test_the_published_catalog_as_dcat_parses_with_rdflib_and_holds_every_entry(db, signed_in, fmt,
                                                                                 rdf_format):
    _, docs = published(db)
    r = signed_in("market_clerk").get(f"{API}/dcat.{fmt}")
    assert r.status_code == 200, r.text
    graph = Graph().parse(data=r.text, format=rdf_format)
    assert len(list(graph.subjects(RDF.type, DCAT.Catalog))) == 1
    found = datasets(graph)
    assert set(found) == set(docs)
    for code, doc in docs.items():
        ds = found[code]
        assert str(graph.value(ds, DCTERMS.title)) == doc["name"]
        publisher = graph.value(ds, DCTERMS.publisher)
        assert str(graph.value(publisher, DCTERMS.identifier)) == doc["provider"]["credit_code"]
        assert str(graph.value(publisher, FOAF.name)) == doc["provider"]["name"]
        rights = graph.value(ds, DCTERMS.accessRights)
        assert str(graph.value(rights, SKOS.notation)) == doc["share_type"]
        dist = graph.value(ds, DCAT.distribution)
        assert str(graph.value(graph.value(dist, SHARE_MODE), SKOS.notation)) == doc["share_mode"]
        columns = list(graph.items(graph.value(graph.value(dist, DCTERMS.conformsTo), CSVW.column)))
        assert [str(graph.value(c, CSVW.name)) for c in columns] == [i["name"] for i in doc["items"]]
        if doc["share_condition"]:
            statement = graph.value(ds, DCTERMS.rights)
            assert doc["share_condition"] in str(graph.value(statement, RDFS_LABEL))


SHARE_MODE = Namespace("urn:govshare:vocab:")["shareMode"]
RDFS_LABEL = Namespace("http://www.w3.org/2000/01/rdf-schema#")["label"]


@pytest.mark.req("GZ-8")
def test_dcat_of_a_version_asked_for_and_the_published_one_by_default(db, signed_in):
    """A newly filed entry is in the compiled version 2, not in the published version 1."""
    with db.session() as s:
        staff, admin = actor(s, "civil_admin"), actor(s, "admin")
        draft = EntryDraft(category="3", subcategory="06", subject="001", name="殡葬服务信息",
                           format_class="database", share_type="unconditional", share_mode="email",
                           update_cycle="daily", deadline_class="within_3_days", resource_kind="business",
                           library_group="specialised", items=(ItemDraft(name="火化日期", data_type="D"),))
        entry = entry_service.draft_entry(s, staff, staff.agency_id, draft)
        entry_service.record_review(s, staff, entry.id, "passed", "不含国家秘密")
        entry_service.submit_entry(s, staff, entry.id)
        entry_service.file_entry(s, admin, entry.id)
        code, v2 = entry.resource_code, version_service.compile_version(s, admin).id
    client = signed_in("market_clerk")
    current = datasets(Graph().parse(data=client.get(f"{API}/dcat.ttl").text, format="turtle"))
    asked = datasets(Graph().parse(data=client.get(f"{API}/dcat.ttl?version={v2}").text, format="turtle"))
    assert code not in current and code in asked and set(current) < set(asked)
    assert client.get(f"{API}/dcat.ttl?version=9999").status_code == 404


def test_dcat_and_exports_need_a_signed_in_caller(app_client):
    assert app_client.get(f"{API}/dcat.jsonld").status_code == 401
    assert app_client.get(f"{API}/template.xlsx").status_code == 401


# --- the command line --------------------------------------------------------------------

@pytest.mark.req("GZ-7", "GZ-8")
def test_the_operator_imports_with_a_progress_bar_and_exports_dcat(db, tmp_path):
    env = {"GOVSHARE_DATABASE_URL": db.url, "GOVSHARE_DATA_DIR": str(tmp_path)}
    template = tmp_path / "模板.xlsx"
    assert runner.invoke(cli_app, ["catalog", "template", str(template)], env=env).exit_code == 0
    with db.session() as s:
        credit = s.get(Agency, db.agency_id("civil")).credit_code
    bad, good = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    bad.write_bytes(bad_file())
    good.write_bytes(fill(template.read_bytes(), [funeral(), marriage_stats()],
                          funeral_items() + marriage_items()))
    before = count(db, Entry)
    refused = runner.invoke(cli_app, ["catalog", "import", str(bad), "--agency", credit], env=env)
    assert refused.exit_code == 2, refused.output
    printed = refused.output.replace("\n", "")
    assert "未导入任何条目：共 3 处错误" in printed
    assert "资源 · 第 4 行 · 共享条件 [required_for_conditional]" in printed
    assert "信息项 · 第 8 行 · 基准信息项代码 [single_source]" in printed
    assert count(db, Entry) == before
    done = runner.invoke(cli_app, ["catalog", "import", str(good), "--agency", credit], env=env)
    assert done.exit_code == 0, done.output
    assert "导入 2 个信息资源（4 个信息项）" in done.output.replace("\n", "")
    assert count(db, Entry) == before + 2
    out = tmp_path / "catalog.ttl"
    exported = runner.invoke(cli_app, ["catalog", "export", "--version", "1", "--format", "ttl",
                                       "--out", str(out)], env=env)
    assert exported.exit_code == 0, exported.output
    assert set(datasets(Graph().parse(out, format="turtle"))) == set(published(db)[1])
    xlsx = tmp_path / "v1.xlsx"
    assert runner.invoke(cli_app, ["catalog", "export", "--out", str(xlsx)], env=env).exit_code == 0
    assert load_workbook(xlsx)["资源"].max_row == len(published(db)[1]) + 1


# --- the console page --------------------------------------------------------------------

@pytest.mark.req("GZ-7")
def test_the_console_page_imports_and_lists_every_error_in_a_table(db, signed_in):
    clerk = signed_in("civil_clerk")
    page = clerk.get("/catalog/io")
    assert page.status_code == 200
    assert "/api/v1/catalog/template.xlsx" in page.text and 'enctype="multipart/form-data"' in page.text
    assert "/api/v1/catalog/dcat.ttl" in page.text
    token = csrf_of(page.text)
    before = count(db, Entry)
    r = clerk.post("/catalog/io/import", data={"csrf_token": token},
                   files={"file": ("目录.xlsx", bad_file(), io_service.EXCEL_TYPE)})
    assert r.status_code == 422
    for header in ("工作表", "行", "列", "规则", "说明"):
        assert f"<th>{header}</th>" in r.text
    assert "required_for_conditional" in r.text and "single_source" in r.text
    assert count(db, Entry) == before
    r = clerk.post("/catalog/io/import", data={"csrf_token": token},
                   files={"file": ("目录.xlsx", good_file(), io_service.EXCEL_TYPE)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert "已导入 2 个信息资源" in clerk.get(r.headers["location"]).text
    assert count(db, Entry) == before + 2
    no_token = clerk.post("/catalog/io/import", files={"file": ("目录.xlsx", good_file(), "x")})
    assert no_token.status_code == 403 and count(db, Entry) == before + 2
