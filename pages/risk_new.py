"""Identify risks for one AI system: suggestions from the risk library, or a risk of your own.

`?system=<id>` preselects the system. Picking a suggestion opens the same form as writing one
from scratch, prefilled and editable; nothing is saved until Save. A library entry's typical
likelihood and severity are only offered later, as a starting point of the inherent rating.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from assessments import catalog
from assessments.catalog import Taxonomy
from assessments.criteria import RiskCriteria
from assessments.identification import (
    Suggestion,
    blank_risk,
    prefill_from_library,
    suggestions,
    typical_rating,
)
from assessments.identity import Permission
from assessments.inventory import AISystem
from assessments.risks import RiskInput
from assessments.store import criteria as criteria_store
from assessments.store import inventory as inventory_store
from assessments.store import risk_summary
from assessments.store import risks as risks_store
from assessments.store.db import Database
from ui.common import (
    RISK,
    SYSTEM,
    SYSTEM_EDIT,
    attempt,
    database,
    flash,
    labelled,
    plain,
    show_flash,
)
from ui.identity import current_actor, require_actor_notice
from ui.navigation import page_link, run_page
from ui.risk_widgets import risk_fields, risk_values, seed_risk_fields

PREFIX = "risknew_"
DRAFT_FOR = PREFIX + "draft_for"  # (system id, library id or None) while the form is open
ERRORS = PREFIX + "errors"
CREATED = PREFIX + "created"


def main() -> None:
    db = database()
    open_created_risk()
    render_intro()
    system = choose_system(db)
    if system is None:
        st.stop()
    if render_draft(db, system.id):
        st.stop()
    render_own_risk_button(db, system)
    render_suggestions(db, system, catalog.taxonomy())


def open_created_risk() -> None:
    """Right after a save: open the new risk's page (its rating comes next)."""
    created = st.session_state.pop(CREATED, None)
    if created is not None:
        st.switch_page(RISK, query_params={"id": created})


def render_intro() -> None:
    st.title("Identify risks")
    st.caption(
        "List what could go wrong for the people an AI system affects, and for the organisation "
        "(ISO/IEC 42001 6.1.2). Start from the library of common AI risks, filtered by what the "
        "system's inventory record says, or write your own."
    )
    show_flash()


def choose_system(db: Database) -> AISystem | None:
    """The AI system the risks are for (`?system=` preselects it), with a link to it."""
    names = inventory_store.system_names(db, include_retired=False)
    if not names:
        st.info("There is no active or planned AI system yet: risks belong to a system.")
        page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
        return None
    raw_system = st.query_params.get("system")
    preselected = int(raw_system) if raw_system and raw_system.isdigit() else None
    if preselected is not None and preselected not in names:
        st.warning(f"There is no active or planned AI system with id {plain(raw_system)}.")
        preselected = None
    system_id = st.selectbox(
        "AI system",
        list(names),
        index=list(names).index(preselected) if preselected is not None else None,
        format_func=names.get,
        placeholder="Choose the AI system",
        key=f"{PREFIX}system_{preselected}",
    )
    if system_id is None:
        return None
    if str(system_id) != raw_system:
        st.query_params["system"] = str(system_id)
    system = inventory_store.get_system(db, system_id)
    page_link(
        SYSTEM,
        label=f"Open {plain(system.name)}",
        icon=":material/memory:",
        query_params={"id": system.id},
    )
    return system


def open_form(values: dict[str, Any]) -> None:
    seed_risk_fields(PREFIX, values)
    st.session_state[DRAFT_FOR] = (values["system_id"], values.get("library_id"))
    st.session_state[ERRORS] = {}


def close_form() -> None:
    st.session_state.pop(DRAFT_FOR, None)
    st.session_state[ERRORS] = {}


def save_risk(db: Database, system_id: int, library_id: str | None) -> None:
    actor = current_actor()
    values = {**risk_values(PREFIX), "system_id": system_id, "library_id": library_id}
    if actor is None:
        st.session_state[ERRORS] = {
            "form": "Enter your name in the sidebar first: every change records who made it."
        }
        return
    risk, errors = attempt(
        lambda: risks_store.create_risk(
            db, actor, RiskInput.model_validate({k: v for k, v in values.items() if v is not None})
        )
    )
    if risk is None:
        st.session_state[ERRORS] = errors
        return
    close_form()
    flash(f"Added the risk '{risk.title}'. Next: rate its inherent risk.")
    st.session_state[CREATED] = risk.id


def render_draft(db: Database, system_id: int) -> bool:
    """The open form of a new risk for this system; False when none is open."""
    draft_for = st.session_state.get(DRAFT_FOR)
    if draft_for is None or draft_for[0] != system_id:
        return False
    library_id = draft_for[1]
    errors: dict[str, str] = st.session_state.get(ERRORS, {})
    st.subheader("New risk from the library" if library_id else "New risk", anchor=False)
    st.caption(
        "Edit anything before saving. Fields marked * are required. Once saved, you rate it: "
        "a library risk's typical rating is offered as a starting point, never saved for you."
    )
    if errors:
        st.error(
            plain(errors["form"])
            if errors.get("form")
            else "Nothing was saved: please correct the fields below."
        )
    with st.container(border=True):
        risk_fields(PREFIX, errors)
        actor = require_actor_notice(Permission.EDIT_RISKS)
        with st.container(horizontal=True):
            st.button(
                "Save the risk",
                type="primary",
                icon=":material/save:",
                on_click=save_risk,
                args=(db, system_id, library_id),
                disabled=actor is None,
            )
            st.button("Cancel", on_click=close_form)
    return True


def render_own_risk_button(db: Database, system: AISystem) -> None:
    existing = risk_summary.risks_of_system(db, system.id)
    if not existing.empty:
        st.caption(
            f"{plain(system.name)} has {len(existing)} risk{'s' if len(existing) != 1 else ''} "
            "already; "
            "suggestions it already has are marked."
        )
    st.button(
        "Write a risk of your own",
        icon=":material/edit:",
        on_click=open_form,
        args=(blank_risk(system.model_dump()),),
    )


def render_suggestions(db: Database, system: AISystem, terms: Taxonomy) -> None:
    st.subheader("Suggestions from the risk library", anchor=False)
    search_column, category_column, hide_column = st.columns([3, 2, 2], vertical_alignment="bottom")
    with search_column:
        search = st.text_input("Search the suggestions", key=PREFIX + "search")
    with category_column:
        category = st.selectbox(
            "Harm category",
            list(terms.harm_categories),
            index=None,
            format_func=labelled(terms.harm_categories),
            placeholder="All categories",
            key=PREFIX + "category",
        )
    with hide_column:
        hide_added = st.checkbox("Hide those already added", key=PREFIX + "hide_added")
    system_record = system.model_dump()
    found = suggestions(
        system_record,
        risk_summary.library_ids_of_system(db, system.id),
        search=search,
        harm_category=category,
    )
    if hide_added:
        found = [suggestion for suggestion in found if not suggestion.already_added]
    st.caption(
        f"{len(found)} suggestion{'s' if len(found) != 1 else ''} for {plain(system.name)}, the "
        "most specific to its technique, data, oversight, context and stakeholders first."
    )
    if not found:
        st.info("No library risk matches these filters. Clear the search, or write your own.")
    criteria = criteria_store.current_criteria(db)
    for suggestion in found:
        render_suggestion(suggestion, system_record, criteria, terms)


def render_suggestion(
    suggestion: Suggestion, system_record: dict[str, Any], criteria: RiskCriteria, terms: Taxonomy
) -> None:
    entry = suggestion.entry
    marker = " · already added" if suggestion.already_added else ""
    label = f"{entry.title} — {terms.harm_categories[entry.harm_category]}{marker}"
    with st.expander(label, icon=":material/check:" if suggestion.already_added else None):
        st.markdown(plain(entry.description))
        st.markdown("**Why it fits:** " + plain("; ".join(suggestion.reasons)) + ".")
        parties = ", ".join(terms.affected_parties[p] for p in entry.affected_parties)
        likelihood, severity = typical_rating(entry, criteria)
        st.markdown(
            f"**Source:** {plain(terms.risk_sources[entry.risk_source])} · **Affects:** "
            f"{plain(parties)} · **Typical starting point:** likelihood {likelihood} "
            f"({plain(criteria.step('likelihood', likelihood).label)}), severity {severity} "
            f"({plain(criteria.step('severity', severity).label)}), to be confirmed by you"
        )
        controls = ", ".join(
            f"{control_id} {catalog.control_by_id(control_id).title}"
            for control_id in entry.suggested_controls
        )
        st.caption(f"Annex A controls that help: {plain(controls)}")
        st.button(
            "Add this risk",
            key=f"{PREFIX}use_{entry.id}",
            icon=":material/add:",
            on_click=open_form,
            args=(prefill_from_library(entry, system_record),),
        )


run_page(main)
