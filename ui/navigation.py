"""The page list and the frame every page runs in (title, identity, busy database).

app.py calls `run_app`; each page file ends with `run_page(main)`. A page file that Streamlit
runs without app.py (the first session after a start, opened on a deep link: Streamlit then
treats the pages/ folder as a legacy multipage app) declares the navigation itself and reruns,
so every page is always drawn inside the same frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import streamlit as st

from assessments.errors import DatabaseBusyError
from assessments.text import escape_markdown
from ui.common import (
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
)

# Set in the session by app.py on every run; missing while a page file runs on its own.
_IN_APP_FRAME = "_in_app_frame"


class MenuEntry(NamedTuple):
    """One page of the menu; its URL is its file name, as the legacy pages/ lookup of a deep
    link names it."""

    path: str
    title: str
    icon: str
    hidden: bool = False
    default: bool = False


# Every page of the app in its menu section: the one place that decides what is shown (a
# role-based sign-in will shape this list).
MENU: dict[str, list[MenuEntry]] = {
    "Overview": [MenuEntry(HOME, "Home", ":material/home:", default=True)],
    "Leadership": [
        MenuEntry(PORTFOLIO, "Portfolio", ":material/grid_view:"),
        MenuEntry(TRENDS, "Trends", ":material/trending_down:"),
    ],
    "Inventory": [
        MenuEntry(INVENTORY, "AI systems", ":material/list:"),
        MenuEntry(SYSTEM_EDIT, "Add AI system", ":material/add:"),
        MenuEntry(SYSTEM, "AI system", ":material/memory:", hidden=True),
    ],
    "Risk": [
        MenuEntry(RISK_NEW, "Identify risks", ":material/add_alert:"),
        MenuEntry(REGISTER, "Risk register", ":material/table_view:"),
        MenuEntry(RISK, "Risk", ":material/warning:", hidden=True),
        MenuEntry(RISK_CRITERIA, "Risk criteria", ":material/tune:"),
    ],
    "Impact": [
        MenuEntry(IMPACT_ASSESSMENTS, "Impact assessments", ":material/diversity_3:"),
        MenuEntry(IMPACT_WIZARD, "Impact questions", ":material/edit_note:", hidden=True),
        MenuEntry(IMPACT_RESULT, "Impact result", ":material/assessment:", hidden=True),
    ],
    "Compliance": [
        MenuEntry(REGULATORY, "Regulatory screening", ":material/gavel:"),
        MenuEntry(SCREENING, "Screening", ":material/gavel:", hidden=True),
        MenuEntry(SOA, "Statement of Applicability", ":material/fact_check:"),
        MenuEntry(READINESS, "Clause readiness", ":material/checklist:"),
    ],
    "Committee": [
        MenuEntry(WORKSHOPS, "Workshops", ":material/groups:"),
        MenuEntry(WORKSHOP_JOIN, "Join a workshop", ":material/how_to_vote:"),
        MenuEntry(WORKSHOP_CONSOLE, "Workshop console", ":material/co_present:", hidden=True),
    ],
    "Assurance": [MenuEntry(AUDIT_LOG, "Audit log", ":material/history:")],
}


def page_sections() -> dict[str, list[st.Page]]:
    """The menu as Streamlit pages."""
    return {
        section: [
            st.Page(
                entry.path,
                title=entry.title,
                icon=entry.icon,
                url_path=Path(entry.path).stem,
                default=entry.default,
                visibility="hidden" if entry.hidden else "visible",
            )
            for entry in entries
        ]
        for section, entries in MENU.items()
    }


def _navigation() -> st.Page:
    """Declare the menu for this run (at the top of the page) and return the chosen page."""
    return st.navigation(page_sections(), position="top")


def run_app() -> None:
    """app.py: the page setup, the navigation, the identity sidebar, then the chosen page."""
    st.set_page_config(
        page_title="AI risk & impact workbench",
        page_icon=":material/balance:",
        layout="wide",
    )
    st.session_state[_IN_APP_FRAME] = True
    page = _navigation()
    identity_sidebar()
    page.run()


def run_page(main: Callable[[], None]) -> None:
    """A page file's only top-level statement: draw the page inside app.py's frame.

    A write the database refuses because another process holds it is shown as a message, not a
    traceback, on every page alike.
    """
    if not st.session_state.get(_IN_APP_FRAME):
        _navigation()
        st.rerun()
    try:
        main()
    except DatabaseBusyError as error:
        st.error(escape_markdown(error), icon=":material/hourglass_top:")
