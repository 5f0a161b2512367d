"""The Chinese names of the coded values of a frozen entry document (catalog/terms.py), so the
published page and the API say 有条件共享, not conditional."""

from __future__ import annotations

from typing import Any

from govshare.catalog.terms import (
    Category,
    DataType,
    DeadlineClass,
    FormatClass,
    Labelled,
    LibraryGroup,
    ResourceKind,
    Sensitivity,
    ShareMode,
    ShareType,
    SubjectKey,
    UpdateCycle,
)

ENTRY_VOCABULARY: dict[str, type[Labelled]] = {
    "category": Category, "format_class": FormatClass, "share_type": ShareType,
    "share_mode": ShareMode, "update_cycle": UpdateCycle, "deadline_class": DeadlineClass,
    "resource_kind": ResourceKind, "library_group": LibraryGroup}
ITEM_VOCABULARY: dict[str, type[Labelled]] = {
    "data_type": DataType, "share_type": ShareType, "sensitivity": Sensitivity,
    "subject_key": SubjectKey}


def label(vocabulary: type[Labelled], value: Any) -> str | None:
    """The Chinese label of a coded value; None for a blank value, the code itself if unknown."""
    if value is None or value == "":
        return None
    try:
        return vocabulary(value).label
    except ValueError:
        return str(value)


def entry_labels(doc: dict[str, Any]) -> dict[str, str | None]:
    return {name: label(vocabulary, doc.get(name)) for name, vocabulary in ENTRY_VOCABULARY.items()}


def item_labels(item: dict[str, Any]) -> dict[str, str | None]:
    return {name: label(vocabulary, item.get(name)) for name, vocabulary in ITEM_VOCABULARY.items()}
