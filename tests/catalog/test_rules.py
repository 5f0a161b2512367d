"""The rules every catalog entry must satisfy when it is saved (rules.check_entry), without a
database: each broken rule answers with the field it concerns and a stable rule name."""

from __future__ import annotations

from dataclasses import replace

import pytest

from govshare.catalog.rules import EntryDraft, ItemDraft, check_entry, state_secret_items
from govshare.catalog.terms import (
    DeadlineClass,
    LibraryGroup,
    ResourceKind,
    ReviewResult,
    Sensitivity,
    UpdateCycle,
)
from govshare.kit.errors import InvalidInput

KEY = ItemDraft(name="公民身份号码", data_type="C", length=18, subject_key="id_number")
PLAIN = ItemDraft(name="登记日期", data_type="D")
GOOD = EntryDraft(category="3", subcategory="01", subject="002", name="婚姻登记信息",
                  format_class="database", share_type="unconditional",
                  share_mode="platform_api", update_cycle="daily",
                  deadline_class="within_3_days", resource_kind="business",
                  library_group="specialised", items=(KEY, PLAIN))


def broken(draft: EntryDraft) -> tuple[str | None, str | None, str]:
    with pytest.raises(InvalidInput) as exc:
        check_entry(draft)
    return exc.value.field, exc.value.rule, exc.value.message


def test_a_complete_entry_passes():
    check_entry(GOOD)
    check_entry(replace(GOOD, share_type="conditional", share_condition="限于婚姻登记核验"))
    check_entry(replace(GOOD, share_type="not_shared", legal_basis="《婚姻登记条例》第X条"))


GD4 = [  # (what changes, field, rule, words the message must carry)
    (dict(used_in_licensing=True, share_type="conditional", share_condition="限于审批"),
     "share_type", "licensing_unconditional", "无条件共享"),
    (dict(used_in_licensing=True, share_type="not_shared", legal_basis="某法"),
     "share_type", "licensing_unconditional", "行政许可"),
    (dict(share_type="conditional"), "share_condition", "required_for_conditional", "共享条件"),
    (dict(share_type="conditional", share_condition="   "), "share_condition",
     "required_for_conditional", "共享条件"),
    (dict(share_type="not_shared"), "legal_basis", "required_for_not_shared", "依据"),
    (dict(share_type="shared_sometimes"), "share_type", "one_of", "共享类型"),
]


@pytest.mark.req("GD-4")
@pytest.mark.parametrize("change, field, rule, words", GD4)
def test_share_type_rules(change, field, rule, words):
    got_field, got_rule, message = broken(replace(GOOD, **change))
    assert (got_field, got_rule) == (field, rule)
    assert words in message


@pytest.mark.req("GD-4")
def test_a_licensing_resource_shared_unconditionally_passes():
    check_entry(replace(GOOD, used_in_licensing=True, share_type="unconditional"))


SUBJECT_KEY = [
    ("natural_person", (PLAIN,), "items", "subject_key_required"),
    ("legal_person", (ItemDraft(name="企业名称", data_type="C"),), "items",
     "subject_key_required"),
]


@pytest.mark.req("GZ-16")
@pytest.mark.parametrize("group, items, field, rule", SUBJECT_KEY)
def test_population_and_legal_person_entries_name_a_subject_key(group, items, field, rule):
    got_field, got_rule, message = broken(replace(GOOD, library_group=group, items=items))
    assert (got_field, got_rule) == (field, rule)
    assert "主体标识" in message


@pytest.mark.req("GZ-16")
@pytest.mark.parametrize("group", ["natural_person", "legal_person"])
def test_a_keyed_population_or_legal_person_entry_passes(group):
    check_entry(replace(GOOD, library_group=group))


@pytest.mark.req("GZ-16")
def test_state_secret_items_are_named():
    secret = ItemDraft(name="涉密批注", data_type="C", sensitivity="state_secret")
    assert state_secret_items(replace(GOOD, items=(KEY, secret, PLAIN))) == ["涉密批注"]
    assert state_secret_items(GOOD) == []


OTHER_RULES = [
    (dict(category="4"), "category", "one_of"),
    (dict(subcategory="1"), "subcategory", "two_digits"),
    (dict(subject="01a"), "subject", "three_digits"),
    (dict(detail="x1"), "detail", "digits"),
    (dict(name="  "), "name", "required"),
    (dict(format_class="pdf"), "format_class", "one_of"),
    (dict(share_mode="fax"), "share_mode", "one_of"),
    (dict(update_cycle="hourly"), "update_cycle", "one_of"),
    (dict(deadline_class="soon"), "deadline_class", "one_of"),
    (dict(resource_kind="other"), "resource_kind", "one_of"),
    (dict(library_group="misc"), "library_group", "one_of"),
    (dict(open_to_public=True), "open_condition", "required_if_open"),
    # GZ-17: electronic licences and documents are updated in real time.
    (dict(resource_kind="licence"), "deadline_class", "realtime_for_licences"),
    (dict(resource_kind="document", deadline_class="quarterly_filed"), "deadline_class",
     "realtime_for_licences"),
    (dict(related_codes=("301002/1",)), "related_codes", "resource_code"),
    (dict(share_scope={"levels": ["province"]}), "share_scope", "levels"),
    (dict(share_scope={"agency_ids": ["公安"]}), "share_scope", "agency_ids"),
    (dict(items=()), "items", "required"),
    (dict(items=(KEY, replace(PLAIN, name=""))), "items[1].name", "required"),
    (dict(items=(KEY, replace(KEY, subject_key=None))), "items[1].name", "unique"),
    (dict(items=(replace(KEY, data_type="X"),)), "items[0].data_type", "one_of"),
    (dict(items=(replace(KEY, sensitivity="top"),)), "items[0].sensitivity", "one_of"),
    (dict(items=(replace(KEY, share_type="maybe"),)), "items[0].share_type", "one_of"),
    (dict(items=(replace(KEY, subject_key="passport"),)), "items[0].subject_key", "one_of"),
    (dict(items=(replace(KEY, length=0),)), "items[0].length", "positive"),
]


@pytest.mark.parametrize("change, field, rule", OTHER_RULES,
                         ids=[f"{f}-{r}" for _, f, r in OTHER_RULES])
def test_every_other_rule_names_its_field(change, field, rule):
    got_field, got_rule, message = broken(replace(GOOD, **change))
    assert (got_field, got_rule) == (field, rule)
    assert message and message.isascii() is False  # a sentence in Chinese


def test_valid_optional_fields_pass():
    check_entry(replace(GOOD, detail="12", related_codes=("301001/000001", "1010010001/000123"),
                        share_scope={"levels": ["city", "district"], "agency_ids": [3, 4]},
                        open_to_public=True, open_condition="脱敏后开放",
                        resource_kind="licence", deadline_class="realtime"))


@pytest.mark.parametrize("member, label", [
    (ResourceKind.LICENCE, "证照"), (LibraryGroup.LICENCE, "证照库"),
    (UpdateCycle.REALTIME, "实时"), (DeadlineClass.REALTIME, "实时更新"),
    (Sensitivity.STATE_SECRET, "国家秘密"), (ReviewResult.STATE_SECRET, "含国家秘密，不得上平台"),
])
def test_vocabularies_sharing_a_value_keep_their_own_labels(member, label):
    assert member.label == label
    assert (member.value, label) in type(member).choices()
