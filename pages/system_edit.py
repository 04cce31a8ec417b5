"""Add or edit an AI system. Errors show beside their field; what was typed stays."""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from assessments import vocab
from assessments.dates import REVIEW_HORIZON_YEARS
from assessments.errors import ConflictError, WorkbenchError
from assessments.inventory import (
    DESCRIPTION_MAX,
    NAME_MAX,
    PERSON_MAX,
    PURPOSE_MAX,
    AISystem,
    AISystemInput,
    field_errors,
    review_planning,
)
from assessments.store import inventory as inventory_store
from ui.common import (
    INVENTORY,
    SYSTEM,
    database,
    field_error,
    flash,
    labelled,
    optional_record_from_query,
    plain,
    require_actor_notice,
)
from ui.date_fields import date_field

COMMON_GEOGRAPHIES = ["EU", "EEA", "UK", "CH", "US", "US-CO", "CA", "Global"]

db = database()
editing: AISystem | None = optional_record_from_query(
    lambda system_id: inventory_store.get_system(db, system_id),
    title="Edit AI system",
    noun="AI system",
    alternatives=lambda: st.page_link(
        INVENTORY, label="All AI systems", icon=":material/arrow_back:"
    ),
)

prefix = f"sysform_{editing.id if editing else 'new'}_"
ERRORS_KEY = prefix + "errors"


def key(name: str) -> str:
    return prefix + name


def duplicate_of(typed: str | None) -> AISystem | None:
    """The other system that already carries the typed name (any spelling), if any."""
    namesake = inventory_store.find_system_by_name(db, typed or "")
    if namesake is None or (editing is not None and namesake.id == editing.id):
        return None
    return namesake


def load_into_widgets(record: AISystem | None) -> None:
    """Prefill the widgets once per record, so reruns keep what the user typed; the revision
    loaded is what the save checks against, so a concurrent edit is refused, not overwritten."""
    marker = record.id if record else "new"
    if st.session_state.get(prefix + "loaded") == marker:
        return
    values: dict[str, Any] = (
        record.model_dump()
        if record
        else {
            "name": "",
            "purpose": "",
            "description": "",
            "owner": "",
            "business_unit": "",
            "roles": [],
            "lifecycle_stage": "concept",
            "ai_technique": "machine_learning",
            "autonomy": "human_in_the_loop",
            "stakeholders": [],
            "personal_data": False,
            "special_category_data": False,
            "deployment_context": "internal",
            "geography": [],
            "suppliers": [],
            "status": "planned",
            "next_review": None,
        }
    )
    for name, value in values.items():
        if name == "suppliers":
            value = "\n".join(value)
        st.session_state[key(name)] = value
    st.session_state[prefix + "loaded"] = marker
    st.session_state[prefix + "revision"] = record.revision if record else None
    st.session_state[ERRORS_KEY] = {}


load_into_widgets(editing)
errors: dict[str, str] = st.session_state.get(ERRORS_KEY, {})

if editing:
    st.page_link(
        SYSTEM,
        label=plain(editing.name),
        icon=":material/arrow_back:",
        query_params={"id": editing.id},
    )
    st.title("Edit AI system")
else:
    st.page_link(INVENTORY, label="All AI systems", icon=":material/arrow_back:")
    st.title("Add an AI system")
st.caption("Fields marked * are required. Nothing is saved until you press Save.")

if errors.get("form"):
    st.error(plain(errors["form"]))
    stale = editing and st.session_state.get(prefix + "revision") != editing.revision
    if stale and st.button("Discard my changes and load the latest version"):
        st.session_state.pop(prefix + "loaded", None)
        st.rerun()

with st.form(prefix + "form", border=True):
    st.text_input("Name *", key=key("name"), max_chars=NAME_MAX)
    field_error(errors, "name")
    if errors.get("name") and (namesake := duplicate_of(st.session_state.get(key("name")))):
        st.page_link(
            SYSTEM,
            label=f"Open {plain(namesake.name)}",
            icon=":material/open_in_new:",
            query_params={"id": namesake.id},
        )
    st.text_area(
        "Purpose and intended use *",
        key=key("purpose"),
        max_chars=PURPOSE_MAX,
        help="What the system is for and how it is meant to be used; this drives the "
        "impact assessment and the regulatory screening.",
    )
    field_error(errors, "purpose")
    st.text_area(
        "Description",
        key=key("description"),
        max_chars=DESCRIPTION_MAX,
        help="How it works: inputs, outputs, who acts on them.",
    )
    field_error(errors, "description")

    left, right = st.columns(2)
    with left:
        st.text_input(
            "Owner *",
            key=key("owner"),
            max_chars=PERSON_MAX,
            help="The person accountable for the system.",
        )
        field_error(errors, "owner")
        st.multiselect(
            "Our roles *",
            list(vocab.ROLES),
            key=key("roles"),
            format_func=labelled(vocab.ROLES),
            help="Producer: we build it. Provider: we offer it to others. "
            "User: we deploy it. Several can apply.",
        )
        field_error(errors, "roles")
        st.selectbox(
            "AI technique *",
            list(vocab.AI_TECHNIQUES),
            key=key("ai_technique"),
            format_func=labelled(vocab.AI_TECHNIQUES),
        )
        field_error(errors, "ai_technique")
        st.multiselect(
            "Affected stakeholders *",
            list(vocab.STAKEHOLDERS),
            key=key("stakeholders"),
            format_func=labelled(vocab.STAKEHOLDERS),
        )
        field_error(errors, "stakeholders")
        st.selectbox(
            "Deployment context *",
            list(vocab.DEPLOYMENT_CONTEXTS),
            key=key("deployment_context"),
            format_func=labelled(vocab.DEPLOYMENT_CONTEXTS),
        )
        field_error(errors, "deployment_context")
        st.checkbox("Processes personal data", key=key("personal_data"))
        field_error(errors, "personal_data")
        st.checkbox(
            "Processes special-category data (health, biometrics, beliefs, …)",
            key=key("special_category_data"),
        )
        field_error(errors, "special_category_data")
    with right:
        st.text_input("Business unit *", key=key("business_unit"), max_chars=PERSON_MAX)
        field_error(errors, "business_unit")
        st.selectbox(
            "Lifecycle stage *",
            list(vocab.LIFECYCLE_STAGES),
            key=key("lifecycle_stage"),
            format_func=labelled(vocab.LIFECYCLE_STAGES),
        )
        field_error(errors, "lifecycle_stage")
        st.selectbox(
            "Autonomy and human oversight *",
            list(vocab.AUTONOMY),
            key=key("autonomy"),
            format_func=labelled(vocab.AUTONOMY),
        )
        field_error(errors, "autonomy")
        geography_options = sorted(
            set(COMMON_GEOGRAPHIES) | set(st.session_state.get(key("geography")) or [])
        )
        st.multiselect(
            "Geographic scope",
            geography_options,
            key=key("geography"),
            accept_new_options=True,
            help="Where it is used or affects people; type to add another.",
        )
        field_error(errors, "geography")
        st.text_area(
            "Third-party suppliers or models (one per line)", key=key("suppliers"), height=100
        )
        field_error(errors, "suppliers")
        st.selectbox(
            "Status *",
            list(vocab.SYSTEM_STATUSES),
            key=key("status"),
            format_func=labelled(vocab.SYSTEM_STATUSES),
        )
        field_error(errors, "status")
        date_field(
            "Next review",
            key=key("next_review"),
            value=None,
            help=f"When the system is next reviewed: from today up to {REVIEW_HORIZON_YEARS} "
            "years ahead. A date already saved can stay as it is, even when it has passed.",
        )
        field_error(errors, "next_review")

    actor = require_actor_notice()
    submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")

if submitted:
    values = {name: st.session_state.get(key(name)) for name in AISystemInput.model_fields}
    values["suppliers"] = str(values.get("suppliers") or "").splitlines()
    new_errors: dict[str, str] = {}
    saved: AISystem | None = None
    if actor is None:
        new_errors["form"] = (
            "Enter your name in the sidebar first: every change records who made it."
        )
    else:
        try:
            data = AISystemInput.model_validate(
                values, context=review_planning(editing.next_review if editing else None)
            )
        except ValidationError as error:
            new_errors = field_errors(error, values)
        else:
            try:
                if editing:
                    saved = inventory_store.update_system(
                        db,
                        actor,
                        editing.id,
                        data,
                        expected_revision=st.session_state.get(prefix + "revision"),
                    )
                else:
                    saved = inventory_store.create_system(db, actor, data)
            except ConflictError as error:
                new_errors[error.field or "form"] = str(error)
            except WorkbenchError as error:
                new_errors["form"] = str(error)
    if saved is not None:
        st.session_state.pop(prefix + "loaded", None)
        flash(f"Saved {saved.name}.")
        st.switch_page(SYSTEM, query_params={"id": saved.id})
    st.session_state[ERRORS_KEY] = new_errors
    if new_errors and "form" not in new_errors:
        new_errors["form"] = "Nothing was saved: please correct the fields marked below."
    st.rerun()
