"""The workbench's entry point: page list, shared frame (identity), and navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assessments.errors import DatabaseBusyError
from assessments.text import escape_markdown
from pages.common import (
    AUDIT_LOG,
    HOME,
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    INVENTORY,
    PORTFOLIO,
    READINESS,
    REGISTER,
    REGULATORY,
    RISK,
    RISK_CRITERIA,
    RISK_NEW,
    SCREENING,
    SOA,
    SYSTEM,
    SYSTEM_EDIT,
    TRENDS,
    WORKSHOP_CONSOLE,
    WORKSHOP_JOIN,
    WORKSHOPS,
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
        "Leadership": [
            page(PORTFOLIO, "Portfolio", ":material/grid_view:"),
            page(TRENDS, "Trends", ":material/trending_down:"),
        ],
        "Inventory": [
            page(INVENTORY, "AI systems", ":material/list:"),
            page(SYSTEM_EDIT, "Add AI system", ":material/add:"),
            page(SYSTEM, "AI system", ":material/memory:", visibility="hidden"),
        ],
        "Risk": [
            page(RISK_NEW, "Identify risks", ":material/add_alert:"),
            page(REGISTER, "Risk register", ":material/table_view:"),
            page(RISK, "Risk", ":material/warning:", visibility="hidden"),
            page(RISK_CRITERIA, "Risk criteria", ":material/tune:"),
        ],
        "Impact": [
            page(IMPACT_ASSESSMENTS, "Impact assessments", ":material/diversity_3:"),
            page(IMPACT_WIZARD, "Impact questions", ":material/edit_note:", visibility="hidden"),
            page(IMPACT_RESULT, "Impact result", ":material/assessment:", visibility="hidden"),
        ],
        "Compliance": [
            page(REGULATORY, "Regulatory screening", ":material/gavel:"),
            page(SCREENING, "Screening", ":material/gavel:", visibility="hidden"),
            page(SOA, "Statement of Applicability", ":material/fact_check:"),
            page(READINESS, "Clause readiness", ":material/checklist:"),
        ],
        "Committee": [
            page(WORKSHOPS, "Workshops", ":material/groups:"),
            page(WORKSHOP_JOIN, "Join a workshop", ":material/how_to_vote:"),
            page(
                WORKSHOP_CONSOLE, "Workshop console", ":material/co_present:", visibility="hidden"
            ),
        ],
        "Assurance": [
            page(AUDIT_LOG, "Audit log", ":material/history:"),
        ],
    }


navigation = st.navigation(page_sections(), position="top")
identity_sidebar()
try:
    navigation.run()
except DatabaseBusyError as error:
    # Forms show this beside themselves; this catches a write a page does not wrap in a form.
    st.error(escape_markdown(error), icon=":material/hourglass_top:")
