"""The demo's exchange data: deterministic records whose identifiers pass their checks, loaded
through the ingest service into every hosted resource of the demo catalog, file versions of the
file resources, and grants of the demo clerks through the request service — so that a query
right after `govshare demo` answers what each grant allows (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric, uscc

from govshare.access.models import Grant
from govshare.catalog.models import Version, VersionEntry
from govshare.catalog.snapshot import thaw
from govshare.demo import exchange_data
from govshare.demo.exchange_data import BIRTH, HOUSEHOLD, LICENCE, TIANHE
from govshare.demo.exchange_seed import seed_exchange
from govshare.directory import account_service
from govshare.directory.models import User
from govshare.evidence.keystore import KeyStore
from govshare.exchange import query_service
from govshare.exchange.endpoint_models import FileVersion
from govshare.exchange.models import Library, Record

ID_ITEMS = ("公民身份号码", "权利人公民身份号码", "母亲公民身份号码")
CREDIT_ITEMS = ("统一社会信用代码", "建设单位统一社会信用代码")
DUTY, CASE = "办理最低生活保障审核时核验申请人户籍（《社会救助暂行办法》第十一条）", "TH-MZ-2026-0001"


def _all_records(size: int) -> dict[str, list[dict]]:
    sizes = exchange_data.sizes(size)
    city = exchange_data.City.of(sizes)
    return {name: list(records) for name, (_n, records) in exchange_data.records(city, sizes).items()}


def _check_identifiers(record: dict) -> None:
    for item in ID_ITEMS:
        if item in record:
            assert ric.is_valid(record[item]), (item, record[item])
    for item in CREDIT_ITEMS:
        if item in record:
            assert uscc.is_valid(record[item]), (item, record[item])


@pytest.mark.req("GZ-16")
def test_every_identifier_in_the_demo_records_passes_its_check_and_every_subject_is_unique():
    records = _all_records(30)
    assert {n: len(r) for n, r in records.items()} == {
        HOUSEHOLD: 600, LICENCE: 200, "不动产登记信息": 300, BIRTH: 120, "建设工程施工许可信息": 120}
    for name, recs in records.items():
        for rec in recs:
            _check_identifiers(rec)
        key = next(iter(recs[0]))  # the subject-key item comes first
        assert len({r[key] for r in recs}) == len(recs), name
    assert all(len(r["不动产单元号"]) == 28 for r in records["不动产登记信息"])  # GB/T 37346
    # GZ-21 needs divisions: a household is registered where its number says, 天河 among them.
    assert all(r["_division_code"] == r["公民身份号码"][:6] for r in records[HOUSEHOLD])
    assert sum(r["_division_code"] == TIANHE for r in records[HOUSEHOLD]) > 10


def test_the_same_size_gives_the_same_records_and_a_larger_size_more_of_them():
    small, again, larger = _all_records(0), _all_records(0), _all_records(10)
    assert small == again
    assert len(larger[HOUSEHOLD]) == len(small[HOUSEHOLD]) + 100
    # The first persons never change, so an example ID number stays the same at every size.
    assert larger[HOUSEHOLD][:len(small[HOUSEHOLD])] == small[HOUSEHOLD]
    assert exchange_data.sizes(0).records < 1000 < exchange_data.sizes(100).records


@pytest.fixture
def keys(tmp_path):
    return KeyStore(tmp_path / "keys", passphrase="演示-印章口令-2026", kdf_rounds=1000)


@pytest.fixture
def seeded(db, keys):
    query_service.forget_cached_grants()
    with db.session() as s:
        return seed_exchange(s, keys=keys)


def _hosted_codes(session) -> set[str]:
    docs = map(thaw, session.scalars(select(VersionEntry.content).join(
        Version, Version.id == VersionEntry.version_id).where(Version.status == "published")))
    return {d["resource_code"] for d in docs
            if d["share_mode"] == "platform_table" and d["share_type"] != "not_shared"}


def _actor(session, username: str):
    return account_service.actor_for_user(session.scalar(select(User).where(User.username == username)))


@pytest.mark.req("GD-16", "GZ-16", "GZ-21")
def test_the_demo_loads_every_hosted_resource_files_and_the_clerks_grants(db, seeded):
    assert seeded.unsealed == {}
    with db.session() as s:
        libraries = {lib.resource_code: lib for lib in s.scalars(select(Library))}
        assert set(libraries) == _hosted_codes(s)  # every shared 库表 resource of the catalog
        assert {lib.name: lib.version_count for lib in libraries.values()} == seeded.loaded
        assert all(n > 0 for n in seeded.loaded.values())
        for data in s.scalars(select(Record.data)):  # as stored, after the ingest's checks
            _check_identifiers(data)
        files = s.execute(select(FileVersion.resource_code, func.count()).group_by(
            FileVersion.resource_code)).all()
        assert sorted(n for _code, n in files) == [2, 2] and seeded.files == 4
        grants = {(a.username, a.resource): a for a in seeded.access}
        assert len(grants) == len(exchange_data.GRANTS)
        for plan in exchange_data.GRANTS:
            clerk = _actor(s, plan.username)
            access = grants[(plan.username, plan.resource)]
            grant = s.scalar(select(Grant).where(Grant.grantee_agency_id == clerk.agency_id,
                                                 Grant.resource_code == access.resource_code))
            assert (grant.status, tuple(grant.items)) == ("active", plan.items), plan
            # GZ-21: the district bureau gets its own district of the city's resources; city
            # bureaus the whole city.
            assert grant.division_code == (TIANHE if plan.username == "tianhe_civil_clerk" else None)


@pytest.mark.req("GZ-18", "GZ-21", "GD-24")
def test_a_query_under_a_demo_grant_shows_what_the_grant_allows(db, seeded):
    access = {(a.username, a.resource): a for a in seeded.access}
    tianhe = access[("tianhe_civil_clerk", HOUSEHOLD)]
    assert tianhe.example.startswith(TIANHE) and not tianhe.outside.startswith(TIANHE)
    with db.session() as s:
        answer = query_service.query_records(s, _actor(s, "tianhe_civil_clerk"), tianhe.resource_code,
                                             [tianhe.example, tianhe.outside], DUTY, CASE)
    inside, outside = answer.results
    assert (inside.found, outside.found) == (True, False)  # the other district is not disclosed
    assert set(inside.data) == {"公民身份号码", "姓名", "出生日期", "户籍地址", "户主关系"}
    assert inside.masked == ("户籍地址", "户主关系")  # personal privacy, not granted
    assert inside.data["户籍地址"].startswith("广州市天河区") and "*" in inside.data["户籍地址"]
    with db.session() as s:  # the city bureau's grant has no division limit
        city = query_service.query_records(s, _actor(s, "civil_clerk"), tianhe.resource_code,
                                           [tianhe.outside], DUTY, CASE)
    assert city.results[0].found and city.division_code is None
    birth = access[("tianhe_civil_clerk", BIRTH)]
    with db.session() as s:
        [newborn] = query_service.query_records(s, _actor(s, "tianhe_civil_clerk"), birth.resource_code,
                                                [birth.example], DUTY, CASE).results
    assert newborn.found and newborn.masked == ("母亲公民身份号码",)
    assert "*" in newborn.data["母亲公民身份号码"]


def test_seeding_again_loads_nothing_twice(db, seeded, keys):
    with db.session() as s:
        records, grants = (s.scalar(select(func.count()).select_from(Record)),
                           s.scalar(select(func.count()).select_from(Grant)))
        again = seed_exchange(s, keys=keys)
    assert set(again.loaded.values()) == {0} and again.files == 0
    assert again.access == seeded.access
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == records
        assert s.scalar(select(func.count()).select_from(Grant)) == grants


@pytest.mark.req("GZ-23")
def test_without_seal_keys_licences_and_documents_stay_out_and_the_rest_loads(db):
    with db.session() as s:
        result = seed_exchange(s, keys=None)
        hosted = set(s.scalars(select(Library.name)))
    assert set(result.unsealed) == {LICENCE, "不动产登记信息", BIRTH, "建设工程施工许可信息"}
    assert all("GZ-23" in why for why in result.unsealed.values())
    assert hosted == {HOUSEHOLD}  # not even an empty library row of the refused ones
    assert result.loaded[HOUSEHOLD] > 0 and result.files == 4


def test_the_readme_names_the_identifiers_the_demo_prints():
    records, readme = _all_records(0), (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    households = records[HOUSEHOLD]
    examples = [next(r["公民身份号码"] for r in households if r["_division_code"] == TIANHE),
                next(r["公民身份号码"] for r in households if r["_division_code"] != TIANHE),
                next(r["出生医学证明编号"] for r in records[BIRTH] if r["_division_code"] == TIANHE),
                records[LICENCE][0]["统一社会信用代码"], records["不动产登记信息"][0]["不动产单元号"],
                records["建设工程施工许可信息"][0]["施工许可证编号"]]
    for example in examples:
        assert f"`{example}`" in readme
