"""Add or edit an AI system. Errors show beside their field; what was typed stays.

Every widget is drawn from the model's field declarations (`system_fields()`): its label,
vocabulary, widget, help and form column.
"""

from __future__ import annotations

from typing import Any

import streamlit as st
from pydantic import ValidationError

from assessments.errors import ConflictError, FieldErrors
from assessments.identity import Permission
from assessments.inventory import (
    AISystem,
    AISystemInput,
    FieldSpec,
    field_errors,
    review_planning,
    system_fields,
)
from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from ui.common import (
    INVENTORY,
    SYSTEM,
    attempt,
    database,
    field_error,
    flash,
    labelled,
    optional_record_from_query,
    plain,
)
from ui.date_fields import date_field
from ui.identity import require_actor_notice
from ui.navigation import page_link, run_page

NO_ACTOR = "Enter your name in the sidebar first: every change records who made it."


class Form:
    """The widget keys of one record's form (`sysform_<id or new>_<field>`)."""

    def __init__(self, editing: AISystem | None) -> None:
        self.editing = editing
        self.prefix = f"sysform_{editing.id if editing else 'new'}_"
        self.errors_key = self.prefix + "errors"

    def key(self, name: str) -> str:
        return self.prefix + name


def load_system(db: Database) -> AISystem | None:
    return optional_record_from_query(
        lambda system_id: inventory_store.get_system(db, system_id),
        title="Edit AI system",
        noun="AI system",
        alternatives=lambda: page_link(
            INVENTORY, label="All AI systems", icon=":material/arrow_back:"
        ),
    )


def load_into_widgets(form: Form) -> None:
    """Prefill the widgets once per record, so reruns keep what the user typed; the revision
    loaded is what the save checks against, so a concurrent edit is refused, not overwritten."""
    record = form.editing
    marker = record.id if record else "new"
    if st.session_state.get(form.key("loaded")) == marker:
        return
    for spec in system_fields():
        value = getattr(record, spec.name) if record else spec.form_default
        if spec.widget == "lines":
            value = "\n".join(value)
        st.session_state[form.key(spec.name)] = value
    st.session_state[form.key("loaded")] = marker
    st.session_state[form.key("revision")] = record.revision if record else None
    st.session_state[form.errors_key] = {}


def render_header(form: Form, errors: dict[str, str]) -> None:
    if form.editing:
        page_link(
            SYSTEM,
            label=plain(form.editing.name),
            icon=":material/arrow_back:",
            query_params={"id": form.editing.id},
        )
        st.title("Edit AI system")
    else:
        page_link(INVENTORY, label="All AI systems", icon=":material/arrow_back:")
        st.title("Add an AI system")
    st.caption("Fields marked * are required. Nothing is saved until you press Save.")
    if errors.get("form"):
        st.error(plain(errors["form"]))
        stale = form.editing and st.session_state.get(form.key("revision")) != form.editing.revision
        if stale and st.button("Discard my changes and load the latest version"):
            st.session_state.pop(form.key("loaded"), None)
            st.rerun()


def field_widget(spec: FieldSpec, key: str) -> None:
    """The widget the model declares for one field."""
    label, options = spec.form_label, {"key": key, "help": spec.help}
    if spec.widget == "input":
        st.text_input(label, max_chars=spec.max_length, **options)
    elif spec.widget == "area":
        st.text_area(label, max_chars=spec.max_length, **options)
    elif spec.widget == "lines":
        st.text_area(label, height=100, **options)
    elif spec.widget in ("select", "multiselect"):
        choices = list(spec.vocabulary or {})
        if spec.widget == "select" and spec.default == "":
            choices.insert(0, "")
        widget = st.selectbox if spec.widget == "select" else st.multiselect
        widget(label, choices, format_func=labelled(spec.vocabulary or {}), **options)
    elif spec.widget == "tags":
        typed = st.session_state.get(key) or []
        st.multiselect(
            label, sorted(set(spec.suggestions) | set(typed)), accept_new_options=True, **options
        )
    elif spec.widget == "checkbox":
        st.checkbox(label, **options)
    elif spec.widget == "date":
        date_field(label, value=None, **options)


def render_field(form: Form, db: Database, spec: FieldSpec, errors: dict[str, str]) -> None:
    field_widget(spec, form.key(spec.name))
    field_error(errors, spec.name)
    if spec.name == "name" and errors.get("name"):
        render_namesake(form, db)


def render_namesake(form: Form, db: Database) -> None:
    """A link to the other system that already carries the typed name (any spelling)."""
    namesake = inventory_store.find_system_by_name(db, st.session_state.get(form.key("name")) or "")
    if namesake is None or (form.editing is not None and namesake.id == form.editing.id):
        return
    page_link(
        SYSTEM,
        label=f"Open {plain(namesake.name)}",
        icon=":material/open_in_new:",
        query_params={"id": namesake.id},
    )


def render_form(form: Form, db: Database, errors: dict[str, str]) -> tuple[bool, str | None]:
    """The fields in their form columns; (Save pressed, the actor)."""
    with st.form(form.key("form"), border=True):
        for spec in system_fields():
            if spec.side == "top":
                render_field(form, db, spec, errors)
        for side, column in zip(("left", "right"), st.columns(2), strict=True):
            with column:
                for spec in system_fields():
                    if spec.side == side:
                        render_field(form, db, spec, errors)
        actor = require_actor_notice(Permission.EDIT_INVENTORY)
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    return submitted, actor


def typed_values(form: Form) -> dict[str, Any]:
    values = {spec.name: st.session_state.get(form.key(spec.name)) for spec in system_fields()}
    for spec in system_fields():
        if spec.widget == "lines":
            values[spec.name] = str(values.get(spec.name) or "").splitlines()
    return values


def save(db: Database, form: Form, actor: str, values: dict[str, Any]) -> AISystem:
    """Validate and write; errors as FieldErrors by field (the rules between fields too)."""
    editing = form.editing
    try:
        data = AISystemInput.model_validate(
            values, context=review_planning(editing.next_review if editing else None)
        )
    except ValidationError as error:
        raise FieldErrors(field_errors(error, values)) from error
    try:
        if editing:
            revision = st.session_state.get(form.key("revision"))
            return inventory_store.update_system(db, actor, editing.id, data, revision)
        return inventory_store.create_system(db, actor, data)
    except ConflictError as error:
        if error.field:
            raise FieldErrors({error.field: str(error)}) from error
        raise


def handle_save(db: Database, form: Form, actor: str | None) -> None:
    saved: AISystem | None = None
    if actor is None:
        new_errors = {"form": NO_ACTOR}
    else:
        saved, new_errors = attempt(lambda: save(db, form, actor, typed_values(form)))
    if saved is not None:
        st.session_state.pop(form.key("loaded"), None)
        flash(f"Saved {saved.name}.")
        st.switch_page(SYSTEM, query_params={"id": saved.id})
    if new_errors and "form" not in new_errors:
        new_errors["form"] = "Nothing was saved: please correct the fields marked below."
    st.session_state[form.errors_key] = new_errors
    st.rerun()


def main() -> None:
    db = database()
    form = Form(load_system(db))
    load_into_widgets(form)
    errors: dict[str, str] = st.session_state.get(form.errors_key, {})
    render_header(form, errors)
    submitted, actor = render_form(form, db, errors)
    if submitted:
        handle_save(db, form, actor)


run_page(main)
