"""The provider's console page 库表数据 on SQLite and PostgreSQL: its hosted resources with record
counts and last load, a file loaded all or nothing with the validation report in Chinese, and a
subject's record looked up (GD-16, GZ-16)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from govshare.catalog.models import Entry
from tests.conftest import csrf_of
from tests.exchange.helpers import HOUSEHOLD, PERSONS, PRODUCED


def upload(client, code: str, name: str, text: str):
    token = csrf_of(client.get("/exchange").text)
    return client.post("/exchange/load", data={"csrf_token": token, "resource": code},
                       files={"file": (name, text.encode("utf-8"), "text/csv")}, follow_redirects=False)


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-16")
def test_the_provider_loads_a_file_sees_the_report_and_looks_a_subject_up(db, signed_in):
    with db.session() as s:
        code = s.scalar(select(Entry.resource_code).where(Entry.name == HOUSEHOLD))
    clerk = signed_in("police_clerk")
    page = clerk.get("/exchange")
    assert page.status_code == 200 and HOUSEHOLD in page.text and "尚未加载" in page.text
    assert "未成年人犯罪记录封存信息" not in page.text  # not shared: never hosted

    bad = (f"公民身份号码,姓名,出生日期,数据产生时间\n{PERSONS[0].id_number},张三,1990-02-30,{PRODUCED}\n"
           f"{PERSONS[1].id_number[:17]}0,李四,1990-01-01,{PRODUCED}\n")
    r = upload(clerk, code, "户籍.csv", bad)
    assert r.status_code == 422
    assert "校验报告（户籍.csv）：共 2 处错误，未写入任何记录" in r.text
    assert "第2行：“出生日期”应为日期（YYYY-MM-DD），实为“1990-02-30”" in r.text
    assert "第3行：“公民身份号码”" in r.text and "check_digit" in r.text

    good = "公民身份号码,姓名,出生日期,数据产生时间\n" + "\n".join(
        f"{p.id_number},{p.name},{p.birth_date},{PRODUCED}" for p in PERSONS[:3])
    r = upload(clerk, code, "户籍.csv", good)
    assert r.status_code == 303 and r.headers["location"].startswith("/exchange?loaded=")
    page = clerk.get(r.headers["location"])
    load_id = r.headers["location"].rsplit("=", 1)[1]  # PostgreSQL's sequence spent one on the refusal
    assert f"已加载第 {load_id} 批：3 条记录，其中新主体 3 个；超过更新时限（产生后3日内）0 条。" in page.text
    assert f"（第 {load_id} 批，3 条）" in page.text

    found = clerk.get("/exchange", params={"resource": code, "subject": PERSONS[2].id_number})
    assert PERSONS[2].name in found.text and "第 1 版" in found.text and "按时" in found.text
    missing = clerk.get("/exchange", params={"resource": code, "subject": PERSONS[9].id_number})
    assert f"没有主体 {PERSONS[9].id_number} 的记录" in missing.text


def test_other_agencies_see_their_own_and_others_are_told_why_not(db, signed_in):
    civil = signed_in("civil_clerk").get("/exchange")
    assert civil.status_code == 200 and "没有本机关以“共享平台·库表”方式共享的资源" in civil.text
    approver = signed_in("approver").get("/exchange")
    assert approver.status_code == 403 and "只有机关工作人员可以查看本机关托管的库表" in approver.text
