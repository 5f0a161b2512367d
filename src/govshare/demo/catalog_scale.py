"""Catalogs of any size for benchmarks: `synthetic_entries(100_000)` gives 100,000 valid entry
drafts with 10 items each (1,000,000 items), deterministic for a seed."""

from __future__ import annotations

import random
from collections.abc import Iterator

from govshare.catalog.rules import EntryDraft, ItemDraft
from govshare.demo.generator import CITY_AGENCIES

TOPICS = ["户籍", "婚姻", "社保", "医保", "公积金", "营业执照", "税务登记", "不动产", "学籍", "出生",
          "死亡", "残疾人", "低保", "养老", "就业", "车辆", "驾驶证", "船舶", "食品经营", "药品经营",
          "建筑施工", "环评", "排污", "林地", "水利", "交通", "文化", "旅游", "统计", "审计"]
SUFFIXES = ["信息", "登记信息", "许可信息", "核验信息", "台账", "名单", "证照信息", "备案信息"]
ITEM_NAMES = ["公民身份号码", "姓名", "性别", "出生日期", "地址", "联系电话", "登记日期", "办理机关",
              "证件编号", "有效期", "状态", "金额", "备注", "类型", "等级", "审批结果"]
SHARE = ["unconditional", "unconditional", "conditional", "not_shared"]
MODES = ["platform_table", "platform_api", "platform_file", "email", "media"]
GROUPS = ["natural_person", "legal_person", "geography", "real_estate", "licence", "specialised"]
AGENCY_KEYS = [key for key, *_ in CITY_AGENCIES]


def synthetic_entries(n: int, items_per_entry: int = 10,
                      seed: int = 7) -> Iterator[tuple[str, EntryDraft]]:
    """(provider agency key, draft) pairs that pass every rule of `rules.check_entry`."""
    rng = random.Random(seed)
    for i in range(n):
        topic, suffix = rng.choice(TOPICS), rng.choice(SUFFIXES)
        share = rng.choice(SHARE)
        items = [ItemDraft(name="公民身份号码", data_type="C", length=18, subject_key="id_number")]
        items += [ItemDraft(name=f"{rng.choice(ITEM_NAMES)}{k}", data_type=rng.choice("CNDT"),
                            length=rng.choice([None, 20, 50, 200]))
                  for k in range(1, items_per_entry)]
        yield rng.choice(AGENCY_KEYS), EntryDraft(
            category=rng.choice("123"), subcategory=f"{rng.randrange(1, 20):02d}",
            subject=f"{rng.randrange(1, 50):03d}", name=f"{topic}{suffix}（{i + 1}）",
            abstract=f"{topic}相关的{suffix}，编号 {i + 1}。", format_class="database",
            share_type=share, share_mode=rng.choice(MODES), update_cycle="daily",
            deadline_class="within_3_days", resource_kind="business",
            library_group=rng.choice(GROUPS), items=tuple(items),
            share_condition="限于依法履职使用" if share == "conditional" else "",
            legal_basis="《中华人民共和国保守国家秘密法》" if share == "not_shared" else "")
