"""People and roles: who has used the workbench and what each may do (admins only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessments.identity import ROLE_DESCRIPTIONS, ROLE_LABELS, Permission, Role
from assessments.store import people
from ui.common import attempt, database, field_error, flash, labelled, plain, show_flash
from ui.identity import require_actor_notice
from ui.navigation import run_page

PREFIX = "people_"


def roles_text(stored: str) -> str:
    return ", ".join(ROLE_LABELS[role] for role in sorted(people.decode_roles(stored))) or "none"


def render_people(listed: pd.DataFrame) -> None:
    shown = pd.DataFrame(
        {
            "Name": listed["name"],
            "E-mail": listed["email"],
            "Roles": [roles_text(value) for value in listed["roles"]],
            "Signed in": ["yes" if value else "typed name" for value in listed["verified"]],
            "First seen (UTC)": listed["first_seen"],
            "Last change by": listed["updated_by"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")


def render_role_form(listed: pd.DataFrame) -> None:
    actor = require_actor_notice(Permission.MANAGE_PEOPLE)
    names = dict(zip(listed["subject"], listed["name"] + " " + listed["email"], strict=True))
    subject = st.selectbox(
        "Person", list(names), format_func=labelled(names), key=PREFIX + "subject"
    )
    current = listed.loc[listed["subject"] == subject, "roles"].iloc[0]
    with st.form(PREFIX + "form"):
        chosen = st.multiselect(
            "Roles",
            list(Role),
            default=sorted(people.decode_roles(current)),
            format_func=lambda role: ROLE_LABELS[role],
            key=f"{PREFIX}roles_{subject}",
        )
        errors = st.session_state.get(PREFIX + "errors", {})
        field_error(errors, "form")
        saved = st.form_submit_button("Save roles", type="primary", disabled=actor is None)
    if saved and actor is not None:
        _, errors = attempt(lambda: people.set_roles(database(), actor, subject, chosen))
        st.session_state[PREFIX + "errors"] = errors
        if not errors:
            flash(f"Saved the roles of {names[subject]}.")
        st.rerun()


def main() -> None:
    st.title("People and roles")
    st.caption(
        "Everyone who has signed in (or typed a name, in local mode). Roles decide which pages "
        "a person sees and which changes the workbench accepts from them; roles a provider "
        "sends in a claim are added at sign-in and are not listed here."
    )
    show_flash()
    listed = people.list_people(database())
    if listed.empty:
        st.info("Nobody has signed in yet.")
        return
    render_people(listed)
    st.subheader("Change a person's roles")
    render_role_form(listed)
    with st.expander("What each role may do"):
        for role in Role:
            st.markdown(f"**{plain(ROLE_LABELS[role])}**: {plain(ROLE_DESCRIPTIONS[role])}")


run_page(main)
