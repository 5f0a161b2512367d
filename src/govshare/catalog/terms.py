"""The vocabulary of the catalog, from 政务信息资源目录编制指南（试行）(2017) and the Guangzhou
rule: each value is stored as its code and shown with its Chinese label."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    @property
    def label(self) -> str:
        return LABELS[(type(self), self.value)]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, LABELS[(cls, m.value)]) for m in cls]


class Category(Labelled):  # 类
    BASE = "1"  # 基础信息资源
    THEME = "2"  # 主题信息资源
    DEPARTMENT = "3"  # 部门信息资源


class FormatClass(Labelled):  # 信息资源格式分类
    ELECTRONIC_FILE = "electronic_file"
    SPREADSHEET = "spreadsheet"
    DATABASE = "database"
    IMAGE = "image"
    STREAMING = "streaming"
    SELF_DESCRIBING = "self_describing"
    SERVICE_API = "service_api"


class ShareType(Labelled):  # 共享类型 (GD-4)
    UNCONDITIONAL = "unconditional"
    CONDITIONAL = "conditional"
    NOT_SHARED = "not_shared"


class ShareMode(Labelled):  # 共享方式
    PLATFORM_TABLE = "platform_table"  # 共享平台·库表 (hosted library, GD-16)
    PLATFORM_API = "platform_api"  # 共享平台·接口
    PLATFORM_FILE = "platform_file"  # 共享平台·文件
    EMAIL = "email"
    MEDIA = "media"


class UpdateCycle(Labelled):  # 更新周期
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"


class DeadlineClass(Labelled):  # 更新时限 (GZ-17)
    REALTIME = "realtime"  # electronic licences and documents
    WITHIN_3_DAYS = "within_3_days"  # other business information
    QUARTERLY_FILED = "quarterly_filed"  # special cases, filed: first 10 days of the quarter


class ResourceKind(Labelled):
    LICENCE = "licence"  # 证照
    DOCUMENT = "document"  # 文书
    BUSINESS = "business"  # 其他业务信息


class LibraryGroup(Labelled):  # 基础信息库 (GZ-11)
    NATURAL_PERSON = "natural_person"
    LEGAL_PERSON = "legal_person"
    GEOGRAPHY = "geography"
    REAL_ESTATE = "real_estate"
    LICENCE = "licence"
    SPECIALISED = "specialised"


class DataType(Labelled):  # 信息项数据类型
    C = "C"
    N = "N"
    Y = "Y"
    D = "D"
    T = "T"
    L = "L"
    M = "M"
    G = "G"
    B = "B"
    I = "I"  # noqa: E741 - the guide's own letter
    F = "F"


class Sensitivity(Labelled):
    NONE = "none"
    PERSONAL_PRIVACY = "personal_privacy"
    TRADE_SECRET = "trade_secret"
    STATE_SECRET = "state_secret"


class SubjectKey(Labelled):  # 主体标识 (GZ-16)
    ID_NUMBER = "id_number"
    CREDIT_CODE = "credit_code"
    ORG_CODE = "org_code"
    BUSINESS_LICENCE_NO = "business_licence_no"
    LICENCE_NO = "licence_no"
    OTHER = "other"


class EntryStatus(Labelled):  # GZ-7
    DRAFT = "draft"
    SUBMITTED = "submitted"
    FILED = "filed"
    RETURNED = "returned"


class ReviewResult(Labelled):  # 保密审查 (GZ-16)
    PASSED = "passed"
    STATE_SECRET = "state_secret"


class VersionStatus(Labelled):  # GZ-8, GZ-9
    COMPILED = "compiled"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


# StrEnum members compare and hash as their values, so ResourceKind.LICENCE and
# LibraryGroup.LICENCE ("licence"), UpdateCycle.REALTIME and DeadlineClass.REALTIME ("realtime"),
# Sensitivity.STATE_SECRET and ReviewResult.STATE_SECRET ("state_secret") would share one slot of
# a dict keyed by member and show each other's label. Labels are keyed by (vocabulary, value).
_LABELLED: tuple[tuple[StrEnum, str], ...] = (
    (Category.BASE, "基础信息资源"), (Category.THEME, "主题信息资源"), (Category.DEPARTMENT, "部门信息资源"),
    (FormatClass.ELECTRONIC_FILE, "电子文件"), (FormatClass.SPREADSHEET, "电子表格"),
    (FormatClass.DATABASE, "数据库"), (FormatClass.IMAGE, "图形图像"), (FormatClass.STREAMING, "流媒体"),
    (FormatClass.SELF_DESCRIBING, "自描述格式"), (FormatClass.SERVICE_API, "服务接口"),
    (ShareType.UNCONDITIONAL, "无条件共享"), (ShareType.CONDITIONAL, "有条件共享"),
    (ShareType.NOT_SHARED, "不予共享"),
    (ShareMode.PLATFORM_TABLE, "共享平台·库表"), (ShareMode.PLATFORM_API, "共享平台·接口"),
    (ShareMode.PLATFORM_FILE, "共享平台·文件"), (ShareMode.EMAIL, "邮件"), (ShareMode.MEDIA, "介质"),
    (UpdateCycle.REALTIME, "实时"), (UpdateCycle.DAILY, "每日"), (UpdateCycle.WEEKLY, "每周"),
    (UpdateCycle.MONTHLY, "每月"), (UpdateCycle.QUARTERLY, "每季度"), (UpdateCycle.HALF_YEARLY, "每半年"),
    (UpdateCycle.YEARLY, "每年"),
    (DeadlineClass.REALTIME, "实时更新"), (DeadlineClass.WITHIN_3_DAYS, "产生后3日内"),
    (DeadlineClass.QUARTERLY_FILED, "经备案按季度（季度首月前10日内）"),
    (ResourceKind.LICENCE, "证照"), (ResourceKind.DOCUMENT, "文书"), (ResourceKind.BUSINESS, "其他业务信息"),
    (LibraryGroup.NATURAL_PERSON, "人口基础信息库"), (LibraryGroup.LEGAL_PERSON, "法人基础信息库"),
    (LibraryGroup.GEOGRAPHY, "自然资源和空间地理基础信息库"),
    (LibraryGroup.REAL_ESTATE, "不动产基础信息库"), (LibraryGroup.LICENCE, "证照库"),
    (LibraryGroup.SPECIALISED, "部门专业信息库"),
    (DataType.C, "字符型"), (DataType.N, "数值型"), (DataType.Y, "货币型"), (DataType.D, "日期型"),
    (DataType.T, "日期时间型"), (DataType.L, "逻辑型"), (DataType.M, "备注型"), (DataType.G, "通用型"),
    (DataType.B, "二进制"), (DataType.I, "整型"), (DataType.F, "浮点型"),
    (Sensitivity.NONE, "不涉密"), (Sensitivity.PERSONAL_PRIVACY, "个人隐私"),
    (Sensitivity.TRADE_SECRET, "商业秘密"), (Sensitivity.STATE_SECRET, "国家秘密"),
    (SubjectKey.ID_NUMBER, "公民身份号码"), (SubjectKey.CREDIT_CODE, "统一社会信用代码"),
    (SubjectKey.ORG_CODE, "组织机构代码"), (SubjectKey.BUSINESS_LICENCE_NO, "营业执照注册号"),
    (SubjectKey.LICENCE_NO, "证照编号"), (SubjectKey.OTHER, "其他标识"),
    (EntryStatus.DRAFT, "草稿"), (EntryStatus.SUBMITTED, "已报送"), (EntryStatus.FILED, "已备案"),
    (EntryStatus.RETURNED, "已退回"),
    (ReviewResult.PASSED, "通过（不含国家秘密）"), (ReviewResult.STATE_SECRET, "含国家秘密，不得上平台"),
    (VersionStatus.COMPILED, "已编制待审批"), (VersionStatus.APPROVED, "政府已批准"),
    (VersionStatus.REJECTED, "政府未批准"), (VersionStatus.PUBLISHED, "已发布"),
    (VersionStatus.SUPERSEDED, "已被新版本取代"),
)
LABELS: dict[tuple[type, str], str] = {(type(m), m.value): text for m, text in _LABELLED}
