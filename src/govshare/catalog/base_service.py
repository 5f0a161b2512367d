"""The base-information catalog (基准信息目录, GZ-14) and agencies' sharing needs (GD-12)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.catalog import policy
from govshare.catalog.events import BaseItemDefined, NeedRecorded
from govshare.catalog.models import BaseItem, Entry, Need
from govshare.catalog.terms import LibraryGroup
from govshare.directory.models import Agency
from govshare.kit.actor import Actor
from govshare.kit.errors import InvalidInput


def define_base_item(session: Session, actor: Actor, code: str, name: str, library_group: str,
                     responsible_agency_id: int, description: str = "") -> BaseItem:
    """Name a base information item and the agency responsible for collecting and providing it."""
    policy.can_maintain_base_catalog(actor)
    code, name = (code or "").strip().upper(), (name or "").strip()
    if not code or not name:
        raise InvalidInput("基准信息项须有代码和名称", field="code" if not code else "name",
                           rule="required")
    if library_group not in {g.value for g in LibraryGroup}:
        raise InvalidInput(f"所属信息库“{library_group}”无效", field="library_group", rule="one_of")
    if session.get(Agency, responsible_agency_id) is None:
        raise InvalidInput("责任机关不存在", field="responsible_agency_id", rule="exists")
    item = session.get(BaseItem, code) or BaseItem(code=code)
    item.name, item.library_group = name, library_group
    item.responsible_agency_id, item.description = responsible_agency_id, description.strip()
    session.add(item)
    session.flush()
    evidence.record(session, BaseItemDefined(code=code, name=name,
                                             responsible_agency_id=responsible_agency_id), actor)
    return item


def list_base_items(session: Session, actor: Actor) -> list[BaseItem]:
    """The whole base-information catalog."""
    policy.can_read_catalog(actor)
    return list(session.scalars(select(BaseItem).order_by(BaseItem.code)))


def record_need(session: Session, actor: Actor, agency_id: int, title: str, duty: str,
                provider_agency_id: int | None = None, resource_code: str | None = None,
                items_wanted: str = "") -> Need:
    """Record what an agency needs from others for its duties (GD-12)."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise InvalidInput("机关不存在", field="agency_id", rule="exists")
    policy.can_record_need(actor, agency)
    if not (title or "").strip():
        raise InvalidInput("需求名称不能为空", field="title", rule="required")
    if not (duty or "").strip():
        raise InvalidInput("须写明需求所依据的职责（GD-12）", field="duty", rule="required")
    if provider_agency_id is not None and session.get(Agency, provider_agency_id) is None:
        raise InvalidInput("提供机关不存在", field="provider_agency_id", rule="exists")
    resource_code = (resource_code or "").strip() or None
    if resource_code:
        _check_resource(session, resource_code, provider_agency_id)
    need = Need(agency_id=agency.id, provider_agency_id=provider_agency_id,
                resource_code=resource_code, title=title.strip(), duty=duty.strip(),
                items_wanted=items_wanted.strip())
    session.add(need)
    session.flush()
    evidence.record(session, NeedRecorded(need_id=need.id, agency_id=agency.id,
                                          provider_agency_id=provider_agency_id,
                                          title=need.title), actor)
    return need


def _check_resource(session: Session, code: str, provider_agency_id: int | None) -> None:
    # A need that names a resource must name one that exists, of the provider it names;
    # otherwise the IT authority compiling the catalog (GZ-8) could not tell what is meant.
    entry = session.scalar(select(Entry).where(Entry.resource_code == code))
    if entry is None or entry.withdrawn:
        raise InvalidInput(f"资源代码“{code}”不在目录中", field="resource_code", rule="exists")
    if provider_agency_id is not None and entry.agency_id != provider_agency_id:
        raise InvalidInput(f"资源“{entry.name}”（{code}）不是所选提供机关的资源",
                           field="resource_code", rule="provider_matches")


def list_needs(session: Session, actor: Actor, agency_id: int | None = None) -> list[Need]:
    """Recorded needs (the IT authority compiles the shared catalog from them, GZ-8)."""
    policy.can_read_catalog(actor)
    stmt = select(Need).order_by(Need.id)
    if agency_id is not None:
        stmt = stmt.where(Need.agency_id == agency_id)
    return list(session.scalars(stmt))
