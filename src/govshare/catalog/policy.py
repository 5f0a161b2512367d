"""Who may do what with catalogs (GD-31). One function per use case."""

from __future__ import annotations

from govshare.directory.models import Agency
from govshare.directory.policy import governs
from govshare.kit.actor import Actor, Role
from govshare.kit.errors import Forbidden, NotFound

CATALOGUERS = (Role.AGENCY_STAFF, Role.AGENCY_ADMIN)


def can_read_catalog(actor: Actor) -> None:
    # Every agency on the platform may see what the others hold and on what terms (GZ-8).
    if actor.kind == "anonymous":
        raise Forbidden("请先登录")


def can_read_agency_catalog(actor: Actor, agency: Agency) -> None:
    """An agency's working catalog (drafts, returns) is its own and its IT authority's."""
    if actor.agency_id == agency.id or governs(actor, agency) or actor.has(Role.AUDITOR):
        return
    raise NotFound("没有找到该机关的目录")


def can_read_entry(actor: Actor, agency: Agency, filed: bool) -> None:
    """A filed entry states what an agency holds and on what terms: every agency may read it
    (GZ-8). Drafts, reviews and returns stay within the agency and its IT authority."""
    if filed and actor.kind != "anonymous":
        return
    can_read_agency_catalog(actor, agency)


def can_edit_catalog(actor: Actor, agency: Agency) -> None:
    if actor.agency_id == agency.id and actor.has(*CATALOGUERS):
        return
    raise Forbidden("只有本机关的工作人员可以编制本机关的政务信息目录")


def can_review_confidentiality(actor: Actor, agency: Agency) -> None:
    # 保密审查 is the providing agency's own responsibility, signed by its administrator.
    if actor.agency_id == agency.id and actor.has(Role.AGENCY_ADMIN):
        return
    raise Forbidden("保密审查须由本机关管理员记录")


def can_file(actor: Actor, agency: Agency) -> None:
    """GZ-7: an agency files its catalog with the IT authority of its own level."""
    if not actor.has(Role.IT_AUTHORITY):
        raise Forbidden("只有信息化主管部门可以备案或退回目录")
    if agency.level == "city" and actor.agency_level == "city":
        return
    if agency.level == "district" and actor.agency_level == "district" \
            and actor.division_code == agency.division_code:
        return
    raise Forbidden("目录应向同级信息化主管部门备案：市级机关向市信息化主管部门，"
                    "区级机关向本区信息化主管部门")


def can_view_filing_queue(actor: Actor) -> None:
    if not actor.has(Role.IT_AUTHORITY):
        raise Forbidden("只有信息化主管部门有备案审核队列")


def can_maintain_base_catalog(actor: Actor) -> None:
    if not actor.is_city_it_authority:
        raise Forbidden("基准信息目录由市信息化主管部门维护（GZ-14）")


def can_record_need(actor: Actor, agency: Agency) -> None:
    can_edit_catalog(actor, agency)


def can_compile_version(actor: Actor) -> None:
    if not actor.is_city_it_authority:
        raise Forbidden("共享目录由市信息化主管部门编制（GZ-8）")


def can_decide_version(actor: Actor) -> None:
    if not actor.has(Role.GOVERNMENT):
        raise Forbidden("共享目录须经人民政府批准（GZ-8）")
