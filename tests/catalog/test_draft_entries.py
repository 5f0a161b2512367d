"""Drafting entries in a batch (`entry_service.draft_entries`, what an import uses), on SQLite and
PostgreSQL: the same rules and audit as one entry at a time (GZ-7, GZ-13, GD-31) — resource codes
consecutive per classification, in draft order and never reused; one EntryDrafted event per
entry; and a batch with a single bad draft writes nothing at all."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from govshare.catalog import entry_service
from govshare.catalog.models import CodeCounter, Entry, Item
from govshare.catalog.rules import EntryDraft, ItemDraft
from govshare.directory import account_service
from govshare.directory.models import User
from govshare.evidence import chain
from govshare.evidence.models import AuditEvent
from govshare.kit.errors import Forbidden, InvalidInput


def actor(session, username: str):
    return account_service.actor_for_user(session.scalar(select(User).where(User.username == username)))


def funeral(name: str, subject: str = "001", **overrides) -> EntryDraft:
    """A valid entry of the civil affairs bureau, classification 306{subject}."""
    draft = EntryDraft(category="3", subcategory="06", subject=subject, name=name,
                       format_class="database", share_type="unconditional", share_mode="email",
                       update_cycle="daily", deadline_class="within_3_days",
                       resource_kind="business", library_group="specialised",
                       items=(ItemDraft(name="火化日期", data_type="D"),
                              ItemDraft(name="火化地点", data_type="C", length=50)))
    return replace(draft, **overrides)


def last_sequence(session, classification: str) -> int:
    return session.scalar(select(CodeCounter.last_sequence).where(
        CodeCounter.classification == classification)) or 0


def counts(session) -> tuple[int, int, int, int]:
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Entry, Item, AuditEvent, CodeCounter))


@pytest.mark.req("GZ-7", "GD-31")
def test_a_batch_gets_consecutive_codes_per_classification_and_one_event_per_entry(db):
    with db.session() as s:
        clerk = actor(s, "civil_clerk")
        a, b = last_sequence(s, "306001"), last_sequence(s, "306077")
        audit_before = s.scalar(select(func.max(AuditEvent.seq)))
        drafts = [funeral("殡葬甲"), funeral("殡葬乙"), funeral("骨灰安放", subject="077"),
                  funeral("殡葬丙"), funeral("骨灰寄存", subject="077")]
        entries = entry_service.draft_entries(s, clerk, clerk.agency_id, drafts)
        codes = [e.resource_code for e in entries]
        assert codes == [f"306001/{a + 1:06d}", f"306001/{a + 2:06d}", f"306077/{b + 1:06d}",
                         f"306001/{a + 3:06d}", f"306077/{b + 2:06d}"]
        assert [e.name for e in entries] == [d.name for d in drafts]
        assert all(e.status == "draft" and e.agency_id == clerk.agency_id for e in entries)
        assert [[i.name for i in e.items] for e in entries] == [["火化日期", "火化地点"]] * 5
        events = s.scalars(select(AuditEvent).where(AuditEvent.seq > audit_before)
                           .order_by(AuditEvent.seq)).all()
        assert [(e.event_type, e.actor_name) for e in events] == [("EntryDrafted", "钱办事")] * 5
        assert [json.loads(e.payload) for e in events] == [
            {"entry_id": e.id, "agency_id": clerk.agency_id, "resource_code": e.resource_code,
             "name": e.name} for e in entries]
        # A later single draft continues the same counter.
        single = entry_service.draft_entry(s, clerk, clerk.agency_id, funeral("殡葬丁"))
        assert single.resource_code == f"306001/{a + 4:06d}"
    with db.session() as s:
        all_codes = s.scalars(select(Entry.resource_code)).all()
        assert len(all_codes) == len(set(all_codes))
        assert chain.verify(s).ok


@pytest.mark.req("GZ-7", "GZ-13")
@pytest.mark.parametrize("bad, field, rule", [
    (funeral("无条件的有条件", share_type="conditional"), "drafts[2].share_condition",
     "required_for_conditional"),
    # 公民身份号码 (P0001) is the police's base item: the civil affairs bureau may not collect it.
    (funeral("重复采集", items=(ItemDraft(name="公民身份号码", data_type="C",
                                         base_item_code="P0001"),)),
     "drafts[2].items[0].base_item_code", "single_source"),
])
def test_a_batch_with_one_bad_draft_writes_nothing(db, bad, field, rule):
    with db.session() as s:
        clerk = actor(s, "civil_clerk")
        before, seq_before = counts(s), last_sequence(s, "306001")
        drafts = [funeral("殡葬甲"), funeral("骨灰安放", subject="078"), bad, funeral("殡葬乙")]
        with pytest.raises(InvalidInput) as refused:
            entry_service.draft_entries(s, clerk, clerk.agency_id, drafts)
        assert (refused.value.field, refused.value.rule) == (field, rule)
        assert refused.value.message.startswith("第 3 个条目：")
        assert counts(s) == before and last_sequence(s, "306001") == seq_before
        # The codes the refused batch would have used are still the next ones.
        good = entry_service.draft_entries(s, clerk, clerk.agency_id, [funeral("殡葬甲")])
        assert good[0].resource_code == f"306001/{seq_before + 1:06d}"


@pytest.mark.req("GZ-7")
def test_only_the_agencys_own_cataloguers_draft_a_batch_and_an_empty_one_writes_nothing(db):
    with db.session() as s:
        police, clerk = actor(s, "police_clerk"), actor(s, "civil_clerk")
        before = counts(s)
        with pytest.raises(Forbidden):
            entry_service.draft_entries(s, police, clerk.agency_id, [funeral("殡葬甲")])
        assert entry_service.draft_entries(s, clerk, clerk.agency_id, []) == []
        assert counts(s) == before
