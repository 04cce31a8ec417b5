"""What every page shares: the database of this process, the acting user, and small widgets.

This is the only place that knows who the user is: a real sign-in replaces `current_actor`
and `identity_sidebar` without touching the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from assessments.config import database_path
from assessments.errors import DatabaseBusyError
from assessments.regulatory import CLASS_COLOURS, class_label
from assessments.store.db import ACTOR_MAX_LENGTH, Database
from assessments.text import escape_markdown

ACTOR_KEY = "actor_name"
_ACTOR_KEPT = "_actor_name_kept"

# Page files, so links and switches name pages in one place.
HOME = "pages/home.py"
INVENTORY = "pages/inventory.py"
SYSTEM = "pages/system.py"
SYSTEM_EDIT = "pages/system_edit.py"
AUDIT_LOG = "pages/audit_log.py"
SOA = "pages/soa.py"  # ?control=<Annex A id> opens that control in the editor
READINESS = "pages/readiness.py"
RISK_CRITERIA = "pages/criteria.py"
RISK_NEW = "pages/risk_new.py"  # ?system=<id> preselects the AI system
RISK = "pages/risk.py"  # ?id=<risk id>
REGISTER = "pages/register.py"  # ?system=<id> preselects the AI system
PORTFOLIO = "pages/portfolio.py"
TRENDS = "pages/trends.py"  # ?risk=<risk id> or ?system=<id> opens that path
SCREENING = "pages/screening.py"
REGULATORY = "pages/regulatory.py"
IMPACT_ASSESSMENTS = "pages/impact_assessments.py"
IMPACT_WIZARD = "pages/impact_wizard.py"  # ?id=<response id>&section=<section id>
IMPACT_RESULT = "pages/impact_result.py"  # ?id=<response id>
WORKSHOPS = "pages/workshops.py"
WORKSHOP_CONSOLE = "pages/workshop_console.py"  # ?id=<workshop id>&key=<facilitator key>
WORKSHOP_JOIN = "pages/workshop_join.py"  # ?code=<join code>&token=<participant token>
# Session key holding a new workshop's facilitator key until its facilitator confirms keeping it.
WORKSHOP_NEW_KEY = "workshop_new_key_{}"


def leave_legacy_pages_mode(*, rerun: bool) -> None:
    """Run every page inside app.py's navigation, even in the first session after a start.

    Streamlit treats a folder named pages/ as a legacy multipage app until some session calls
    st.navigation; until then a deep link (a workshop join link, say) would run the page file
    alone, without app.py's frame. app.py switches the flag off and goes on to st.navigation;
    a page file reached directly switches it off and reruns, which routes through app.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if rerun:
            st.rerun()


leave_legacy_pages_mode(rerun=True)


@st.cache_resource(show_spinner="Opening the database…")
def _open_database(path: str) -> Database:
    return Database(path)


def database() -> Database:
    """The process-wide database (one DuckDB connection; a cursor per unit of work)."""
    try:
        return _open_database(str(database_path()))
    except DatabaseBusyError as error:
        st.error(str(error))
        st.stop()
        raise


def current_actor() -> str | None:
    """The name the user gave in the sidebar, or None."""
    name = str(st.session_state.get(ACTOR_KEY) or "").strip()
    return name or None


def identity_sidebar() -> None:
    """Ask for the user's name once per browser session; it is the actor on every write."""
    # st.switch_page drops every widget's value (Streamlit clears widget state on a page change
    # it did not get from the browser), so the name is also kept under a plain key and put back.
    if ACTOR_KEY in st.session_state:
        st.session_state[_ACTOR_KEPT] = st.session_state[ACTOR_KEY]
    elif st.session_state.get(_ACTOR_KEPT):
        st.session_state[ACTOR_KEY] = st.session_state[_ACTOR_KEPT]
    with st.sidebar:
        st.text_input(
            "Your name",
            key=ACTOR_KEY,
            max_chars=ACTOR_MAX_LENGTH,
            placeholder="e.g. Dana Whitfield",
            help="Recorded as 'who' on every change you make (the audit trail).",
        )
        if not current_actor():
            st.caption("Give your name to make changes; reading needs none.")


def require_actor_notice() -> str | None:
    """The actor, or a visible note next to a form explaining why saving is disabled."""
    actor = current_actor()
    if actor is None:
        st.warning(
            "Enter your name in the sidebar (top left) before saving: every change "
            "records who made it.",
            icon=":material/person:",
        )
    return actor


def plain(text: object) -> str:
    """User text made safe for markdown rendering: never interpreted as markup or HTML."""
    return escape_markdown(text)


def field_error(errors: Mapping[str, str], field: str) -> None:
    """The validation message for one field, shown right beneath it."""
    message = errors.get(field)
    if message:
        st.markdown(
            f":red[:material/error: {plain(message)}]",
            help=None,
        )


def labelled(vocabulary: Mapping[Any, str]) -> Callable[[Any], str]:
    """A format_func showing labels for stored keys."""
    return lambda key: vocabulary.get(key, str(key))


def options_with_all(values: Iterable[str]) -> list[str]:
    return ["All", *values]


def flash(message: str, kind: str = "success") -> None:
    """A message that survives the next rerun or page switch (shown once by `show_flash`)."""
    st.session_state["_flash"] = (kind, message)


def show_flash() -> None:
    entry = st.session_state.pop("_flash", None)
    if entry:
        kind, message = entry
        getattr(st, kind)(message)


def class_badge(risk_class: str | None) -> None:
    """The EU AI Act class of a system as a badge: the same colour everywhere, always with its
    label (colour alone never carries the meaning)."""
    st.badge(
        f"EU AI Act: {class_label(risk_class)}",
        icon=":material/gavel:",
        color=CLASS_COLOURS.get(risk_class or "", "gray"),
    )
