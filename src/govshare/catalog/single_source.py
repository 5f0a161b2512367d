"""One datum, one source (一数一源, GZ-13): a base information item is provided by the agency the
base-information catalog names for it (GZ-14), and by no one else."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog.models import BaseItem, Entry, Item
from govshare.catalog.rules import ItemDraft
from govshare.catalog.terms import EntryStatus
from govshare.directory.models import Agency
from govshare.kit.errors import InvalidInput


def check_single_source(session: Session, agency_id: int, items: Iterable[ItemDraft]) -> None:
    """Refuse an item that claims a base information item another agency is responsible for."""
    for i, item in enumerate(items):
        if not item.base_item_code:
            continue
        base = session.get(BaseItem, item.base_item_code)
        if base is None:
            raise InvalidInput(f"基准信息项“{item.base_item_code}”不在基准信息目录中",
                               field=f"items[{i}].base_item_code", rule="base_catalog")
        if base.responsible_agency_id != agency_id:
            raise InvalidInput(_refusal(session, base, item.name),
                               field=f"items[{i}].base_item_code", rule="single_source")


def _refusal(session: Session, base: BaseItem, item_name: str) -> str:
    owner = session.get(Agency, base.responsible_agency_id)
    source = authoritative_entry(session, base)
    where = f"的资源“{source.name}”（{source.resource_code}）" if source else ""
    return (f"信息项“{item_name}”属于基准信息“{base.name}”（{base.code}），其权威来源是"
            f"{owner.name}{where}。一数一源（GZ-13）：不得重复采集，请通过共享获取")


def authoritative_entry(session: Session, base: BaseItem) -> Entry | None:
    """The responsible agency's entry that carries the base item, filed ones first."""
    stmt = (select(Entry).join(Item).where(
        Item.base_item_code == base.code, Entry.agency_id == base.responsible_agency_id,
        Entry.withdrawn.is_(False))
        .order_by((Entry.status == EntryStatus.FILED.value).desc(), Entry.id).limit(1))
    return session.scalars(stmt).first()
