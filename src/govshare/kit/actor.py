"""Who is acting. Built once per request/command from a user or an API client, passed to every
service and policy function, and recorded in the audit chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    AGENCY_STAFF = "agency_staff"  # 机关工作人员
    AGENCY_ADMIN = "agency_admin"  # 机关管理员
    IT_AUTHORITY = "it_authority"  # 信息化主管部门 (city or district by the agency's level)
    GOVERNMENT = "government"  # 人民政府审批人
    SUPERVISION = "supervision"  # 监察
    AUDITOR = "auditor"  # 审计


ROLE_LABELS = {
    Role.AGENCY_STAFF: "机关工作人员",
    Role.AGENCY_ADMIN: "机关管理员",
    Role.IT_AUTHORITY: "信息化主管部门",
    Role.GOVERNMENT: "政府审批人",
    Role.SUPERVISION: "监察人员",
    Role.AUDITOR: "审计人员",
}


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "api_client" or "system"
    id: int | None
    name: str
    agency_id: int | None
    agency_level: str | None  # "city" or "district"
    division_code: str | None
    roles: frozenset[Role] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_city_it_authority(self) -> bool:
        return Role.IT_AUTHORITY in self.roles and self.agency_level == "city"

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind


SYSTEM = Actor(kind="system", id=None, name="系统", agency_id=None, agency_level="city",
               division_code=None, roles=frozenset(Role))
