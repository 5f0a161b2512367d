"""Every public service function checks a policy (GD-31: access control in one place per use
case), or says in a `@system_use("why")` mark why it runs without an actor's permission."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "govshare"


def service_modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py")
                  if p.name == "service.py" or p.name.endswith("_service.py"))


def _calls_policy(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "policy"):
            return True
    return False


def _marked_system_use(fn: ast.FunctionDef) -> bool:
    for deco in fn.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Name) and target.id == "system_use":
            return isinstance(deco, ast.Call) and bool(deco.args)  # the reason is required
    return False


def unguarded(source: str) -> list[str]:
    """Public top-level functions of a service module that neither call policy nor are marked."""
    tree = ast.parse(source)
    return [fn.name for fn in tree.body
            if isinstance(fn, ast.FunctionDef) and not fn.name.startswith("_")
            and not _calls_policy(fn) and not _marked_system_use(fn)]


@pytest.mark.req("GD-31")
@pytest.mark.parametrize("module", service_modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_every_public_service_function_has_a_policy(module: Path):
    assert unguarded(module.read_text(encoding="utf-8")) == []


def test_the_check_catches_a_function_without_policy():
    source = '''
def guarded(session, actor):
    policy.can_view(actor)

@system_use("sign-in")
def marked(session):
    pass

@system_use
def marked_without_reason(session):
    pass

def forgotten(session, actor):
    return session.get(Thing, 1)

def _private(session):
    pass
'''
    assert unguarded(source) == ["marked_without_reason", "forgotten"]


def test_there_are_service_modules_to_check():
    names = {p.parent.name for p in service_modules()}
    assert {"directory", "workdays", "evidence"} <= names
