"""The yearly archive transfer (归档移交, GZ-15, GD-9): 行政机关……在每年6月30日前将上一年度的电子文件
移交同级国家档案馆 (《广州市政府信息共享管理规定》第十五条).

- `status`: per provider agency, the year's documents (archive_content), the latest transfer, the
  deadline (30 June of the next year) and the days left — calendar and working days.
- `transfer`: packs the agency's documents of a finished year (archive_package), signs the
  manifest with the platform key, records the transfer (late after 30 June: 逾期移交) and audits
  it. A year not yet ended is refused (422), a second transfer of an agency-year too (409) unless
  the earlier one was marked failed.
- `record_receipt` / `mark_failed`: the archive signed for it, or the hand-over failed.

Lives in exchange until the `supervision` package design.md plans exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from govshare import evidence
from govshare.directory.models import Agency
from govshare.evidence.keystore import PLATFORM, KeyStore, KeyUnavailable
from govshare.evidence.signing import Signer
from govshare.exchange import archive_content, archive_package, archive_seals
from govshare.exchange import archive_policy as policy
from govshare.exchange.archive_content import YearContent
from govshare.exchange.archive_events import ArchiveReceiptRecorded, ArchiveTransferFailed, ArchiveTransferred
from govshare.exchange.archive_models import FAILED, OVERDUE, RECEIVED, TRANSFERRED, ArchiveTransfer
from govshare.kit import clock
from govshare.kit.actor import Actor
from govshare.kit.errors import Conflict, InvalidInput, NotFound
from govshare.kit.system import system_use
from govshare.workdays import service as workdays

FIRST_YEAR = 2000
NOTE_MAX = 500
Progress = Callable[[int, int], None]  # records written, records expected


@system_use("date arithmetic from the regulation")
def deadline_date(year: int) -> date:
    """30 June of the following year: 在每年6月30日前将上一年度的电子文件移交."""
    return date(year + 1, 6, 30)


@dataclass(frozen=True)
class Countdown:
    deadline: date
    calendar_days: int  # to the deadline, negative once past
    working_days: int  # working days after today up to the deadline (workdays calendar)
    provisional: bool  # the calendar of a year on the way is not known yet


@system_use("deadline arithmetic; reveals nothing")
def countdown(session: Session, year: int, today: date | None = None) -> Countdown:
    today = today or clock.today()
    due = deadline_date(year)
    count = workdays.working_days_between(session, today, due)
    return Countdown(due, (due - today).days, count.days, count.provisional)


@dataclass(frozen=True)
class AgencyYear:
    agency_id: int
    agency_name: str
    credit_code: str
    content: YearContent | None  # None: no electronic documents that year
    transfer: ArchiveTransfer | None  # the latest attempt
    may_transfer: bool

    @property
    def state(self) -> str:
        if self.transfer is not None:
            return self.transfer.status
        return "pending" if self.content is not None else "nothing"


def status(session: Session, actor: Actor, year: int, agency_id: int | None = None) -> list[AgencyYear]:
    """The agencies' documents of `year` and their transfers: every agency for the city IT
    authority and oversight, one's own agency otherwise."""
    policy.can_view(actor, agency_id)
    if not policy.sees_every_agency(actor):
        agency_id = actor.agency_id
    held = archive_content.holdings(session, year, agency_id)
    latest = latest_transfers(session, year, agency_id)
    ids = set(held) | set(latest) | ({agency_id} if agency_id is not None else set())
    agencies = session.scalars(select(Agency).where(Agency.id.in_(ids)).order_by(Agency.id)) if ids else []
    return [AgencyYear(a.id, a.name, a.credit_code, held.get(a.id), latest.get(a.id),
                       policy.may_transfer(actor, a.id)) for a in agencies]


@system_use("read by status, transfer and the deadline watch after their own checks")
def latest_transfers(session: Session, year: int, agency_id: int | None = None) -> dict[int, ArchiveTransfer]:
    stmt = select(ArchiveTransfer).where(ArchiveTransfer.year == year).order_by(ArchiveTransfer.attempt)
    if agency_id is not None:
        stmt = stmt.where(ArchiveTransfer.agency_id == agency_id)
    return {t.agency_id: t for t in session.scalars(stmt)}  # the last attempt wins


def transfer(session: Session, actor: Actor, keys: KeyStore, agency_id: int, year: int, out_dir: Path,
             progress: Progress | None = None) -> ArchiveTransfer:
    """Pack, sign and record the transfer of an agency's electronic documents of `year`."""
    policy.can_transfer(actor, agency_id)
    today = clock.today()
    check_year(year, today)
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(f"机关 {agency_id} 不存在", field="agency", rule="agency_exists")
    earlier = latest_transfers(session, year, agency_id).get(agency_id)
    if earlier is not None and earlier.status in (TRANSFERRED, RECEIVED):
        raise Conflict(f"{agency.name} {year} 年度的电子文件已于{_cn(earlier)}移交"
                       f"（第 {earlier.attempt} 次）；只有标记为移交失败后才能重新移交",
                       field="year", rule="already_transferred", code="already_transferred")
    content = archive_content.holdings(session, year, agency_id).get(agency_id)
    if content is None:
        raise InvalidInput(f"{agency.name} 在平台上没有 {year} 年度的电子文件"
                           "（文书、证照类资源的记录或文件）", field="year", rule="nothing_to_transfer")
    signer = platform_signer(keys)
    row = _row_for(session, agency, year, earlier)
    built = _build(session, keys, agency, row, content, signer, out_dir, progress)
    _fill(row, actor, content, built, signer, today)
    session.flush()
    evidence.record(session, ArchiveTransferred(
        agency_id=agency.id, year=year, transfer_id=row.id, attempt=row.attempt,
        resources=row.resource_count, records=row.record_count, files=row.file_count,
        manifest_sm3=row.manifest_sm3, package_sm3=row.package_sm3, key_id=row.key_id,
        deadline_date=row.deadline_date, late=row.late), actor)
    return row


@system_use("a rule on the year; reads nothing")
def check_year(year: int, today: date) -> None:
    """Only a year that has ended can be transferred (上一年度): 422 naming `year` otherwise."""
    if year >= today.year:
        raise InvalidInput(f"{year} 年尚未结束，不能移交：每年6月30日前移交的是上一年度的电子文件"
                           f"（GZ-15、GD-9），今年最早可移交 {today.year - 1} 年度",
                           field="year", rule="year_not_ended")
    if year < FIRST_YEAR:
        raise InvalidInput(f"年度应在 {FIRST_YEAR} 年以后", field="year", rule="range")


@system_use("opens the platform key for a caller that already passed its policy")
def platform_signer(keys: KeyStore) -> Signer:
    """The platform's signing key, or KeyUnavailable saying what the operator must do."""
    try:
        return keys.signer(PLATFORM)
    except NotFound:
        raise KeyUnavailable("平台签名密钥尚未创建，无法签署归档移交清单；请先运行 govshare keys create",
                             field="key", rule="platform_key_missing") from None
    except KeyUnavailable as exc:
        raise KeyUnavailable(f"无法签署归档移交清单：{exc.message}", field=exc.field,
                             rule=exc.rule) from None


def _row_for(session: Session, agency: Agency, year: int, earlier: ArchiveTransfer | None) -> ArchiveTransfer:
    """The overdue mark is filled in; after a failed attempt comes the next one."""
    if earlier is not None and earlier.status == OVERDUE:
        return earlier
    row = ArchiveTransfer(agency_id=agency.id, year=year, status=TRANSFERRED,
                          attempt=earlier.attempt + 1 if earlier is not None else 1,
                          deadline_date=deadline_date(year))
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(f"{agency.name} {year} 年度的电子文件正在由他人移交，请稍后刷新查看",
                       field="year", rule="already_transferred", code="already_transferred") from None
    return row


def _build(session: Session, keys: KeyStore, agency: Agency, row: ArchiveTransfer, content: YearContent,
           signer: Signer, out_dir: Path, progress: Progress | None) -> archive_package.Built:
    total, sealers = content.records, set()
    header = {"year": row.year, "agency": {"id": agency.id, "name": agency.name,
                                           "credit_code": agency.credit_code},
              "created_at": clock.now().isoformat(timespec="seconds"),
              "deadline_date": row.deadline_date.isoformat(),
              "transfer": {"id": row.id, "attempt": row.attempt},
              "counts": {"resources": content.resources},
              "resources": _resources(content)}
    return archive_package.build(
        out_dir, archive_package.package_name(row.year, agency.credit_code, row.attempt), header,
        _records(session, content, sealers), _files(session, content), signer,
        (lambda done: progress(done, total)) if progress else None,
        lambda: archive_seals.agency_keys(keys, sealers))


def _resources(content: YearContent) -> list[dict]:
    listed = [{"resource_code": p.resource_code, "name": p.name, "kind": p.kind, "records": p.records}
              for p in content.libraries]
    codes = sorted({f.resource_code for f in content.files})
    return listed + [{"resource_code": c, "files": sum(f.resource_code == c for f in content.files)}
                     for c in codes]


def _records(session: Session, content: YearContent, sealers: set[int]):
    """Record lines with their seals; `sealers` collects the agencies whose seal keys go along."""
    for part in content.libraries:
        for r, seal in archive_content.records_of(session, part, content.year):
            if seal is not None:
                sealers.add(seal.agency_id)
            yield {"resource_code": part.resource_code, "resource_name": part.name,
                   "resource_kind": part.kind, "record_id": r.id, "load_id": r.load_id,
                   "subject": r.subject, "produced_at": r.produced_at.isoformat(),
                   "valid_from": r.valid_from.isoformat(), "loaded_at": r.loaded_at.isoformat(),
                   "division_code": r.division_code, "data": r.data,
                   "seal": archive_seals.seal_line(seal)}


def _files(session: Session, content: YearContent):
    for v in content.files:
        yield archive_package.FilePart(v.resource_code, v.version, v.filename, v.media_type,
                                       v.uploaded_at, v.content)


def _fill(row: ArchiveTransfer, actor: Actor, content: YearContent, built: archive_package.Built,
          signer: Signer, today: date) -> None:
    row.status, row.late = TRANSFERRED, today > row.deadline_date
    row.resource_count, row.record_count, row.file_count = content.resources, built.records, built.files
    row.package_path, row.package_sm3 = str(built.path), built.package_sm3
    row.manifest, row.manifest_sm3 = built.manifest.decode("utf-8"), built.manifest_sm3
    row.key_id, row.transferred_at, row.transferred_by = signer.key_id, clock.now(), actor.name[:64]


def _cn(row: ArchiveTransfer) -> str:
    moment = row.transferred_at.astimezone(clock.CHINA) if row.transferred_at else None
    return f" {moment:%Y年%m月%d日} " if moment else ""


def get_transfer(session: Session, actor: Actor, transfer_id: int) -> ArchiveTransfer:
    row = session.get(ArchiveTransfer, transfer_id)
    if row is None:
        raise NotFound(f"没有编号为 {transfer_id} 的归档移交", field="transfer_id", rule="transfer_exists")
    policy.can_view(actor, row.agency_id)
    return row


def record_receipt(session: Session, actor: Actor, transfer_id: int, received_by: str,
                   note: str = "") -> ArchiveTransfer:
    """The archive signed for the package: who received it, and the receipt's number or remarks."""
    row = get_transfer(session, actor, transfer_id)
    policy.can_record_outcome(actor, row.agency_id)
    received_by, note = (received_by or "").strip(), (note or "").strip()
    if not received_by or len(received_by) > 100:
        raise InvalidInput("请填写档案馆接收人（最长 100 个字）", field="received_by", rule="required")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"签收说明最长 {NOTE_MAX} 个字", field="note", rule="length")
    if row.status != TRANSFERRED:
        raise Conflict("只有“已移交”的归档移交可以登记接收", field="status", rule="not_transferred",
                       code="not_transferred")
    row.status, row.received_by, row.receipt_note, row.received_at = RECEIVED, received_by, note, clock.now()
    session.flush()
    evidence.record(session, ArchiveReceiptRecorded(agency_id=row.agency_id, year=row.year,
                                                    transfer_id=row.id, received_by=received_by,
                                                    note=note), actor)
    return row


def mark_failed(session: Session, actor: Actor, transfer_id: int, reason: str) -> ArchiveTransfer:
    """The hand-over failed (lost, refused by the archive): the year may then be transferred again."""
    row = get_transfer(session, actor, transfer_id)
    policy.can_record_outcome(actor, row.agency_id)
    reason = (reason or "").strip()
    if not reason or len(reason) > NOTE_MAX:
        raise InvalidInput(f"请写明移交失败的原因（最长 {NOTE_MAX} 个字）", field="reason", rule="required")
    if row.status != TRANSFERRED:
        raise Conflict("只有“已移交”且档案馆尚未接收的归档移交可以标记失败", field="status",
                       rule="not_transferred", code="not_transferred")
    row.status, row.failed_reason = FAILED, reason
    session.flush()
    evidence.record(session, ArchiveTransferFailed(agency_id=row.agency_id, year=row.year,
                                                   transfer_id=row.id, reason=reason), actor)
    return row
