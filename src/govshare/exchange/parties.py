"""Party items of a resource served through its provider's API (GZ-18, GZ-24): one entry may name
a person in more than one item. 婚姻登记信息 is keyed by 男方公民身份号码 and also holds
女方公民身份号码, so a number looked up by the key alone misses the wife. A "party item" is the
subject-key item or another item of the same kind of identifier (its name ends like the key
item's: …公民身份号码, …统一社会信用代码, …组织机构代码) that the grant shows in clear — an item
the grant withholds or masks is never one, else an answer by that number would confirm a value the
grant hides. Forwarded queries (exchange.proxy) and verifications (exchange.verify_proxy) both ask
the provider once per party item and keep a record only if its field for that item holds the
number asked (`holds_number`), so a provider that ignores `match` cannot widen an answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from govshare.kit.errors import InvalidInput

IDENTIFIER_ENDINGS = ("公民身份号码", "统一社会信用代码", "组织机构代码")


def party_items(subject_item: str | None, clear: Sequence[str],
                fields: Mapping[str, str]) -> tuple[str, ...]:
    """The subject item, then the granted-in-clear items naming another party by the same kind of
    number, each with a provider field to look the number up in."""
    if not subject_item:
        return ()
    ending = next((e for e in IDENTIFIER_ENDINGS if subject_item.endswith(e)), None)
    others = tuple(n for n in clear if ending and n != subject_item and n.endswith(ending) and n in fields)
    return (subject_item, *others)


def holds_number(normalise: Callable[[Any, str], str], record: Mapping[str, Any], field: str | None,
                 subject: str) -> bool:
    """Whether the record's `field` holds the (normalised) number asked — normalised as ingest
    normalises it; a missing or malformed value holds nothing."""
    if not field:
        return False
    try:
        return normalise(record.get(field), "subject") == subject
    except (InvalidInput, TypeError, AttributeError):
        return False
