"""Import and export of catalogs (issue 3, part 8): agencies fill their catalog in the Excel
template and import it all or nothing (GZ-7); any version of the shared catalog is exported to
Excel, and the published one as DCAT for catalog harvesters (GZ-8).

An import drafts every entry through `entry_service.draft_entries` (`draft_entry` batched), so
the rules, one datum one source (GZ-13), resource codes and the audit apply exactly as for an
entry typed in the console.
Before the first write the whole file is checked — cells, `rules.check_entry`, the base-item
claims — so a file with any bad row writes nothing and every error comes back at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from govshare.catalog import dcat, entry_service, excel, excel_read, policy
from govshare.catalog.excel_read import CellError, ParsedEntry
from govshare.catalog.models import BaseItem, Entry, Version, VersionEntry
from govshare.catalog.single_source import check_single_source
from govshare.catalog.snapshot import thaw
from govshare.catalog.terms import VersionStatus
from govshare.directory.models import Agency
from govshare.kit.actor import Actor
from govshare.kit.clock import CHINA
from govshare.kit.errors import InvalidInput, NotFound

Progress = Callable[[str, int, int], None]
EXCEL_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 1000  # entries drafted per batch: large enough to batch, small enough for the bar


class ImportRefused(InvalidInput):
    """The file has errors and nothing was imported; `errors` lists every one of them."""

    def __init__(self, errors: list[CellError]):
        super().__init__(f"导入文件有 {len(errors)} 处错误，未导入任何条目；请按错误清单修改后重新导入",
                         field="file", rule="import_errors", code="import_refused")
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    entries: list[Entry]
    items: int


def template(actor: Actor) -> bytes:
    """The empty Excel template of an agency catalog."""
    policy.can_read_catalog(actor)
    return excel.template_bytes()


def find_agency(session: Session, actor: Actor, key: str) -> Agency:
    """An agency by its 统一社会信用代码 or its number, as an operator names it."""
    policy.can_read_catalog(actor)
    key = (key or "").strip()
    stmt = select(Agency).where(Agency.credit_code == key.upper())
    agency = session.scalar(stmt) or (session.get(Agency, int(key)) if key.isdigit() else None)
    if agency is None:
        raise NotFound(f"没有统一社会信用代码或编号为“{key}”的机关")
    return agency


def import_agency_catalog(session: Session, actor: Actor, agency_id: int, file_bytes: bytes,
                          progress: Progress | None = None) -> ImportReport:
    """Draft every entry of the file into the agency's catalog, or — if any row is bad — none,
    raising ImportRefused with every error by worksheet, row, column and rule."""
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"机关 {agency_id} 不存在")
    policy.can_edit_catalog(actor, agency)
    report = progress or (lambda *_: None)
    parsed = excel_read.read_catalog(file_bytes, _credit_codes(session), report)
    errors = parsed.errors + _source_errors(session, agency.id, parsed.entries)
    if errors:
        raise ImportRefused(sorted(errors, key=CellError.sort_key))
    entries = _draft_in_chunks(session, actor, agency.id, [p.draft for p in parsed.entries], report)
    return ImportReport(entries, sum(len(e.items) for e in entries))


def _draft_in_chunks(session: Session, actor: Actor, agency_id: int, drafts: list,
                     report: Progress) -> list[Entry]:
    """Batched drafting, a chunk at a time so the progress bar moves. All chunks share the
    caller's transaction, so the import stays all or nothing."""
    entries: list[Entry] = []
    for start in range(0, len(drafts), CHUNK):
        entries += entry_service.draft_entries(session, actor, agency_id,
                                               drafts[start:start + CHUNK])
        report("写入", len(entries), len(drafts))
    return entries


def _credit_codes(session: Session) -> dict[str, int]:
    return {code.upper(): id_ for code, id_ in session.execute(select(Agency.credit_code, Agency.id))}


def _source_errors(session: Session, agency_id: int, entries: list[ParsedEntry]) -> list[CellError]:
    """One datum, one source (GZ-13) for every item that claims a base item. The claimed base
    items are loaded in one query and held while checking: the session's identity map keeps
    only referenced objects, so each check then finds them there instead of asking the
    database row by row."""
    codes = {i.base_item_code for p in entries for i in p.items if i.base_item_code}
    bases = list(session.scalars(select(BaseItem).where(BaseItem.code.in_(sorted(codes))))) \
        if codes else []
    errors = []
    for p in entries:
        for i, item in enumerate(p.items):
            if not item.base_item_code:
                continue
            try:
                check_single_source(session, agency_id, [item])
            except InvalidInput as exc:
                where = InvalidInput(exc.message, field=f"items[{i}].base_item_code", rule=exc.rule)
                errors.append(excel_read.locate(p, where))
    del bases  # held until here on purpose (see above)
    return errors


# --- export ------------------------------------------------------------------------------

def _version(session: Session, version_id: int | None) -> Version:
    if version_id is None:
        version = session.scalar(select(Version).where(
            Version.status == VersionStatus.PUBLISHED.value).limit(1))
        if version is None:
            raise NotFound("尚无已发布的共享目录")
        return version
    version = session.get(Version, version_id)
    if version is None:
        raise NotFound(f"共享目录版本 {version_id} 不存在")
    return version


def _documents(session: Session, version_id: int) -> Iterator[dict]:
    rows = session.scalars(select(VersionEntry.content).where(VersionEntry.version_id == version_id)
                           .order_by(VersionEntry.resource_code).execution_options(yield_per=1000))
    for content in rows:
        yield thaw(content)


def export_version_excel(session: Session, actor: Actor,
                         version_id: int | None) -> tuple[Version, bytes]:
    """A version of the shared catalog (None: the published one) as an Excel workbook in the
    template's layout, every field of every entry (GZ-8), with 资源代码 and the provider in front."""
    policy.can_read_catalog(actor)
    version = _version(session, version_id)
    codes = {id_: code for code, id_ in _credit_codes(session).items()}
    front = [("共享目录版本", f"第 {version.number} 版"), ("状态", VersionStatus(version.status).label),
             ("发布时间", _local(version.published_at) or "未发布"), ("条目数", str(version.entry_count))]
    data = excel.catalog_bytes(_documents(session, version.id), exported=True, agency_codes=codes,
                               front=front)
    return version, data


def export_dcat(session: Session, actor: Actor, version_id: int | None, fmt: str,
                base_uri: str = "urn:govshare:") -> tuple[Version, str]:
    """The published shared catalog (or the version asked for) as DCAT: `jsonld` or `ttl`."""
    policy.can_read_catalog(actor)
    if fmt not in dcat.FORMATS:
        raise InvalidInput("格式只能是 jsonld 或 ttl", field="format", rule="one_of")
    version = _version(session, version_id)
    meta = {"number": version.number, "title": f"政府信息共享目录（第 {version.number} 版）",
            "description": f"{VersionStatus(version.status).label}，共 {version.entry_count} 个信息资源",
            "published_at": version.published_at.isoformat() if version.published_at else None}
    graph = dcat.catalog_graph(meta, _documents(session, version.id), base_uri)
    return version, dcat.serialize(graph, fmt)


def _local(moment) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""
