"""The page list and the frame every page runs in (title, identity, busy database).

app.py calls `run_app`; each page file ends with `run_page(main)`. A page file that Streamlit
runs without app.py (the first session after a start, opened on a deep link: Streamlit then
treats the pages/ folder as a legacy multipage app) declares the navigation itself and reruns,
so every page is always drawn inside the same frame.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import streamlit as st

from assessments.errors import DatabaseBusyError
from assessments.identity import LOCAL_NEWCOMER_ROLES, Permission, local_actor, ui_run
from assessments.text import escape_markdown
from ui.common import (
    AUDIT_LOG,
    HOME,
    IMPACT_ASSESSMENTS,
    IMPACT_RESULT,
    IMPACT_WIZARD,
    INVENTORY,
    PEOPLE,
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
)
from ui.identity import (
    OIDC,
    UNCONFIGURED,
    auth_mode,
    current_actor,
    identity_sidebar,
    local_banner,
    setup_page,
    sign_in_page,
    start_run,
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
    # The permission a person needs to see the page at all (None: everyone signed in).
    needs: Permission | None = None


# Every page of the app in its menu section: the one place that decides what is shown. A page
# whose `needs` the person's roles lack is left out of their menu, and its URL does not open.
MENU: dict[str, list[MenuEntry]] = {
    "Overview": [MenuEntry(HOME, "Home", ":material/home:", default=True)],
    "Leadership": [
        MenuEntry(PORTFOLIO, "Portfolio", ":material/grid_view:"),
        MenuEntry(TRENDS, "Trends", ":material/trending_down:"),
    ],
    "Inventory": [
        MenuEntry(INVENTORY, "AI systems", ":material/list:"),
        MenuEntry(SYSTEM_EDIT, "Add AI system", ":material/add:", needs=Permission.EDIT_INVENTORY),
        MenuEntry(SYSTEM, "AI system", ":material/memory:", hidden=True),
    ],
    "Risk": [
        MenuEntry(RISK_NEW, "Identify risks", ":material/add_alert:", needs=Permission.EDIT_RISKS),
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
        MenuEntry(
            WORKSHOP_CONSOLE,
            "Workshop console",
            ":material/co_present:",
            hidden=True,
            needs=Permission.FACILITATE,
        ),
    ],
    "Assurance": [
        MenuEntry(AUDIT_LOG, "Audit log", ":material/history:"),
        MenuEntry(PEOPLE, "People and roles", ":material/badge:", needs=Permission.MANAGE_PEOPLE),
    ],
}


def _page(entry: MenuEntry) -> st.Page:
    return st.Page(
        entry.path,
        title=entry.title,
        icon=entry.icon,
        url_path=Path(entry.path).stem,
        default=entry.default,
        visibility="hidden" if entry.hidden else "visible",
    )


def page_sections(allowed: frozenset[Permission] | None = None) -> dict[str, list[st.Page]]:
    """The menu as Streamlit pages: those `allowed` permissions open (None: every page)."""
    sections = {
        section: [
            _page(entry)
            for entry in entries
            if allowed is None or entry.needs is None or entry.needs in allowed
        ]
        for section, entries in MENU.items()
    }
    return {section: pages for section, pages in sections.items() if pages}


def _gate_pages() -> dict[str, list[st.Page]] | None:
    """The pages a visitor sees before the app opens: setting up sign-in, or signing in (and
    joining a workshop, which needs no account). None once the person may use the app."""
    mode = auth_mode()
    if mode == UNCONFIGURED:
        return {"": [st.Page(setup_page, title="Set up sign-in", url_path="setup", default=True)]}
    if mode == OIDC and not st.user.is_logged_in:
        join = next(entry for entry in MENU["Committee"] if entry.path == WORKSHOP_JOIN)
        sign_in = st.Page(sign_in_page, title="Sign in", icon=":material/login:", default=True)
        return {"": [sign_in, _page(join)]}
    return None


def _navigation() -> st.Page:
    """Declare this person's menu for this run (at the top of the page); return the chosen
    page."""
    gate = _gate_pages()
    if gate is not None:
        return st.navigation(gate, position="top")
    return st.navigation(page_sections(_allowed()), position="top")


def _allowed() -> frozenset[Permission]:
    actor = current_actor()
    if actor is not None:
        return actor.permissions
    # Local mode before a name is typed: the pages a newcomer's name will open.
    return local_actor("newcomer", LOCAL_NEWCOMER_ROLES).permissions


_NEEDS = {entry.path: entry.needs for entries in MENU.values() for entry in entries}


def opens(page: str) -> bool:
    """Whether this person's menu holds the page (a link to a page it lacks would fail)."""
    needs = _NEEDS.get(page)
    return needs is None or needs in _allowed()


def page_link(page: str, **options: Any) -> None:
    """`st.page_link` to a page of this person's menu; nothing for a page their roles do not
    open."""
    if opens(page):
        st.page_link(page, **options)


def run_app() -> None:
    """app.py: the page setup, the navigation, the identity sidebar, then the chosen page."""
    st.set_page_config(
        page_title="AI risk & impact workbench",
        page_icon=":material/balance:",
        layout="wide",
    )
    st.session_state[_IN_APP_FRAME] = True
    start_run()
    page = _navigation()
    local_banner()
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
        with ui_run():
            main()
    except DatabaseBusyError as error:
        st.error(escape_markdown(error), icon=":material/hourglass_top:")
