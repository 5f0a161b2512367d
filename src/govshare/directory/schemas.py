from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class DivisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str = Field(description="GB/T 2260 行政区划代码")
    name: str
    level: str = Field(description="province, city or district")
    parent_code: str | None


class AgencyCreate(BaseModel):
    name: str = Field(description="机关全称", examples=["广州市民政局"])
    credit_code: str = Field(description="统一社会信用代码（18位，GB 32100，含校验码）")
    level: str = Field(description="city（市级）或 district（区级）")
    division_code: str = Field(description="所属行政区划代码（GB/T 2260）")
    responsible_name: str = Field(description="共享工作负责人（GZ-29）")
    responsible_position: str = ""
    responsible_phone: str = ""
    parent_id: int | None = Field(None, description="上级机关（区分局的市级主管机关）")
    is_it_authority: bool = Field(False, description="是否为信息化主管部门")


class AgencyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    credit_code: str
    level: str
    division_code: str
    platform_division_code: str
    parent_id: int | None
    is_it_authority: bool
    responsible_name: str
    responsible_position: str
    responsible_phone: str
    active: bool


class ResponsiblePerson(BaseModel):
    name: str = Field(description="共享工作负责人姓名")
    position: str = ""
    phone: str = ""


class UserCreate(BaseModel):
    username: str
    display_name: str
    password: str = Field(description="至少 10 位")
    agency_id: int
    roles: list[str] = Field(description="agency_staff, agency_admin, it_authority, government, "
                                         "supervision, auditor")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    agency_id: int
    roles: list[str]
    active: bool
    last_login_at: datetime | None


class ApiClientCreate(BaseModel):
    name: str
    roles: list[str] = ["agency_staff"]
    # With a zone only: a naive time is ambiguous (UTC or Beijing?) and could not be compared
    # with the platform's clock (it answered 500 before).
    expires_at: AwareDatetime | None = Field(
        None, description="令牌到期时间，须带时区，如 2027-01-01T00:00:00+08:00")


class ApiClientRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    agency_id: int
    name: str
    token_prefix: str
    role_list: list[str] = Field(serialization_alias="roles")
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None
    last_used_at: datetime | None = Field(None, description="最近一次使用（每5分钟至多记录一次）")


class ApiClientIssuedRead(ApiClientRead):
    token: str = Field(description="只显示这一次；平台只保存其哈希")


class Revocation(BaseModel):
    reason: str


class Me(BaseModel):
    kind: str
    id: int | None
    name: str
    agency_id: int | None
    roles: list[str]
