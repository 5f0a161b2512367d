"""Pure data: who exists in the demo city. No database here, so tests and benchmarks can use it."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import date, timedelta

from stdnum.cn import ric

from govshare.kit.identifiers import make_credit_code, make_id_number, make_org_code

CITY = "440100"
DISTRICTS = {
    "440103": "荔湾区", "440104": "越秀区", "440105": "海珠区", "440106": "天河区",
    "440111": "白云区", "440112": "黄埔区", "440113": "番禺区", "440114": "花都区",
    "440115": "南沙区", "440117": "从化区", "440118": "增城区",
}
DEMO_PASSWORD = "govshare-demo"


@dataclass(frozen=True)
class DemoAgency:
    key: str
    name: str
    level: str
    division_code: str
    responsible: str
    is_it_authority: bool = False
    parent_key: str | None = None

    @property
    def credit_code(self) -> str:
        # 11 = 机关 (GB 32100 登记管理部门码 1, 机构类别码 1), then the division, then an
        # organisation code derived from the key so that it never changes between runs.
        rng = random.Random(f"org:{self.key}")
        body = "".join(rng.choice("0123456789") for _ in range(8))
        return make_credit_code(f"11{self.division_code}{make_org_code(body)}")


# key, name, responsible person — city agencies that keep district branches (or district bureaus).
CITY_AGENCIES = [
    ("police", "广州市公安局", "陈志强", "广州市公安局{d}分局"),
    ("market", "广州市市场监督管理局", "李晓红", "广州市{d}市场监督管理局"),
    ("civil", "广州市民政局", "王建国", "广州市{d}民政局"),
    ("hrss", "广州市人力资源和社会保障局", "张丽", "广州市{d}人力资源和社会保障局"),
    ("planning", "广州市规划和自然资源局", "刘洋", "广州市规划和自然资源局{d}分局"),
    ("housing", "广州市住房和城乡建设局", "黄伟", "广州市{d}住房和城乡建设局"),
    ("health", "广州市卫生健康委员会", "周敏", "广州市{d}卫生健康局"),
    ("education", "广州市教育局", "吴刚", "广州市{d}教育局"),
    ("tax", "国家税务总局广州市税务局", "郑斌", "国家税务总局广州市{d}税务局"),
    ("realestate", "广州市不动产登记中心", "孙静", None),
]
BRANCHED = ("police", "market", "civil")  # the branches every demo district has


def agencies() -> list[DemoAgency]:
    city = [
        DemoAgency("it", "广州市政务服务数据管理局", "city", CITY, "林卫东", is_it_authority=True),
        DemoAgency("gov", "广州市人民政府办公厅", "city", CITY, "何文"),
        DemoAgency("supervision", "广州市监察委员会", "city", CITY, "罗正"),
        DemoAgency("audit", "广州市审计局", "city", CITY, "谢审"),
    ] + [DemoAgency(k, n, "city", CITY, r) for k, n, r, _ in CITY_AGENCIES]
    district = []
    for code, dname in DISTRICTS.items():
        district.append(DemoAgency(f"it-{code}", f"广州市{dname}政务服务数据管理局", "district",
                                   code, f"{dname}数据局负责人", is_it_authority=True))
        for key, _name, _r, pattern in CITY_AGENCIES:
            if key in BRANCHED and pattern:
                district.append(DemoAgency(f"{key}-{code}", pattern.format(d=dname), "district",
                                           code, f"{dname}{key}负责人", parent_key=key))
    return city + district


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    agency_key: str
    roles: tuple[str, ...]
    what: str  # what this login shows in the demo


def users() -> list[DemoUser]:
    return [
        DemoUser("admin", "林卫东", "it", ("it_authority", "agency_admin"), "市信息化主管部门"),
        DemoUser("tianhe_it", "天河区数据局管理员", "it-440106", ("it_authority", "agency_admin"),
                 "区信息化主管部门（天河区）"),
        DemoUser("approver", "何文", "gov", ("government",), "市政府审批人"),
        DemoUser("supervisor", "罗正", "supervision", ("supervision",), "监察人员"),
        DemoUser("auditor", "谢审", "audit", ("auditor",), "审计人员"),
        DemoUser("police_admin", "陈志强", "police", ("agency_admin",), "市公安局管理员（提供户籍）"),
        DemoUser("police_clerk", "赵警官", "police", ("agency_staff",), "市公安局工作人员"),
        DemoUser("civil_admin", "王建国", "civil", ("agency_admin",), "市民政局管理员"),
        DemoUser("civil_clerk", "钱办事", "civil", ("agency_staff",), "市民政局工作人员（婚姻登记）"),
        DemoUser("market_clerk", "李晓红", "market", ("agency_staff",), "市市场监管局工作人员"),
        DemoUser("tianhe_civil_admin", "天河民政管理员", "civil-440106", ("agency_admin",),
                 "天河区民政局管理员（区级目录的保密审查）"),
        DemoUser("tianhe_civil_clerk", "天河民政办事员", "civil-440106", ("agency_staff",),
                 "天河区民政局工作人员（区级）"),
    ]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌辉凤荣"


@dataclass(frozen=True)
class Person:
    id_number: str
    name: str
    birth_date: date
    sex: str


def persons(n: int, seed: int = 2026) -> list[Person]:
    """`n` natural persons born in Guangzhou districts, with valid 公民身份号码 (GB 11643)."""
    rng = random.Random(seed)
    codes = list(DISTRICTS)
    out = []
    while len(out) < n:
        born = date(1955, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        seq = f"{rng.randrange(1, 1000):03d}"
        number = make_id_number(f"{rng.choice(codes)}{born:%Y%m%d}{seq}")
        # stdnum knows when each district code came into use (天河区 1985, 增城区 2014): a
        # person cannot carry a code younger than themselves, so draw again.
        if not _code_in_use(number[:6], born.year):
            continue
        sex = "男" if int(seq[-1]) % 2 else "女"
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        out.append(Person(number, name, born, sex))
    return out


@functools.cache
def _code_in_use(division: str, year: int) -> bool:
    # The only part of a made number's check that can fail is the birthplace in the birth year
    # (the date and check digit are made right); asked once per pair, as stdnum's look-up in its
    # table of divisions takes ~0.6 ms — most of the time of making 100,000 persons.
    return ric.is_valid(make_id_number(f"{division}{year}0101001"))


@dataclass(frozen=True)
class Enterprise:
    credit_code: str
    name: str
    district_code: str


TRADES = ["科技", "贸易", "餐饮", "物流", "建筑", "医药", "文化传媒", "电子商务", "制造", "咨询"]
NAME_PARTS = "华南粤海珠江天河白云羊城穗丰穗通嘉禾恒达宏图金穗南方新港"


def enterprises(n: int, seed: int = 2026) -> list[Enterprise]:
    """`n` enterprises registered in Guangzhou, with valid 统一社会信用代码 (GB 32100)."""
    rng = random.Random(seed + 1)
    codes = list(DISTRICTS)
    out = []
    for i in range(n):
        district = rng.choice(codes)
        org = make_org_code("".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8)))
        code = make_credit_code(f"91{district}{org}")
        brand = "".join(rng.choice(NAME_PARTS) for _ in range(2))
        out.append(Enterprise(code, f"广州{brand}{rng.choice(TRADES)}有限公司（{i + 1}）", district))
    return out
