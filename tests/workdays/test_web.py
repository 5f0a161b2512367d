"""The /workdays console page on both engines: everyone reads the calendar and computes
deadlines; only the city IT authority enters days, clears them and declares a year; mistakes come
back as the page with a Chinese message, not as an error page."""

from __future__ import annotations

import re

import pytest

RESULT = re.compile(r'<p class="deadline-result" role="status">(.*?)</p>', re.S)


def _result(html: str) -> str:
    m = RESULT.search(html)
    assert m, "the page shows no deadline"
    return re.sub(r"<[^>]+>|\s+", "", m.group(1))


def _rows(html: str) -> list[str]:
    body = html.split('<table class="calendar-days">')[1].split("</table>")[0]
    return [re.sub(r"<[^>]+>|\s+", "", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
            if "<th>" not in r]


def test_a_clerk_reads_2026_with_its_make_up_days_and_no_editing_forms(console_as):
    page = console_as("civil_clerk").page(year="2026")
    assert page.status_code == 200
    html = page.text
    rows = _rows(html)
    assert "2026年10月10日（周六）上班（调休）国庆节国务院通知" in rows
    assert "2026年9月20日（周日）上班（调休）国庆节国务院通知" in rows
    assert "2026年10月1日（周四）放假国庆节国务院通知" in rows
    assert "2026年2月14日（周六）上班（调休）春节国务院通知" in rows
    assert 'action="/workdays/days"' not in html and 'action="/workdays/declare"' not in html
    assert 'action="/workdays/clear"' not in html
    assert "暂定：" not in html and "工作日历由市信息化主管部门维护" in html
    assert 'href="/workdays?year=2025"' in html and 'href="/workdays?year=2027"' in html


def test_an_unentered_year_carries_a_provisional_banner(console_as):
    html = console_as("civil_clerk").page(year="2027").text
    assert "暂定：</strong>2027 年的放假安排尚未录入并确认" in html
    assert "本年没有节假日或调休记录（尚未录入）" in html


def test_the_deadline_calculator_marks_a_provisional_date(console_as):
    page = console_as("civil_clerk").page(year="2026", start="2026-12-15", days="15")
    assert page.status_code == 200
    assert _result(page.text) == ("自2026年12月15日（周二）起15个工作日，期限届满日："
                                  "2027年1月5日（周二）（暂定）"
                                  "期间有年份的放假安排尚未录入，按周末推算；录入并确认后会重算，日期可能推后。")
    certain = console_as("civil_clerk").page(year="2026", start="2026-09-30", days="3").text
    assert _result(certain) == "自2026年9月30日（周三）起3个工作日，期限届满日：2026年10月10日（周六）"


def test_the_city_it_authority_enters_2027_and_the_deadline_moves(console_as):
    admin, clerk = console_as("admin"), console_as("civil_clerk")
    r = admin.post("/workdays/days", day="2027-01-01", kind="holiday", name="元旦", year="2027")
    assert r.status_code == 303 and r.headers["location"] == "/workdays?year=2027&notice=set"
    html = admin.page(year="2027", notice="set").text
    assert "已保存。" in html
    assert _rows(html)[0].startswith("2027年1月1日（周五）放假元旦人工设定：林卫东（")
    assert "删除人工设定" in html
    # Entered but not declared: the new date, still provisional.
    assert "2027年1月6日（周三）（暂定）" in _result(
        clerk.page(year="2026", start="2026-12-15", days="15").text)

    r = admin.post("/workdays/declare", year="2027")
    assert r.status_code == 303 and r.headers["location"] == "/workdays?year=2027&notice=declared"
    html = clerk.page(year="2027").text
    assert "暂定：" not in html and "2027 年放假安排由 林卫东 录入并确认" in html
    assert _rows(html)[0].startswith("2027年1月1日（周五）放假元旦人工设定：林卫东")
    assert _result(clerk.page(year="2026", start="2026-12-15", days="15").text) == (
        "自2026年12月15日（周二）起15个工作日，期限届满日：2027年1月6日（周三）")


def test_clearing_an_entry_removes_it(console_as):
    admin = console_as("admin")
    admin.post("/workdays/days", day="2027-02-20", kind="workday", name="春节调休", year="2027")
    [row] = _rows(admin.page(year="2027").text)
    assert row.startswith("2027年2月20日（周六）上班（调休）春节调休人工设定：林卫东")
    r = admin.post("/workdays/clear", day="2027-02-20", year="2027")
    assert r.status_code == 303 and r.headers["location"] == "/workdays?year=2027&notice=cleared"
    assert _rows(admin.page(year="2027").text) == ["本年没有节假日或调休记录（尚未录入）"]


@pytest.mark.parametrize("username", ["tianhe_it", "civil_clerk"])
def test_others_who_post_anyway_get_the_page_back_with_a_refusal(console_as, username):
    other = console_as(username)
    for action, fields in [("/workdays/days", {"day": "2027-01-01", "kind": "holiday"}),
                           ("/workdays/declare", {}), ("/workdays/clear", {"day": "2027-01-01"})]:
        r = other.post(action, year="2027", **fields)
        assert r.status_code == 403
        assert "2027 年工作日历" in r.text
        assert '<p class="error card" role="alert">只有市信息化主管部门可以维护工作日历</p>' in r.text
    assert "暂定：" in console_as("admin").page(year="2027").text  # nothing was written


@pytest.mark.parametrize(("fields", "message"), [
    ({"day": "2027-02-30", "kind": "holiday"}, "日期“2027-02-30”不正确"),
    ({"day": "", "kind": "holiday"}, "请填写日期"),
    ({"day": "2027-01-01", "kind": "vacation"}, "请选择放假或上班"),
    ({"day": "2027-01-01", "kind": "holiday", "name": "节" * 65}, "名称不能超过 64 个字"),
])
def test_a_mistake_in_the_form_shows_the_page_again_with_what_was_typed(console_as, fields,
                                                                          message):
    admin = console_as("admin")
    r = admin.post("/workdays/days", year="2027", **{"name": "元旦", **fields})
    assert r.status_code == 422
    assert message in r.text and "2027 年工作日历" in r.text
    assert f'name="day" value="{fields["day"]}"' in r.text
    assert _rows(admin.page(year="2027").text) == ["本年没有节假日或调休记录（尚未录入）"]


def test_a_built_in_year_cannot_be_declared_and_the_page_says_why(console_as):
    admin = console_as("admin")
    assert 'action="/workdays/declare"' not in admin.page(year="2026").text
    r = admin.post("/workdays/declare", year="2026")
    assert r.status_code == 422 and "2026 年的放假安排已内置，无需声明" in r.text


def test_a_form_without_the_csrf_token_is_refused(console_as):
    admin = console_as("admin")
    r = admin.client.post("/workdays/days", data={"day": "2027-01-01", "kind": "holiday"})
    assert r.status_code == 403 and "CSRF" in r.text
    assert "暂定：" in admin.page(year="2027").text


@pytest.mark.parametrize(("params", "message"), [
    ({"year": "2026", "start": "2026-12-15", "days": "十五"}, "工作日数“十五”不是整数"),
    ({"year": "2026", "start": "2026-12-15", "days": "99999"}, "工作日数不能超过 3660"),
    ({"year": "2026", "start": "9999-12-31", "days": "1"}, "日期超出可计算范围"),
    ({"year": "2026", "start": "", "days": "3"}, "请填写日期"),
    ({"year": "abc"}, "年份“abc”不正确"),
    ({"year": "10000"}, "年份“10000”不正确"),
])
def test_bad_input_to_the_page_is_explained_on_the_page(console_as, params, message):
    r = console_as("civil_clerk").page(**params)
    assert r.status_code == 422
    assert message in r.text and "年工作日历" in r.text


def test_the_page_needs_a_signed_in_user(app_client):
    r = app_client.get("/workdays", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
