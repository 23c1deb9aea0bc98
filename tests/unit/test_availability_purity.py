"""The engine is pure: every import of every module in it is the standard library or the
package itself, and nothing in it reads the clock."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import bookingsite.availability as engine

MODULES = sorted(Path(engine.__file__).parent.glob("*.py"))


def _imports(tree: ast.Module) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_engine_imports_only_the_standard_library(module: Path) -> None:
    imported = {name.split(".")[0] for name in _imports(ast.parse(module.read_text()))}
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy"}
    assert imported <= sys.stdlib_module_names | {"__future__"}, imported - sys.stdlib_module_names


@pytest.mark.parametrize("module", MODULES, ids=[m.name for m in MODULES])
def test_engine_never_reads_the_clock(module: Path) -> None:
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & {"now", "utcnow", "today", "time", "monotonic"}


def test_the_check_sees_a_forbidden_import() -> None:
    assert _imports(ast.parse("import flask\nfrom sqlalchemy import orm\nfrom . import model")) == [
        "flask",
        "sqlalchemy",
    ]
