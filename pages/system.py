"""One AI system: its record, its change history, and the actions on it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessments import vocab
from assessments.audit_view import audit_export, labelled_changes, parse_state
from assessments.errors import WorkbenchError
from assessments.inventory import retirement_notice
from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import screenings as screening_store
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
    require_actor_notice,
    show_flash,
    system_picker,
)
from ui.impact_widgets import system_impact_section
from ui.risk_widgets import system_risks_section

# An expander per change: the newest few, the whole history as a download.
HISTORY_LIMIT = LINK_LIMIT // 2

db = database()


def other_systems() -> None:
    names = inventory_store.system_names(db)
    system_picker(names, "Open a system", key="sys_pick", empty="The inventory is empty.")


system = record_from_query(
    lambda system_id: inventory_store.get_system(db, system_id),
    title="AI system",
    noun="AI system",
    alternatives=other_systems,
)
st.page_link(INVENTORY, label="All AI systems", icon=":material/arrow_back:")
st.title(plain(system.name), anchor=False)
status_colour = {"active": "green", "planned": "blue", "retired": "gray"}[system.status]
screening = screening_store.current_screening(db, system.id)
with st.container(horizontal=True):
    st.badge(vocab.label(vocab.SYSTEM_STATUSES, system.status), color=status_colour)
    class_badge(screening.risk_class if screening else None)
    if screening and screening.stale:
        st.badge("Screening stale: screen again", icon=":material/update:", color="yellow")
show_flash()
st.markdown(f"**Purpose and intended use.** {plain(system.purpose)}")
if system.description:
    st.markdown(plain(system.description))


def listed(vocabulary: dict, keys: list[str]) -> str:
    return ", ".join(vocab.label(vocabulary, key) for key in keys) or "—"


left, right = st.columns(2)
with left:
    st.markdown(
        "\n".join(
            [
                f"- **Owner:** {plain(system.owner)}",
                f"- **Business unit:** {plain(system.business_unit)}",
                f"- **Our roles:** {listed(vocab.ROLES, system.roles)}",
                "- **Lifecycle stage:** "
                f"{vocab.label(vocab.LIFECYCLE_STAGES, system.lifecycle_stage)}",
                f"- **AI technique:** {vocab.label(vocab.AI_TECHNIQUES, system.ai_technique)}",
                f"- **Autonomy and oversight:** {vocab.label(vocab.AUTONOMY, system.autonomy)}",
            ]
        )
    )
with right:
    review = system.next_review.isoformat() if system.next_review else "not set"
    st.markdown(
        "\n".join(
            [
                f"- **Affected stakeholders:** {listed(vocab.STAKEHOLDERS, system.stakeholders)}",
                f"- **Personal data:** {'yes' if system.personal_data else 'no'}"
                f" · **special-category:** {'yes' if system.special_category_data else 'no'}",
                "- **Deployment context:** "
                f"{vocab.label(vocab.DEPLOYMENT_CONTEXTS, system.deployment_context)}",
                f"- **Geographic scope:** {plain(', '.join(system.geography) or '—')}",
                f"- **Suppliers or models:** {plain('; '.join(system.suppliers) or '—')}",
                f"- **Next review:** {review}",
            ]
        )
    )

with st.container(horizontal=True):
    st.page_link(SYSTEM_EDIT, label="Edit", icon=":material/edit:", query_params={"id": system.id})
    st.page_link(
        SCREENING,
        label="Regulatory screening",
        icon=":material/gavel:",
        query_params={"id": system.id},
    )
    if system.status != "retired":
        with st.popover("Retire…", icon=":material/archive:"):
            effects = inventory_store.retirement_effects(db, system.id)
            st.markdown("\n\n".join(retirement_notice(effects)))
            actor = require_actor_notice()
            if st.button("Retire this system", type="primary", disabled=actor is None):
                try:
                    inventory_store.retire_system(db, actor or "", system.id, system.revision)
                except WorkbenchError as error:
                    st.error(plain(error))
                else:
                    flash(f"Retired {system.name}.")
                    st.rerun()

system_impact_section(db, system)
system_risks_section(db, system.id)

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
    every = audit_store.list_events(db, entity="ai_system", entity_id=str(system.id), limit=None)
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
