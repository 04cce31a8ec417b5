"""The workbench's entry point: page list, shared frame (identity), and navigation."""

from __future__ import annotations

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

leave_legacy_pages_mode()

st.set_page_config(
    page_title="AI risk & impact workbench",
    page_icon=":material/balance:",
    layout="wide",
)


def page_sections() -> dict[str, list[st.Page]]:
    """Every page of the app in its menu section; the one place that decides what is shown
    (a role-based sign-in will shape this list)."""
    return {
        "Overview": [
            st.Page(HOME, title="Home", icon=":material/home:", url_path="home", default=True),
        ],
        "Inventory": [
            st.Page(INVENTORY, title="AI systems", icon=":material/list:", url_path="systems"),
            st.Page(
                SYSTEM_EDIT, title="Add AI system", icon=":material/add:", url_path="system-edit"
            ),
            st.Page(
                SYSTEM,
                title="AI system",
                icon=":material/memory:",
                url_path="system",
                visibility="hidden",
            ),
        ],
        "Assurance": [
            st.Page(AUDIT_LOG, title="Audit log", icon=":material/history:", url_path="audit"),
        ],
    }


navigation = st.navigation(page_sections())
identity_sidebar()
navigation.run()
