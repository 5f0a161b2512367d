"""Every audited event type has a Chinese name on the audit page."""

from __future__ import annotations

import importlib
import pkgutil

import govshare
from govshare.evidence.events import Event
from govshare.evidence.labels import EVENT_LABELS, event_label


def _event_types() -> set[str]:
    for mod in pkgutil.walk_packages(govshare.__path__, "govshare."):
        if mod.name.endswith(".events"):
            importlib.import_module(mod.name)
    found, todo = set(), list(Event.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        # Bases such as RequestStepEvent are never recorded; tests define events of their own.
        if not cls.__subclasses__() and cls.__module__.startswith("govshare."):
            found.add(cls.__name__)
    return found


def test_every_event_type_has_a_chinese_name():
    missing = sorted(_event_types() - set(EVENT_LABELS))
    assert missing == [], f"add these to evidence/labels.py: {missing}"


def test_an_unknown_type_shows_as_its_code():
    assert event_label("RequestRefused") == "提供机关拒绝共享"
    assert event_label("SomethingNew") == "SomethingNew"
