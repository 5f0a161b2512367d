"""The import-linter contract (design.md's direction of imports) holds, and the code stays in
the shape CONVENTIONS.md asks for."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "govshare"


def test_import_linter_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_services_never_commit():
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name in ("db.py",) or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "commit"):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    # The transaction belongs to the boundary: kit/http.py (requests) and db.unit_of_work.
    assert [o for o in offenders if not o.startswith("kit/http.py")] == []


def test_modules_stay_small():
    big = [(str(p.relative_to(SRC)), n) for p in SRC.rglob("*.py")
           if "migrations" not in p.parts
           and (n := len(p.read_text(encoding="utf-8").splitlines())) > 400]
    assert big == []
