"""The domain package never imports Streamlit: it runs the same under the CLI, the tests and a
future API, and pages stay the only UI layer."""

from __future__ import annotations

import re
from pathlib import Path

import assessments

STREAMLIT_IMPORT = re.compile(r"^\s*(?:import\s+streamlit\b|from\s+streamlit\b)", re.MULTILINE)


def domain_modules() -> list[Path]:
    return sorted(Path(assessments.__file__).parent.rglob("*.py"))


def test_the_scan_sees_every_module_and_would_catch_an_import() -> None:
    modules = {path.name for path in domain_modules()}
    assert {"__init__.py", "cli.py", "regulatory.py", "db.py", "bench.py"} <= modules
    assert STREAMLIT_IMPORT.search("import os\n    import streamlit as st\n")
    assert STREAMLIT_IMPORT.search("from streamlit.testing.v1 import AppTest")
    assert not STREAMLIT_IMPORT.search("import streamlit_like\n# streamlit is for pages")


def test_no_module_under_assessments_imports_streamlit() -> None:
    offenders = [
        str(path.relative_to(Path(assessments.__file__).parent.parent))
        for path in domain_modules()
        if STREAMLIT_IMPORT.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
