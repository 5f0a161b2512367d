"""Pure data: what the demo city's providers host on the platform and who holds which grant.

The records are made from the generator's persons and enterprises, so every 公民身份号码 and
统一社会信用代码 in them passes its check digit (GB 11643, GB 32100), and the same size always
gives the same records. No database here; `exchange_seed` loads them through the ingest service."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from govshare.demo import generator
from govshare.demo.generator import DISTRICTS, Enterprise, Person

HOUSEHOLD, LICENCE, ESTATE = "户籍人口信息", "营业执照信息", "不动产登记信息"
BIRTH, PERMIT = "出生医学证明信息", "建设工程施工许可信息"
ANNUAL_REPORT, GEOGRAPHY = "企业年度报告信息", "基础地理信息"
TIANHE, YUEXIU = "440106", "440104"
STREETS = ("中山路", "人民路", "解放路", "建设路", "新港路", "环市路", "花园路", "滨江路")
RELATIONS = ("户主", "配偶", "子", "女", "父亲", "母亲")
STATUSES = ("存续",) * 8 + ("在业", "注销")
RIGHTS = ("国有建设用地使用权/房屋所有权",) * 4 + ("宅基地使用权/房屋所有权", "抵押权")
PROJECTS = ("住宅小区", "综合楼", "学校教学楼", "社区服务中心", "产业园厂房", "地下停车场")
SCALES = ("1:500", "1:1000", "1:2000")


@dataclass(frozen=True)
class Sizes:
    """How many subjects each library gets: hundreds by default, growing with `--size`."""

    persons: int
    enterprises: int
    estates: int
    births: int
    permits: int

    @property
    def records(self) -> int:
        return self.persons + self.enterprises + self.estates + self.births + self.permits


def sizes(size: int = 0) -> Sizes:
    persons = 300 + 10 * max(size, 0)
    return Sizes(persons, persons // 3, persons // 2, persons // 5, persons // 5)


@dataclass(frozen=True)
class City:
    """The persons (no number twice) and enterprises the records are about."""

    persons: list[Person]
    enterprises: list[Enterprise]

    @classmethod
    def of(cls, sizes: Sizes) -> City:
        seen: set[str] = set()
        persons = [p for p in generator.persons(sizes.persons + sizes.persons // 50 + 5)
                   if not (p.id_number in seen or seen.add(p.id_number))]
        return cls(persons[:sizes.persons], generator.enterprises(sizes.enterprises))


def district_of(person: Person) -> str:
    """A person's household is registered where the number says they were born (demo rule)."""
    return person.id_number[:6]


def _address(rng: random.Random, district: str) -> str:
    return f"广州市{DISTRICTS[district]}{rng.choice(STREETS)}{rng.randrange(1, 400)}号"


def _day(rng: random.Random, first: date, last: date) -> str:
    return (first + timedelta(days=rng.randrange((last - first).days + 1))).isoformat()


def households(city: City) -> Iterator[dict]:
    """户籍人口信息 (公安局), one record a person, in the district of its household (GZ-21)."""
    rng = random.Random("household")
    for p in city.persons:
        district = district_of(p)
        yield {"公民身份号码": p.id_number, "姓名": p.name, "出生日期": p.birth_date.isoformat(),
               "户籍地址": _address(rng, district), "户主关系": rng.choice(RELATIONS),
               "_division_code": district}


def licences(city: City) -> Iterator[dict]:
    """营业执照信息 (市场监管局), one record an enterprise, a person as its legal representative."""
    rng = random.Random("licence")
    for e in city.enterprises:
        yield {"统一社会信用代码": e.credit_code, "企业名称": e.name,
               "法定代表人": rng.choice(city.persons).name,
               "成立日期": _day(rng, date(1995, 1, 1), date(2026, 6, 30)),
               "登记状态": rng.choice(STATUSES), "住所": _address(rng, e.district_code),
               "_division_code": e.district_code}


def estate_unit(district: str, i: int) -> str:
    """不动产单元号 (GB/T 37346, 28 characters): division, 地籍区/子区, 宗地 GB + 5, 定着物 F + 8."""
    # 地籍区 and 宗地 number together are unique for every i below 10⁸.
    return f"{district}{i // 100_000 + 1:03d}{i % 7 + 1:03d}GB{i % 100_000 + 1:05d}F{i % 30 + 1:04d}0001"


def estates(city: City, n: int) -> Iterator[dict]:
    """不动产登记信息 (不动产登记中心): units in the owner's district, the owner by ID number."""
    rng = random.Random("estate")
    for i in range(n):
        owner = city.persons[i % len(city.persons)]
        district = district_of(owner)
        yield {"不动产单元号": estate_unit(district, i), "权利人公民身份号码": owner.id_number,
               "坐落": _address(rng, district) + f"{rng.randrange(1, 30)}{rng.randrange(1, 9):02d}房",
               "权利类型": rng.choice(RIGHTS), "登记日期": _day(rng, date(2000, 1, 1), date(2026, 9, 30)),
               "_division_code": district}


def births(city: City, n: int) -> Iterator[dict]:
    """出生医学证明信息 (卫生健康委): newborns of 2024–2026, the mother a woman of the city."""
    rng = random.Random("birth")
    mothers = [p for p in city.persons if p.sex == "女" and 1980 <= p.birth_date.year <= 2003]
    mothers = mothers or city.persons
    for i in range(n):
        mother = mothers[i % len(mothers)]
        name = mother.name[0] + "".join(rng.choice(generator.GIVEN) for _ in range(rng.randint(1, 2)))
        yield {"出生医学证明编号": f"Q44{i + 1:08d}", "新生儿姓名": name,
               "出生日期": _day(rng, date(2024, 1, 1), date(2026, 10, 31)),
               "母亲公民身份号码": mother.id_number, "_division_code": district_of(mother)}


def permits(city: City, n: int) -> Iterator[dict]:
    """建设工程施工许可信息 (住房城乡建设局): 18-character numbers, division + date + serial."""
    rng = random.Random("permit")
    for i in range(n):
        builder = city.enterprises[i % len(city.enterprises)]
        issued = date(2020, 1, 1) + timedelta(days=rng.randrange(2400))
        yield {"施工许可证编号": f"{builder.district_code}{issued:%Y%m%d}{i:04d}",
               "项目名称": f"{DISTRICTS[builder.district_code]}{rng.choice(PROJECTS)}（{i + 1}期）",
               "建设单位统一社会信用代码": builder.credit_code, "发证日期": issued.isoformat(),
               "_division_code": builder.district_code}


def records(city: City, sizes: Sizes) -> dict[str, tuple[int, Iterator[dict]]]:
    """Each hosted (共享平台·库表) demo resource by name: how many records, and the records."""
    return {HOUSEHOLD: (len(city.persons), households(city)),
            LICENCE: (len(city.enterprises), licences(city)),
            ESTATE: (sizes.estates, estates(city, sizes.estates)),
            BIRTH: (sizes.births, births(city, sizes.births)),
            PERMIT: (sizes.permits, permits(city, sizes.permits))}


@dataclass(frozen=True)
class DemoFile:
    resource: str
    filename: str
    media_type: str
    content: bytes
    note: str


def _csv(header: list[str], rows: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")  # with BOM: Excel in China opens it right


def annual_report(city: City, year: int) -> bytes:
    # 资产总额 is a trade secret shared only on conditions; a file cannot mask an item, so the
    # unconditionally shared file leaves it out.
    rng = random.Random(f"annual:{year}")
    rows = [[e.credit_code, year, rng.randrange(3, 500)] for e in city.enterprises]
    return _csv(["统一社会信用代码", "报告年度", "从业人数"], rows)


def sheet_index(quarter: str) -> bytes:
    rng = random.Random(f"sheets:{quarter}")
    rows = [[f"{code[2:]}-{scale.split(':')[1]}-{n:03d}", code, scale]
            for code in DISTRICTS for scale in SCALES for n in range(1, rng.randrange(3, 6))]
    return _csv(["图幅编号", "行政区划代码", "比例尺"], rows)


def files(city: City) -> list[DemoFile]:
    """The versions of the two 共享平台·文件 resources, oldest first."""
    csv_type = "text/csv"
    return [
        DemoFile(ANNUAL_REPORT, "企业年度报告公示信息-2024年度.csv", csv_type, annual_report(city, 2024),
                 "2024年度报告公示部分"),
        DemoFile(ANNUAL_REPORT, "企业年度报告公示信息-2025年度.csv", csv_type, annual_report(city, 2025),
                 "2025年度报告公示部分"),
        DemoFile(GEOGRAPHY, "基础地理信息图幅索引-2026Q2.csv", csv_type, sheet_index("2026Q2"),
                 "2026年第二季度更新"),
        DemoFile(GEOGRAPHY, "基础地理信息图幅索引-2026Q3.csv", csv_type, sheet_index("2026Q3"),
                 "2026年第三季度更新"),
    ]


@dataclass(frozen=True)
class GrantPlan:
    """A demo clerk's request, granted by the provider (`decider`) when the resource is
    conditional, or at once when it is not."""

    username: str
    resource: str
    items: tuple[str, ...]
    duty: str
    purpose: str
    legal_basis: str
    decider: str | None = None  # a demo login; None: the provider agency itself (no demo login)


PUBLIC_HOUSEHOLD = ("公民身份号码", "姓名", "出生日期")  # the household items that are not private
LICENCE_ITEMS = ("统一社会信用代码", "企业名称", "法定代表人", "成立日期", "登记状态", "住所")
CRIMINAL_PROCEDURE = "《中华人民共和国刑事诉讼法》第五十四条"
SOCIAL_AID = "办理最低生活保障审核时核验申请人户籍和家庭财产（《社会救助暂行办法》第十一条）"

GRANTS = [
    GrantPlan("tianhe_civil_clerk", HOUSEHOLD, PUBLIC_HOUSEHOLD,
              "办理困难群众救助时核验申请人户籍（《社会救助暂行办法》第十一条）",
              "天河区最低生活保障审核", "《社会救助暂行办法》", decider="police_admin"),
    GrantPlan("tianhe_civil_clerk", BIRTH, ("出生医学证明编号", "新生儿姓名", "出生日期"),
              "办理儿童福利、收养登记时核验出生信息（《收养登记工作规范》）", "天河区儿童福利和收养登记",
              "《中华人民共和国民法典》第一千一百零五条"),
    GrantPlan("civil_clerk", HOUSEHOLD, PUBLIC_HOUSEHOLD,
              "办理婚姻登记时核验当事人户籍（《婚姻登记条例》第七条）", "婚姻登记业务办理",
              "《婚姻登记条例》", decider="police_admin"),
    GrantPlan("civil_clerk", LICENCE, LICENCE_ITEMS, SOCIAL_AID, "核对救助申请人家庭经营性财产",
              "《社会救助暂行办法》"),
    GrantPlan("civil_clerk", ESTATE, ("不动产单元号", "坐落", "权利类型", "登记日期"),
              SOCIAL_AID, "核对救助申请人家庭房产", "《社会救助暂行办法》"),
    GrantPlan("civil_clerk", GEOGRAPHY, ("图幅编号", "行政区划代码", "比例尺", "数据文件"),
              "办理地名命名、更名审核（《地名管理条例》第十二条）", "地名管理", "《地名管理条例》"),
    GrantPlan("market_clerk", HOUSEHOLD, PUBLIC_HOUSEHOLD,
              "办理企业登记时核验法定代表人身份（《市场主体登记管理条例》第十六条）", "企业设立登记",
              "《中华人民共和国市场主体登记管理条例》", decider="police_admin"),
    GrantPlan("police_clerk", LICENCE, LICENCE_ITEMS, "办理经济犯罪案件时核实涉案企业登记信息",
              "经济犯罪案件侦查", CRIMINAL_PROCEDURE),
    GrantPlan("police_clerk", PERMIT, ("施工许可证编号", "项目名称", "建设单位统一社会信用代码", "发证日期"),
              "办理建筑工地治安管理时核验施工许可", "建筑工地治安检查", "《企业事业单位内部治安保卫条例》"),
    GrantPlan("police_clerk", ANNUAL_REPORT, ("统一社会信用代码", "报告年度", "从业人数"),
              "办理经济犯罪案件时核实涉案企业经营规模", "经济犯罪案件侦查", CRIMINAL_PROCEDURE),
]
