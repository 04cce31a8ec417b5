"""One AI system: its record, its change history, and the actions on it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessments import vocab
from assessments.audit_view import audit_export, labelled_changes, parse_state
from assessments.errors import WorkbenchError
from assessments.identity import Permission
from assessments.inventory import AISystem, field_spec, retirement_notice, system_fields
from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import screenings as screening_store
from assessments.store.db import Database
from ui.common import (
    INVENTORY,
    LINK_LIMIT,
    SCREENING,
    SYSTEM_EDIT,
    capped_list_note,
    class_badge,
    database,
    flash,
    plain,
    record_from_query,
    show_flash,
    system_picker,
)
from ui.identity import require_actor_notice
from ui.impact_widgets import system_impact_section
from ui.navigation import page_link, run_page
from ui.risk_widgets import system_risks_section

# An expander per change: the newest few, the whole history as a download.
HISTORY_LIMIT = LINK_LIMIT // 2
STATUS_COLOURS = {"active": "green", "planned": "blue", "retired": "gray"}


def load_system(db: Database) -> AISystem:
    def other_systems() -> None:
        names = inventory_store.system_names(db)
        system_picker(names, "Open a system", key="sys_pick", empty="The inventory is empty.")

    return record_from_query(
        lambda system_id: inventory_store.get_system(db, system_id),
        title="AI system",
        noun="AI system",
        alternatives=other_systems,
    )


def render_header(db: Database, system: AISystem) -> None:
    page_link(INVENTORY, label="All AI systems", icon=":material/arrow_back:")
    st.title(plain(system.name), anchor=False)
    screening = screening_store.current_screening(db, system.id)
    with st.container(horizontal=True):
        st.badge(
            vocab.label(vocab.SYSTEM_STATUSES, system.status),
            color=STATUS_COLOURS[system.status],
        )
        class_badge(screening.risk_class if screening else None)
        if screening and screening.stale:
            st.badge("Screening stale: screen again", icon=":material/update:", color="yellow")
    show_flash()


def render_record(system: AISystem) -> None:
    """The purpose and description as the lead, then every other field the model declares
    for the detail page, in its form column."""
    st.markdown(f"**{field_spec('purpose').label}.** {plain(system.purpose)}")
    if system.description:
        st.markdown(plain(system.description))
    for side, column in zip(("left", "right"), st.columns(2), strict=True):
        lines = [
            f"- **{spec.label}:** {plain(spec.text(getattr(system, spec.name)))}"
            for spec in system_fields()
            if spec.detail and spec.side == side
        ]
        column.markdown("\n".join(lines))


def render_retire(db: Database, system: AISystem) -> None:
    with st.popover("Retire…", icon=":material/archive:"):
        effects = inventory_store.retirement_effects(db, system.id)
        st.markdown("\n\n".join(retirement_notice(effects)))
        actor = require_actor_notice(Permission.EDIT_INVENTORY)
        if st.button("Retire this system", type="primary", disabled=actor is None):
            try:
                inventory_store.retire_system(db, actor, system.id, system.revision)
            except WorkbenchError as error:
                st.error(plain(error))
            else:
                flash(f"Retired {system.name}.")
                st.rerun()


def render_actions(db: Database, system: AISystem) -> None:
    with st.container(horizontal=True):
        page_link(SYSTEM_EDIT, label="Edit", icon=":material/edit:", query_params={"id": system.id})
        page_link(
            SCREENING,
            label="Regulatory screening",
            icon=":material/gavel:",
            query_params={"id": system.id},
        )
        if system.status != "retired":
            render_retire(db, system)


def render_history(db: Database, system: AISystem) -> None:
    st.subheader("Change history")
    events = audit_store.list_events(
        db, entity="ai_system", entity_id=str(system.id), limit=HISTORY_LIMIT
    )
    for event in events.to_dict("records"):
        when = pd.Timestamp(event["at"]).strftime("%Y-%m-%d %H:%M")
        with st.expander(f"{when} · {event['action']} · {plain(event['actor'])}", expanded=False):
            changes = labelled_changes(
                "ai_system", parse_state(event["before"]), parse_state(event["after"])
            )
            if not changes:
                st.caption("No field changed.")
                continue
            st.dataframe(pd.DataFrame(changes), hide_index=True, width="stretch")

    def full_history_csv() -> bytes:
        """Every change of this system, newest first, as the audit log exports them."""
        every = audit_store.list_events(
            db, entity="ai_system", entity_id=str(system.id), limit=None
        )
        return audit_export(every, [system.name] * len(every), "csv")

    capped_list_note(
        len(events),
        audit_store.count_events(db, entity="ai_system", entity_id=str(system.id)),
        "changes (newest first)",
        download=full_history_csv,
        file_name=f"ai-system-{system.id}-history.csv",
        key="sys_history_download",
    )
    st.caption(
        f"Revision {system.revision} · last changed by {plain(system.updated_by)} "
        f"on {system.updated_at:%Y-%m-%d %H:%M} UTC"
    )


def main() -> None:
    db = database()
    system = load_system(db)
    render_header(db, system)
    render_record(system)
    render_actions(db, system)
    system_impact_section(db, system)
    system_risks_section(db, system.id)
    render_history(db, system)


run_page(main)
