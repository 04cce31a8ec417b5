"""pages/ holds pages only, each a short script of named render functions inside one frame.

A newcomer finds a page by its menu title and reads it top down: what it shows is named by its
functions, the shared parts live in ui/, and no page can skip the frame (app.py's navigation, the
busy-database message).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted((REPO / "pages").glob("*.py"))
UI_MODULES = sorted((REPO / "ui").glob("*.py"))

# Lines of a page file outside functions and classes (imports and docstring not counted).
MODULE_LEVEL_LIMIT = 80
FUNCTION_LIMIT = 100


def module_level_lines(tree: ast.Module) -> int:
    lines = 0
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        lines += (node.end_lineno or node.lineno) - node.lineno + 1
    return lines


def long_functions(tree: ast.Module) -> list[str]:
    return [
        f"{node.name} ({(node.end_lineno or node.lineno) - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        and (node.end_lineno or node.lineno) - node.lineno + 1 > FUNCTION_LIMIT
    ]


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_every_file_in_pages_is_a_page_of_the_navigation() -> None:
    from ui.navigation import MENU

    in_menu = {Path(entry.path).name for entries in MENU.values() for entry in entries}
    assert {path.name for path in PAGES} == in_menu


@pytest.mark.parametrize("path", PAGES, ids=lambda path: path.stem)
def test_a_page_is_a_short_script_that_runs_in_the_frame(path: Path) -> None:
    tree = parsed(path)
    last = tree.body[-1]
    assert (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and getattr(last.value.func, "id", "") == "run_page"
    ), f"{path.name} must end with run_page(main)"
    assert module_level_lines(tree) <= MODULE_LEVEL_LIMIT
    assert long_functions(tree) == []


@pytest.mark.parametrize("path", UI_MODULES, ids=lambda path: path.stem)
def test_shared_ui_functions_stay_short(path: Path) -> None:
    assert long_functions(parsed(path)) == []


def test_the_checks_would_catch_a_long_script() -> None:
    script = ast.parse("import streamlit as st\n" + "st.write(1)\n" * 81)
    assert module_level_lines(script) == 81
    body = "\n".join(f"    x = {n}" for n in range(100))
    assert long_functions(ast.parse(f"def f():\n{body}\n")) == ["f (101 lines)"]
