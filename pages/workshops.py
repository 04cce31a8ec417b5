"""Committee workshops: the list, the minutes, and planning a new one (risks picked from the
register or drafted on the spot).

Signed in, the person who creates a workshop facilitates it and its console opens by their
facilitator role. In local mode the facilitator is a typed name, and the console is opened with
a key shown once, since a typed name proves nothing."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assessments import catalog, vocab
from assessments.exports import EXPORTS, build_export
from assessments.identity import Actor, Permission
from assessments.reports.minutes import file_stem, minutes_pdf
from assessments.risks import TIERS, RiskInput
from assessments.store import workshop_consensus, workshop_sessions
from assessments.store.db import Database
from assessments.store.inventory import system_names
from assessments.workshops import (
    NAME_MAX,
    TITLE_MAX,
    WorkshopInput,
    display_code,
    markdown_text,
)
from ui.common import (
    CHOICE_LIMIT,
    LINK_LIMIT,
    SYSTEM_EDIT,
    WORKSHOP_CONSOLE,
    WORKSHOP_JOIN,
    WORKSHOP_KEY,
    WORKSHOP_NEW_KEY,
    attempt,
    capped_list_note,
    database,
    field_error,
    flash,
    labelled,
    show_flash,
)
from ui.identity import current_actor, require_actor_notice
from ui.navigation import opens, page_link, run_page

PREFIX = "ws_new_"
DRAFTS = PREFIX + "drafts"
ERRORS = PREFIX + "errors"
DRAFT_ERRORS = PREFIX + "draft_errors"
# A bordered box with two links per workshop: the open ones and the newest, the rest in the
# download.
WORKSHOPS_SHOWN = LINK_LIMIT // 2


def main() -> None:
    db = database()
    actor = current_actor()
    render_header()
    systems = system_names(db, include_retired=False)
    render_workshop_list(db, actor)
    render_planning(db, systems, actor)


def render_header() -> None:
    st.title("Committee workshops")
    st.caption(
        "An ethics committee rates the same risks blind, each member on their own device; the "
        "facilitator reveals the spread, the committee discusses and records one rating per "
        "risk, with its dissent, in the risk's history."
    )
    show_flash()


# --- the list ------------------------------------------------------------------------------------


def render_workshop_list(db: Database, actor: Actor | None) -> None:
    console = opens(WORKSHOP_CONSOLE)
    workshops = workshop_sessions.list_workshops(db, limit=WORKSHOPS_SHOWN)
    page_link(
        WORKSHOP_JOIN, label="Join a workshop as a participant", icon=":material/how_to_vote:"
    )
    if workshops.empty:
        st.info(
            "No workshops yet. Plan the first one below: choose the risks, share the join code "
            "in the room, and run the vote from the console.",
            icon=":material/groups:",
        )
    for row in workshops.itertuples():
        render_workshop_box(db, row, console)
    capped_list_note(
        len(workshops),
        workshop_sessions.workshop_count(db),
        "workshops (open ones, then the newest)",
        download=lambda: build_export(db, "workshops", "json"),
        file_name=f"{EXPORTS['workshops'].file_stem}.json",
        mime="application/json",
        download_label="Download every workshop (JSON)",
        key="ws_download_all",
    )


def render_workshop_box(db: Database, row: Any, console: bool) -> None:
    with st.container(border=True):
        heading, actions = st.columns([3, 2], vertical_alignment="center")
        with heading:
            st.markdown(f"**{markdown_text(row.title)}**")
            created = row.created_at.strftime("%Y-%m-%d")
            code = f" · code {display_code(row.code)}" if row.status == "open" else ""
            facilitator = markdown_text(row.facilitator)
            covered = markdown_text(", ".join(row.system_names))
            st.caption(
                f"{row.status.capitalize()}{code} · {created} · {facilitator} · {covered} · "
                f"{row.recorded} of {row.items} items recorded · {row.participants} participants"
            )
        with actions:
            console_column, minutes = st.columns(2)
            if console:
                console_column.page_link(
                    WORKSHOP_CONSOLE,
                    label="Console" if row.status == "open" else "Review",
                    icon=":material/co_present:",
                    query_params={"id": str(row.id)},
                )
            minutes.download_button(
                "Minutes",
                data=lambda workshop_id=row.id: minutes_pdf(
                    workshop_consensus.workshop_record(db, workshop_id)
                ),
                file_name=f"{file_stem(row.id, row.title)}.pdf",
                mime="application/pdf",
                on_click="ignore",
                icon=":material/picture_as_pdf:",
                key=f"ws_minutes_{row.id}",
            )


# --- planning a new workshop ---------------------------------------------------------------------


def render_planning(db: Database, systems: dict[int, str], actor: Actor | None) -> None:
    st.subheader("Plan a workshop")
    if not systems:
        st.info(
            "Add an AI system first: a workshop rates the risks of one or more AI systems.",
            icon=":material/memory:",
        )
        page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
        return
    errors: dict[str, str] = st.session_state.get(ERRORS, {})
    drafts: list[dict[str, Any]] = st.session_state.setdefault(DRAFTS, [])
    # Local mode: the typed facilitator field starts with the name typed in the sidebar.
    typed_name = actor is not None and not actor.verified
    if typed_name and not st.session_state.get(PREFIX + "facilitator"):
        st.session_state[PREFIX + "facilitator"] = actor.name
    chosen_systems = render_title_and_systems(systems, errors, actor)
    render_risk_choice(db, chosen_systems, errors)
    render_drafts(systems, drafts, errors)
    with st.expander("Draft a new risk to rate", expanded=False):
        render_draft_form(systems, chosen_systems, drafts)
    render_settings(errors)
    render_create(db, chosen_systems, drafts, errors)


def forget_errors(*fields: str) -> None:
    """The user changed a field: the message the last attempt left beside it no longer
    applies (the next attempt checks everything again)."""
    kept = st.session_state.get(ERRORS) or {}
    st.session_state[ERRORS] = {field: text for field, text in kept.items() if field not in fields}


def render_title_and_systems(
    systems: dict[int, str], errors: dict[str, str], actor: Actor | None
) -> list[int]:
    st.text_input(
        "Title *",
        key=PREFIX + "title",
        max_chars=TITLE_MAX,
        placeholder="e.g. Q4 review",
        on_change=forget_errors,
        args=("title",),
    )
    field_error(errors, "title")
    if actor is not None and actor.verified:
        st.markdown(f"**Facilitator:** {markdown_text(actor.name)} (you)")
        st.caption("Any signed-in facilitator can run its console, for example when you are away.")
    else:
        st.text_input(
            "Facilitator *",
            key=PREFIX + "facilitator",
            max_chars=NAME_MAX,
            on_change=forget_errors,
            args=("facilitator",),
        )
    field_error(errors, "facilitator")
    chosen_systems: list[int] = st.multiselect(
        "AI systems *",
        list(systems),
        format_func=lambda system_id: systems.get(system_id, str(system_id)),
        key=PREFIX + "systems",
        on_change=forget_errors,
        args=("system_ids",),
    )
    field_error(errors, "system_ids")
    return chosen_systems


def risk_labels(candidates: pd.DataFrame) -> dict[int, str]:
    return {
        int(risk.id): f"{risk.title} · {risk.system_name}"
        + (f" · {risk.level}" if isinstance(risk.level, str) else " · not rated")
        for risk in candidates.itertuples()
    }


def render_risk_choice(db: Database, chosen_systems: list[int], errors: dict[str, str]) -> None:
    candidates, candidate_total = workshop_sessions.candidate_risks(
        db, chosen_systems, limit=CHOICE_LIMIT
    )
    labels = risk_labels(candidates)
    # Keep only risks of the systems still chosen (the list of options follows the systems).
    kept = st.session_state.get(PREFIX + "risks", [])
    st.session_state[PREFIX + "risks"] = [risk_id for risk_id in kept if risk_id in labels]
    st.multiselect(
        "Risks from the register",
        list(labels),
        format_func=lambda risk_id: labels.get(risk_id, str(risk_id)),
        key=PREFIX + "risks",
        placeholder="Choose the AI systems first" if not chosen_systems else "Choose risks",
        help="The agenda follows this order; drafted risks come after them.",
        on_change=forget_errors,
        args=("risk_ids",),
    )
    field_error(errors, "risk_ids")
    capped_list_note(
        len(candidates),
        candidate_total,
        "open risks of these AI systems",
        hint="Choose fewer AI systems to be offered the others.",
    )
    if chosen_systems and candidates.empty:
        st.caption("These AI systems have no open risks in the register yet: draft them below.")


def render_drafts(
    systems: dict[int, str], drafts: list[dict[str, Any]], errors: dict[str, str]
) -> None:
    if drafts:
        st.markdown("**Drafted risks** (added to the register when the workshop is created)")
        for index, draft in enumerate(drafts):
            text, remove = st.columns([5, 1], vertical_alignment="center")
            system = systems.get(draft["system_id"], "")
            text.markdown(f"- {markdown_text(draft['title'])} · {markdown_text(system)}")
            if remove.button("Remove", key=f"{PREFIX}remove_{index}"):
                drafts.pop(index)
                forget_errors("drafts")
                st.rerun()
    field_error(errors, "drafts")


def render_draft_form(
    systems: dict[int, str], chosen_systems: list[int], drafts: list[dict[str, Any]]
) -> None:
    draft_errors: dict[str, str] = st.session_state.get(DRAFT_ERRORS, {})
    if not chosen_systems:
        st.caption("Choose the AI systems first.")
        return
    taxonomy = catalog.taxonomy()
    with st.form(PREFIX + "draft_form", clear_on_submit=False):
        st.selectbox(
            "AI system *",
            chosen_systems,
            format_func=lambda system_id: systems.get(system_id, str(system_id)),
            key=PREFIX + "draft_system",
        )
        st.text_input("Risk title *", key=PREFIX + "draft_title", max_chars=200)
        field_error(draft_errors, "title")
        st.text_area("Description", key=PREFIX + "draft_description")
        left, right = st.columns(2)
        left.selectbox(
            "Harm category *",
            list(taxonomy.harm_categories),
            format_func=labelled(taxonomy.harm_categories),
            key=PREFIX + "draft_harm",
        )
        right.selectbox(
            "Risk source *",
            list(taxonomy.risk_sources),
            format_func=labelled(taxonomy.risk_sources),
            key=PREFIX + "draft_source",
        )
        left.multiselect(
            "Affected parties *",
            list(taxonomy.affected_parties),
            format_func=labelled(taxonomy.affected_parties),
            key=PREFIX + "draft_parties",
        )
        with left:
            field_error(draft_errors, "affected_parties")
        right.selectbox(
            "Lifecycle stage *",
            list(vocab.LIFECYCLE_STAGES),
            index=list(vocab.LIFECYCLE_STAGES).index("operation_monitoring"),
            format_func=labelled(vocab.LIFECYCLE_STAGES),
            key=PREFIX + "draft_stage",
        )
        right.text_input("Risk owner *", key=PREFIX + "draft_owner", max_chars=120)
        with right:
            field_error(draft_errors, "owner")
        add = st.form_submit_button("Add to the agenda")
    if add:
        add_draft(drafts)


def add_draft(drafts: list[dict[str, Any]]) -> None:
    """Check the drafted risk (the messages go beside its fields) and put it on the agenda."""
    values = {
        "system_id": st.session_state.get(PREFIX + "draft_system"),
        "title": st.session_state.get(PREFIX + "draft_title") or "",
        "description": st.session_state.get(PREFIX + "draft_description") or "",
        "harm_category": st.session_state.get(PREFIX + "draft_harm"),
        "risk_source": st.session_state.get(PREFIX + "draft_source"),
        "affected_parties": st.session_state.get(PREFIX + "draft_parties") or [],
        "lifecycle_stage": st.session_state.get(PREFIX + "draft_stage"),
        "owner": st.session_state.get(PREFIX + "draft_owner") or "",
        "origin": "workshop draft",
    }
    drafted, draft_errors = attempt(lambda: RiskInput.model_validate(values))
    st.session_state[DRAFT_ERRORS] = draft_errors
    if drafted is not None:
        drafts.append(drafted.model_dump())
        # A drafted risk is something to rate: "choose at least one risk" is answered.
        forget_errors("risk_ids", "drafts")
        for name in ("draft_title", "draft_description"):
            st.session_state.pop(PREFIX + name, None)
    st.rerun()


def render_settings(errors: dict[str, str]) -> None:
    st.radio(
        "What the committee rates *",
        list(TIERS),
        format_func=labelled(TIERS),
        horizontal=True,
        key=PREFIX + "tier",
        help="The consensus is recorded as a rating of this tier in each risk's history.",
        on_change=forget_errors,
        args=("tier",),
    )
    st.text_area(
        "Expected participants (one name per line, optional)",
        key=PREFIX + "expected",
        help="The console lists who has not joined yet.",
        on_change=forget_errors,
        args=("expected_participants",),
    )
    field_error(errors, "expected_participants")
    st.checkbox(
        "Anonymise names in the minutes and on the projector",
        key=PREFIX + "anonymise",
        help="Votes then show 'Member 1', 'Member 2', ...; the attendee list stays.",
    )


def render_create(
    db: Database,
    chosen_systems: list[int],
    drafts: list[dict[str, Any]],
    errors: dict[str, str],
) -> None:
    # The summary follows the field messages still on screen: once every marked field has been
    # changed, it goes too. A refusal that belongs to no field stays until the next attempt.
    if any(field != "form" for field in errors):
        st.error("Nothing was saved: please correct the fields marked above.")
    if errors.get("form"):
        st.error(errors["form"])
    actor = require_actor_notice(Permission.FACILITATE)
    clicked = st.button("Create the workshop", type="primary", disabled=actor is None)
    if clicked and actor is not None:
        create(db, actor, chosen_systems, drafts)


def create(
    db: Database, actor: Actor, chosen_systems: list[int], drafts: list[dict[str, Any]]
) -> None:
    typed_facilitator = st.session_state.get(PREFIX + "facilitator") or ""
    values = {
        "title": st.session_state.get(PREFIX + "title") or "",
        "facilitator": actor.name if actor.verified else typed_facilitator,
        "system_ids": list(chosen_systems),
        "risk_ids": list(st.session_state.get(PREFIX + "risks") or []),
        "drafts": drafts,
        "tier": st.session_state.get(PREFIX + "tier") or "inherent",
        "anonymise_names": bool(st.session_state.get(PREFIX + "anonymise")),
        "expected_participants": str(st.session_state.get(PREFIX + "expected") or "").splitlines(),
    }
    created, new_errors = attempt(
        lambda: workshop_sessions.create_workshop(db, actor, WorkshopInput.model_validate(values))
    )
    if created is not None:
        for name in list(st.session_state):
            if str(name).startswith(PREFIX):
                del st.session_state[name]
        workshop_id = created.workshop.id
        if actor.verified:
            # The facilitator role opens the console: no key to keep.
            flash(f"Workshop '{created.workshop.title}' created: share its join code in the room.")
        else:
            # The key stays in this session, never in the address (browser history, the
            # projector's address bar); the console shows it once so the facilitator can keep
            # it.
            st.session_state[WORKSHOP_KEY.format(workshop_id)] = created.facilitator_key
            st.session_state[WORKSHOP_NEW_KEY.format(workshop_id)] = created.facilitator_key
        st.switch_page(WORKSHOP_CONSOLE, query_params={"id": str(workshop_id)})
    st.session_state[ERRORS] = new_errors
    st.rerun()


run_page(main)
