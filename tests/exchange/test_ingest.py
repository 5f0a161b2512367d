"""Ingest into hosted libraries through the service, on SQLite and PostgreSQL: records keyed by
subject and versioned, read now or as of a moment (GD-16, GZ-16); a batch with bad records stores
none and names every error; only the provider of a 共享平台·库表 resource loads it; idempotency
keys; one audit event per batch with a digest recomputable from the stored rows; timeliness of
every record against its entry's deadline (GZ-17)."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from govshare.evidence import chain
from govshare.evidence.models import AuditEvent
from govshare.exchange import ingest_service, record_service
from govshare.exchange.ingest_service import LoadRefused
from govshare.exchange.models import Library, Load, Record
from govshare.exchange.validate import _dumps
from govshare.exchange.writer import copy_line
from govshare.kit.clock import CHINA, now
from govshare.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.exchange.helpers import (
    HOUSEHOLD,
    LICENCE,
    MARRIAGE,
    PERSONS,
    SEAL_KEYS,
    SEALED,
    actor,
    body,
    code_of,
    enterprise,
    person,
    record_count,
)


def load(db, username, name, data: bytes, source="json", **options):
    with db.session() as s:
        return ingest_service.load_records(s, actor(s, username), code_of(s, name), data, source,
                                           **{"keys": SEAL_KEYS, **options})


def events(db, kind="ResourceRecordsLoaded"):
    with db.session() as s:
        stmt = select(AuditEvent).where(AuditEvent.event_type == kind).order_by(AuditEvent.seq)
        return list(s.scalars(stmt))


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-16")
def test_every_write_is_a_new_version_and_reads_ask_as_of_a_time(db):
    first = load(db, "police_clerk", HOUSEHOLD, body([person(i) for i in range(20)]))
    assert (first.records, first.new_subjects, first.late, first.replayed) == (20, 20, 0, False)
    moved = [person(i, 户籍地址=f"广州市海珠区新港路{i}号") for i in range(5)]
    second = load(db, "police_admin", HOUSEHOLD, body(moved + [person(i) for i in range(20, 25)]))
    assert (second.records, second.new_subjects) == (10, 5)
    subject = PERSONS[3].id_number
    with db.session() as s:
        clerk, code = actor(s, "police_clerk"), code_of(s, HOUSEHOLD)
        library = s.scalar(select(Library).where(Library.resource_code == code))
        counts = (library.subject_count, library.version_count, library.last_load_id)
        assert counts == (25, 30, second.load_id)
        now_ = record_service.provider_record(s, clerk, code, subject.lower())  # normalised on the way in
        assert (now_.version, now_.data["户籍地址"], now_.subject) == (2, "广州市海珠区新港路3号", subject)
        first_loaded = s.get(Load, first.load_id).loaded_at
        then = record_service.provider_record(s, clerk, code, subject, as_of=first_loaded)
        assert (then.version, then.data["户籍地址"]) == (1, "广州市天河区天河路4号")
        assert then.version_id < now_.version_id
        with pytest.raises(NotFound):
            record_service.provider_record(s, clerk, code, subject, as_of=first_loaded - timedelta(seconds=1))
        history = record_service.record_history(s, clerk, code, subject)
        assert [v.version for v in history] == [2, 1]
        assert all(v.timeliness.on_time and v.timeliness.deadline_class == "within_3_days" for v in history)
        # The data keeps the normalised subject and the items as the entry orders them.
        assert list(now_.data) == ["公民身份号码", "姓名", "出生日期", "户籍地址", "户主关系"]
        assert now_.data["出生日期"] == PERSONS[3].birth_date.isoformat()


@pytest.mark.req("GD-16")
@pytest.mark.req("GZ-16")
def test_a_batch_with_bad_records_stores_none_of_them_and_names_every_error(db):
    records = [person(i) for i in range(10)]
    records[2]["公民身份号码"] = PERSONS[2].id_number[:17] + ("1" if PERSONS[2].id_number[17] != "1" else "2")
    records[5]["出生日期"] = "1990-02-30"
    records[5]["民族"] = "汉"
    del records[7]["公民身份号码"]
    records[9]["姓名"] = "名" * 51
    with pytest.raises(LoadRefused) as refused:
        load(db, "police_clerk", HOUSEHOLD, body(records))
    assert [(e.index, e.item, e.rule) for e in refused.value.errors] == [
        (2, "公民身份号码", "check_digit"), (5, "民族", "unknown_item"), (5, "出生日期", "date"),
        (7, "公民身份号码", "required"), (9, "姓名", "length")]
    assert refused.value.status == 422 and "所有记录均未写入" in refused.value.message
    with db.session() as s:
        assert record_count(s) == 0
        assert s.scalar(select(func.count()).select_from(Load)) == 0
        assert s.scalar(select(func.count()).select_from(Library)) == 0
    assert events(db) == []


def test_errors_after_a_full_chunk_still_leave_nothing(db, monkeypatch):
    # Chunks are written before the whole batch is checked; an error later rolls them back.
    monkeypatch.setattr(ingest_service, "CHUNK", 4)
    records = [person(i) for i in range(12)]
    records[10]["出生日期"] = "明天"
    with pytest.raises(LoadRefused) as refused:
        load(db, "police_clerk", HOUSEHOLD, body(records))
    assert [(e.index, e.rule) for e in refused.value.errors] == [(10, "date")]
    with db.session() as s:
        assert record_count(s) == 0
    done = load(db, "police_clerk", HOUSEHOLD, body(records[:10]))  # the same chunks, all good
    assert (done.records, done.new_subjects) == (10, 10)


@pytest.mark.req("GD-16")
def test_only_the_provider_loads_and_only_hosted_shared_resources(db):
    one = body([person(0)])
    for username in ("civil_clerk", "market_clerk", "admin"):
        with pytest.raises(Forbidden) as refused:
            load(db, username, HOUSEHOLD, one)
        assert refused.value.code == "not_provider"
    with pytest.raises(Forbidden):
        load(db, "police_clerk", LICENCE, body([enterprise(0)]))
    with pytest.raises(InvalidInput) as api_mode:
        load(db, "civil_clerk", MARRIAGE, one)
    assert api_mode.value.rule == "not_hosted" and "共享平台·接口" in api_mode.value.message
    with pytest.raises(InvalidInput) as sealed:
        load(db, "police_clerk", SEALED, one)
    assert sealed.value.rule == "not_shared"
    load(db, "police_clerk", HOUSEHOLD, one)
    with db.session() as s:
        clerk = actor(s, "civil_clerk")
        with pytest.raises(Forbidden):
            record_service.provider_record(s, clerk, code_of(s, HOUSEHOLD), PERSONS[0].id_number)


@pytest.mark.req("GD-16")
def test_an_idempotency_key_makes_a_retry_safe(db):
    batch = body([person(i) for i in range(3)])
    first = load(db, "police_clerk", HOUSEHOLD, batch, idempotency_key="户籍-2026-11-27-001")
    again = load(db, "police_admin", HOUSEHOLD, batch, idempotency_key="户籍-2026-11-27-001")
    assert again.replayed and {**vars(again), "replayed": False} == vars(first)
    with pytest.raises(Conflict) as reused:
        load(db, "police_clerk", HOUSEHOLD, body([person(4)]), idempotency_key="户籍-2026-11-27-001")
    assert reused.value.code == "idempotency_key_reused"
    with db.session() as s:
        assert record_count(s) == 3
    assert len(events(db)) == 1
    # Keys belong to the agency: the market bureau's own key of the same text is its own.
    other = load(db, "market_clerk", LICENCE, body([enterprise(0)]), idempotency_key="户籍-2026-11-27-001")
    assert not other.replayed and other.records == 1


@pytest.mark.req("GD-16")
def test_one_audit_event_per_batch_with_a_digest_recomputable_from_the_rows(db):
    records = [person(i, 户籍地址="广州\\天河\t路") for i in range(15)]
    result = load(db, "police_clerk", HOUSEHOLD, body(records))
    [event] = events(db)
    assert event.agency_id == db.agency_id("police")
    payload = json.loads(event.payload)
    assert {k: payload[k] for k in ("records", "new_subjects", "late", "digest", "load_id")} == {
        "records": 15, "new_subjects": 15, "late": 0, "digest": result.digest, "load_id": result.load_id}
    with db.session() as s:
        rows = list(s.scalars(select(Record).where(Record.load_id == result.load_id).order_by(Record.id)))
        lines = [copy_line((r.subject, r.produced_at, r.valid_from, r.division_code, _dumps(r.data)))
                 for r in rows]
        assert rows[0].data["户籍地址"] == "广州\\天河\t路"  # backslash and tab survive COPY's text format
        assert chain.verify(s).ok
    assert hashlib.new("sm3", ("\n".join(lines) + "\n").encode()).hexdigest() == result.digest


@pytest.mark.req("GZ-17")
@pytest.mark.req("GD-17")
def test_records_carry_produced_and_loaded_times_and_their_timeliness(db):
    two_hours_ago = (now() - timedelta(hours=2)).astimezone(CHINA).isoformat()
    four_days_ago = (now() - timedelta(days=4)).astimezone(CHINA).isoformat()
    licences = load(db, "market_clerk", LICENCE, body([enterprise(0, _produced_at=two_hours_ago),
                                                      enterprise(1)]))
    assert (licences.deadline_class, licences.late) == ("realtime", 1)  # a licence: real time (GZ-17)
    household = load(db, "police_clerk", HOUSEHOLD, body([person(0, _produced_at=two_hours_ago),
                                                         person(1, _produced_at=four_days_ago)]))
    assert (household.deadline_class, household.late) == ("within_3_days", 1)
    with db.session() as s:
        clerk = actor(s, "market_clerk")
        code = enterprise(0)["统一社会信用代码"]
        late = record_service.provider_record(s, clerk, code_of(s, LICENCE), code)
        assert late.loaded_at - late.produced_at >= timedelta(hours=2)
        assert (late.timeliness.on_time, late.timeliness.late_by > timedelta(minutes=59)) == (False, True)
        police = actor(s, "police_clerk")
        fine = record_service.provider_record(s, police, code_of(s, HOUSEHOLD), PERSONS[0].id_number)
        assert fine.timeliness.on_time and fine.valid_from == fine.produced_at
        assert s.get(Load, household.load_id).late_count == 1


@pytest.mark.req("GD-16")
def test_csv_in_gb18030_and_excel_load_like_json(db):
    header = "公民身份号码,姓名,出生日期,数据产生时间,数据所属区划\n"
    lines = [f"{p.id_number},{p.name},{p.birth_date:%Y/%m/%d},{person(0)['_produced_at']},440106"
             for p in PERSONS[:4]]
    csv_result = load(db, "police_clerk", HOUSEHOLD, (header + "\n".join(lines)).encode("gb18030"), "csv")
    assert csv_result.records == 4
    book = Workbook()
    sheet = book.active
    sheet.append(["公民身份号码", "姓名", "出生日期", "_produced_at"])
    for p in PERSONS[4:7]:
        sheet.append([p.id_number, p.name, p.birth_date, now().astimezone(CHINA).replace(tzinfo=None)])
    out = io.BytesIO()
    book.save(out)
    xlsx_result = load(db, "police_clerk", HOUSEHOLD, out.getvalue(), "xlsx")
    assert (xlsx_result.records, xlsx_result.new_subjects) == (3, 3)
    with db.session() as s:
        police = actor(s, "police_clerk")
        from_csv = record_service.provider_record(s, police, code_of(s, HOUSEHOLD), PERSONS[1].id_number)
        assert (from_csv.division_code, from_csv.data["姓名"]) == ("440106", PERSONS[1].name)
        assert from_csv.data["出生日期"] == PERSONS[1].birth_date.isoformat()


def test_an_unreadable_or_empty_batch_is_refused_with_one_error(db):
    for data, source, rule in ((b"{oops", "json", "json"), (b"[]", "json", "empty"),
                               (b"\xff\xfe\x00garbage\x81", "csv", "encoding"),
                               (b"PK-not-a-book", "xlsx", "xlsx")):
        with pytest.raises(LoadRefused) as refused:
            load(db, "police_clerk", HOUSEHOLD, data, source)
        assert [e.rule for e in refused.value.errors] == [rule], data
