"""The workbench's entry point: page list, shared frame (identity), and navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.common import (
    AUDIT_LOG,
    HOME,
    INVENTORY,
    SYSTEM,
    SYSTEM_EDIT,
    identity_sidebar,
    leave_legacy_pages_mode,
)

leave_legacy_pages_mode(rerun=False)

st.set_page_config(
    page_title="AI risk & impact workbench",
    page_icon=":material/balance:",
    layout="wide",
)


def page(path: str, title: str, icon: str, **options: object) -> st.Page:
    """A page whose URL is its file name: the first session after a start resolves deep links
    through Streamlit's legacy pages/ lookup, which knows pages only by file name."""
    return st.Page(path, title=title, icon=icon, url_path=Path(path).stem, **options)


def page_sections() -> dict[str, list[st.Page]]:
    """Every page of the app in its menu section; the one place that decides what is shown
    (a role-based sign-in will shape this list)."""
    return {
        "Overview": [
            page(HOME, "Home", ":material/home:", default=True),
        ],
        "Inventory": [
            page(INVENTORY, "AI systems", ":material/list:"),
            page(SYSTEM_EDIT, "Add AI system", ":material/add:"),
            page(SYSTEM, "AI system", ":material/memory:", visibility="hidden"),
        ],
        "Assurance": [
            page(AUDIT_LOG, "Audit log", ":material/history:"),
        ],
    }


navigation = st.navigation(page_sections())
identity_sidebar()
navigation.run()
