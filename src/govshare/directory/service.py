"""Divisions and agencies (GZ-10, GZ-29)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.directory import policy
from govshare.directory.events import AgencyRegistered, DivisionsLoaded, ResponsiblePersonAppointed
from govshare.directory.models import Agency, Division
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Conflict, Forbidden, InvalidInput, NotFound
from govshare.kit.identifiers import normalise_credit_code
from govshare.kit.pagination import Page, PageRequest, paginate
from govshare.kit.system import system_use

LEVELS = {"city": "市级", "district": "区级"}
DIVISION_LEVELS = {"province": "省级", "city": "市级", "district": "区级"}


@system_use("reference data loaded by init, demo and the migrations' callers")
def load_divisions(session: Session, actor: Actor) -> int:
    """Load the GB/T 2260 divisions shipped with the package; existing codes are kept."""
    known = set(session.scalars(select(Division.code)))
    text = resources.files("govshare.directory").joinpath("data/divisions.csv").read_text("utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["code"] not in known]
    for r in rows:  # parents come first in the file
        session.add(Division(code=r["code"], name=r["name"], level=r["level"],
                             parent_code=r["parent_code"] or None))
        session.flush()
    if rows:
        evidence.record(session, DivisionsLoaded(count=len(rows)), actor)
    return len(rows)


def list_divisions(session: Session, actor: Actor, parent_code: str | None = None) -> list[Division]:
    """Divisions, optionally the children of one."""
    policy.can_view_directory(actor)
    stmt = select(Division).order_by(Division.code)
    if parent_code:
        stmt = stmt.where(Division.parent_code == parent_code)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class AgencyDraft:
    name: str
    credit_code: str
    level: str
    division_code: str
    responsible_name: str
    responsible_position: str = ""
    responsible_phone: str = ""
    parent_id: int | None = None
    is_it_authority: bool = False


def register_agency(session: Session, actor: Actor, draft: AgencyDraft) -> Agency:
    """Register an agency on the platform of its division."""
    policy.can_register_agency(actor, draft.division_code)
    credit_code = normalise_credit_code(draft.credit_code)
    division = _valid_division(session, draft.level, draft.division_code)
    _require_text(draft.name, "name", "机关名称")
    _require_text(draft.responsible_name, "responsible_name", "共享工作负责人")
    _check_lengths(name=draft.name, responsible_name=draft.responsible_name,
                   responsible_position=draft.responsible_position,
                   responsible_phone=draft.responsible_phone)
    _refuse_duplicate(session, draft.name.strip(), credit_code)
    if draft.parent_id is not None and session.get(Agency, draft.parent_id) is None:
        raise InvalidInput("上级机关不存在", field="parent_id", rule="exists")
    agency = Agency(
        name=draft.name.strip(), credit_code=credit_code, level=draft.level,
        division_code=division.code, platform_division_code=division.code,
        parent_id=draft.parent_id, is_it_authority=draft.is_it_authority,
        responsible_name=draft.responsible_name.strip(),
        responsible_position=draft.responsible_position.strip(),
        responsible_phone=draft.responsible_phone.strip(),
    )
    session.add(agency)
    session.flush()
    evidence.record(session, AgencyRegistered(
        agency_id=agency.id, name=agency.name, credit_code=credit_code, level=agency.level,
        division_code=agency.division_code,
        platform_division_code=agency.platform_division_code), actor)
    return agency


def _valid_division(session: Session, level: str, code: str) -> Division:
    if level not in LEVELS:
        raise InvalidInput("机关层级只能是 city（市级）或 district（区级）", field="level",
                           rule="one_of")
    division = session.get(Division, code or "")
    if division is None:
        raise InvalidInput(f"行政区划代码“{code}”不在 GB/T 2260 区划表中",
                           field="division_code", rule="gb2260")
    if division.level != level:
        raise InvalidInput(f"{LEVELS[level]}机关的行政区划应为{DIVISION_LEVELS[level]}，"
                           f"“{division.name}”是{DIVISION_LEVELS.get(division.level, division.level)}",
                           field="division_code", rule="level_matches")
    return division


def _require_text(value: str, field: str, label: str) -> None:
    if not (value or "").strip():
        raise InvalidInput(f"{label}不能为空", field=field, rule="required")


# The column widths of directory_agency. Checked here because PostgreSQL refuses a longer value
# with an error (a 500) and SQLite silently stores it: both must answer the same 422.
MAX_LENGTHS = {"name": (128, "机关名称"), "responsible_name": (64, "共享工作负责人"),
               "responsible_position": (64, "负责人职务"), "responsible_phone": (32, "联系电话")}


def _check_lengths(**values: str) -> None:
    for field, value in values.items():
        limit, label = MAX_LENGTHS[field]
        if len((value or "").strip()) > limit:
            raise InvalidInput(f"{label}最多 {limit} 个字符", field=field, rule="max_length")


def _refuse_duplicate(session: Session, name: str, credit_code: str) -> None:
    existing = session.scalars(select(Agency).where(
        or_(Agency.name == name, Agency.credit_code == credit_code))).first()
    if existing is not None:
        field = "credit_code" if existing.credit_code == credit_code else "name"
        raise Conflict(f"机关已登记：{existing.name}（{existing.credit_code}）", field=field,
                       code="agency_exists")


def list_agencies(session: Session, actor: Actor, page: PageRequest, *, q: str = "",
                  division_code: str | None = None) -> Page[Agency]:
    """The agency directory, searchable by name or credit code."""
    policy.can_view_directory(actor)
    stmt = select(Agency).order_by(Agency.level.desc(), Agency.division_code, Agency.id)
    if q:
        stmt = stmt.where(or_(Agency.name.contains(q), Agency.credit_code.contains(q.upper())))
    if division_code:
        stmt = stmt.where(Agency.division_code == division_code)
    return paginate(session, stmt, page)


def agency_names(session: Session, actor: Actor, agency_ids) -> dict[int, str]:
    """The names of these agencies, in one query (for tables that show agency ids)."""
    policy.can_view_directory(actor)
    ids = set(agency_ids)
    if not ids:
        return {}
    return dict(session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(ids))).all())


def get_agency(session: Session, actor: Actor, agency_id: int) -> Agency:
    """One agency of the directory."""
    policy.can_view_directory(actor)
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"机关 {agency_id} 不存在")
    return agency


@dataclass(frozen=True)
class AgencyRights:
    """What the actor may do with one agency, so that pages offer only what will succeed."""

    manage: bool  # appoint the responsible person, manage its users
    api_clients: bool
    roles: tuple[Role, ...]  # the roles it may grant there, in display order


def agency_rights(actor: Actor, agency: Agency) -> AgencyRights:
    """The actor's rights on an agency, asked of the policy."""
    manage = _allowed(lambda: policy.can_manage_agency(actor, agency))
    roles = tuple(policy.grantable_roles(actor)) if manage else ()
    return AgencyRights(manage=manage, roles=roles,
                        api_clients=_allowed(lambda: policy.can_view_api_clients(actor, agency)))


def _allowed(check: Callable[[], None]) -> bool:
    try:
        check()
    except (Forbidden, NotFound):
        return False
    return True


def registrable_divisions(session: Session, actor: Actor) -> list[Division]:
    """The city and district divisions in which the actor may register agencies."""
    policy.can_register_agency(actor, actor.division_code or "")
    stmt = select(Division).where(Division.level.in_(LEVELS)).order_by(Division.code)
    if actor.agency_level != "city":
        stmt = stmt.where(Division.code == actor.division_code)
    return list(session.scalars(stmt))


def appoint_responsible_person(session: Session, actor: Actor, agency_id: int, name: str,
                               position: str = "", phone: str = "") -> Agency:
    """Name the person responsible for sharing in an agency (GZ-29)."""
    agency = get_agency(session, actor, agency_id)
    policy.can_manage_agency(actor, agency)
    _require_text(name, "responsible_name", "共享工作负责人")
    _check_lengths(responsible_name=name, responsible_position=position, responsible_phone=phone)
    agency.responsible_name, agency.responsible_position = name.strip(), position.strip()
    agency.responsible_phone = phone.strip()
    session.flush()
    evidence.record(session, ResponsiblePersonAppointed(
        agency_id=agency.id, name=agency.responsible_name, position=agency.responsible_position,
        phone=agency.responsible_phone), actor)
    return agency
