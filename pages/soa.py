"""The Statement of Applicability: all 38 Annex A controls, one editable at a time, the risks
each treats, consistency findings with a one-click fix, a dated view and the downloads."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from assessments import catalog
from assessments.compliance import MIME_TYPES, file_name, load_view, soa_export
from assessments.errors import ConflictError, WorkbenchError, field_messages
from assessments.references import risk_reference, risk_references
from assessments.reports.tabular import encode
from assessments.risks import RISK_STATUSES
from assessments.soa import (
    FINDING_KINDS,
    IMPLEMENTATION_STATUSES,
    INCLUSION_REASONS,
    NOT_ASSESSED,
    PERSON_MAX,
    TEXT_MAX,
    SoAEntry,
    SoAEntryInput,
    reason_labels,
    status_label,
)
from assessments.store import soa as soa_store
from ui.common import (
    LINK_LIMIT,
    RISK,
    capped_list_note,
    current_actor,
    database,
    field_error,
    flash,
    labelled,
    plain,
    require_actor_notice,
    show_flash,
)

# The control open in the editor; the select box showing it is keyed by it (see below).
SELECTED_KEY = "soa_selected"
NO_NAME = "Enter your name in the sidebar first: every change records who made it."
NOT_SAVED = "Nothing was saved: please correct the fields marked below."
# Risk references named in a control's row of the tables; the rest are counted.
REFERENCES_SHOWN = 8

db = database()
controls = catalog.annex_a_controls()
treatments = catalog.taxonomy().treatment_options
control_ids = [control.id for control in controls]
by_id = {control.id: control for control in controls}

st.title("Statement of Applicability")
st.caption(
    "ISO/IEC 42001 6.1.3: every Annex A control, whether it applies and why, and how far it is"
    " implemented. Each save is a new version with who and when; a control nobody has assessed"
    " yet shows as not assessed."
)
show_flash()

# Which control the editor shows: a deep link (?control=A.6.2.4) first, then the last choice.
linked = st.query_params.get("control")
if linked in by_id and st.session_state.get("soa_linked") != linked:
    st.session_state[SELECTED_KEY] = linked
    st.session_state["soa_linked"] = linked
if st.session_state.get(SELECTED_KEY) not in by_id:
    st.session_state[SELECTED_KEY] = control_ids[0]

first_day = soa_store.first_change(db)
today = date.today()
toolbar = st.columns([2, 1, 1, 1, 2], vertical_alignment="bottom")
as_of: date | None = None
if first_day is None:
    toolbar[0].caption(
        ":material/history: The SoA as it stood on a past day can be shown once a first control"
        " has been saved: there is no history yet."
    )
else:
    as_of = toolbar[0].date_input(
        "Show the SoA as it stood on",
        value=None,
        min_value=min(first_day, today),
        max_value=today,
        format="YYYY-MM-DD",
        key="soa_as_of",
        help=f"Leave empty for the current SoA. Any day from {first_day.isoformat()} (the first"
        " change) shows each control's line as it was at the end of that day (UTC), read-only.",
    )
view = load_view(db, as_of)
summary = view.summary
for column, fmt, label in zip(
    toolbar[1:4], ("xlsx", "csv", "pdf"), ("Excel (XLSX)", "CSV", "PDF"), strict=True
):
    column.download_button(
        label,
        data=partial(soa_export, view, fmt),
        file_name=file_name("statement-of-applicability", fmt, as_of),
        mime=MIME_TYPES[fmt],
        on_click="ignore",
        icon=":material/download:",
        key=f"soa_download_{fmt}",
        width="stretch",
    )

if as_of is not None:
    st.info(
        f"The SoA as it stood at the end of {as_of.isoformat()} (read-only). Linked risks are"
        " today's treatments: treatments keep no history of their own.",
        icon=":material/history:",
    )

columns = st.columns(5)
columns[0].metric("Assessed", f"{summary.assessed} of {summary.total}")
columns[1].metric("Applicable", summary.applicable)
columns[2].metric("Excluded", summary.excluded)
columns[3].metric("Implemented", summary.by_status.get("implemented", 0))
if as_of is None:
    columns[4].metric("Findings", len(view.findings))
else:
    columns[4].metric("Not assessed", summary.not_assessed)

if summary.assessed == 0 and as_of is None:
    st.info(
        "No control has been assessed yet. Pick a control (a row of the tables, or in the"
        " editor below), say whether it applies and why, and save; or load the demo portfolio"
        " from Home.",
        icon=":material/lightbulb:",
    )


def fix_treated_controls(actor: str | None) -> None:
    """The one-click fix, in a callback so its message shows on the next run."""
    if actor is None:
        flash(NO_NAME, "error")
        return
    try:
        fixed = soa_store.make_treated_controls_applicable(db, actor)
    except WorkbenchError as error:
        flash(str(error), "error")
        return
    for control_id in fixed:
        st.session_state.pop(f"soa_{control_id}_loaded", None)
    if fixed:
        flash(f"Made applicable, because risk treatments use them: {', '.join(fixed)}.")
    else:
        flash("Nothing to fix any more: someone else has fixed it already.", "info")


if as_of is None:
    with st.container(border=True):
        if not view.findings:
            st.markdown(":green[:material/check_circle:] **No consistency findings.**")
        else:
            st.markdown(f"**Consistency findings ({len(view.findings)})**")
            for finding in view.findings:
                st.markdown(
                    f"- :orange[:material/warning:] **{FINDING_KINDS[finding.kind]}:** "
                    f"{plain(finding.message)}"
                )
            fixable = [finding.control_id for finding in view.findings if finding.fixable]
            if fixable:
                st.button(
                    f"Make {len(fixable)} control{'s' if len(fixable) > 1 else ''} applicable",
                    icon=":material/auto_fix_high:",
                    type="primary",
                    key="soa_fix",
                    on_click=fix_treated_controls,
                    args=(current_actor(),),
                    help="Marks each control that a risk treatment uses as applicable, with the"
                    " reason 'Treats an assessed risk' (an excluded one restarts as not started).",
                )


def pick_from_table(table_key: str, ids: list[str]) -> None:
    """A row picked in a group's table opens that control in the editor."""
    rows = st.session_state[table_key]["selection"]["rows"]
    if rows:
        st.session_state[SELECTED_KEY] = ids[rows[0]]


def first_references(control_id: str) -> str:
    """'R-3, R-12 and 10,930 more': a cell naming every one of 10,000 risks would be a
    page-long string (the downloads name them all)."""
    risk_ids = view.treated_by.get(control_id, [])
    shown = risk_references(risk_ids[:REFERENCES_SHOWN])
    rest = len(risk_ids) - REFERENCES_SHOWN
    return f"{shown} and {rest:,} more" if rest > 0 else shown


statement = view.statement()
st.subheader("Controls by group", anchor=False)
st.caption(
    "Select a row to open the control in the editor below. An excluded control has the status"
    " 'Not applicable'."
)
with st.container(height=460, border=False):
    for group in catalog.control_groups():
        rows = statement[statement["group"] == group.id]
        ids = rows["control_id"].tolist()
        table = pd.DataFrame(
            {
                "Control": rows["control_id"],
                "Title": rows["title"],
                "Status": rows["status"].map(status_label),
                "Risks": rows["risks"],
                "Risk references": rows["control_id"].map(first_references),
                "Owner": rows["owner"],
                "Last reviewed": rows["last_reviewed"],
            }
        )
        st.markdown(f"**{group.id} {plain(group.title)}**")
        table_key = f"soa_table_{group.id}"
        st.dataframe(
            table,
            hide_index=True,
            key=table_key,
            on_select=partial(pick_from_table, table_key, ids),
            selection_mode="single-row",
            width="stretch",
            placeholder="",
            column_config={
                "Control": st.column_config.TextColumn(width=65),
                "Title": st.column_config.TextColumn(width=300),
                "Status": st.column_config.TextColumn(width=150),
                "Risks": st.column_config.NumberColumn(
                    width=50, help="How many risks have a treatment that uses the control"
                ),
                "Risk references": st.column_config.TextColumn(
                    width=120, help="Those risks, as the register names them"
                ),
                "Owner": st.column_config.TextColumn(width=120),
                "Last reviewed": st.column_config.DateColumn(width=95, format="YYYY-MM-DD"),
            },
        )


def treated_risks_csv(control_id: str) -> bytes:
    """Every risk whose treatment uses the control, named as the links name them (the page
    lists the first LINK_LIMIT)."""
    risks = soa_store.risks_treated_by(db, control_id)
    return encode(
        pd.DataFrame(
            {
                "Risk": risks["id"].map(risk_reference),
                "Title": risks["title"],
                "AI system": risks["system"],
                "Status": risks["status"].map(labelled(RISK_STATUSES)),
                "Treatment": risks["treatment_option"].map(
                    lambda key: "" if key is None or pd.isna(key) else treatments.get(key, key)
                ),
            }
        ),
        "csv",
    )


def entry_values(entry: SoAEntry | None) -> dict[str, object]:
    """The form's starting values: the current line, or a blank one for a new assessment."""
    if entry is not None:
        return entry.as_input_values()
    return {
        "applicable": None,
        "inclusion_reasons": [],
        "justification": "",
        "exclusion_reason": "",
        "status": None,
        "owner": "",
        "evidence": "",
        "last_reviewed": None,
    }


def show_read_only(entry: SoAEntry | None) -> None:
    if entry is None:
        st.markdown("**Not assessed** by that date.")
        return
    lines = [
        f"- **Applies:** {'yes' if entry.applicable else 'no'}",
        f"- **Status:** {status_label(entry.status)}",
    ]
    if entry.applicable:
        lines.append(f"- **Reasons:** {reason_labels(entry.inclusion_reasons) or '—'}")
        lines.append(f"- **Justification:** {plain(entry.justification) or '—'}")
    else:
        lines.append(f"- **Reason for exclusion:** {plain(entry.exclusion_reason) or '—'}")
    lines += [
        f"- **Owner:** {plain(entry.owner) or '—'}",
        f"- **Evidence:** {plain(entry.evidence) or '—'}",
        f"- **Last reviewed:** {entry.last_reviewed or '—'}",
    ]
    st.markdown("\n".join(lines))


with st.container(border=True):
    control_id: str = st.session_state[SELECTED_KEY]
    # Keyed by the selection and started at it, so the widget's own default is always the
    # control shown: a widget re-created by the browser can never fall back to A.2.2.
    chosen = st.selectbox(
        "Control",
        control_ids,
        index=control_ids.index(control_id),
        key=f"soa_control_{control_id}",
        format_func=lambda cid: f"{cid} {by_id[cid].title}",
    )
    if chosen != control_id:
        st.session_state[SELECTED_KEY] = chosen
        st.rerun()
    control = by_id[control_id]
    entry = view.entries.get(control_id)
    st.subheader(f"{control.id} {control.title}", anchor=False)
    st.caption(f"{control.group} {control.group_title}")
    about, form_area = st.columns([2, 3], gap="large")
about.markdown(f":material/lightbulb: {plain(control.guidance)}")
with about:
    if entry is None:
        st.badge(status_label(NOT_ASSESSED), color="gray")
    else:
        st.caption(
            f"Last changed {entry.changed_at:%Y-%m-%d %H:%M} UTC by {plain(entry.changed_by)}"
        )

    treating = view.linked_risk_count(control_id)
    risks = soa_store.risks_treated_by(db, control_id, limit=LINK_LIMIT)
    st.markdown(f"**Risks it treats ({treating:,})**")
    if risks.empty:
        st.caption("No risk treatment uses this control.")
    # A long list scrolls in a box of its own, so the form stays in view.
    risk_box = st.container(height=260) if len(risks) > 6 else st.container()
    for risk in risks.to_dict("records"):
        risk_box.page_link(
            RISK,
            label=plain(
                f"{risk_reference(risk['id'])}: {risk['title']} ({risk['system'] or 'no system'})"
            ),
            query_params={"id": str(risk["id"])},
            icon=":material/warning:",
        )
    capped_list_note(
        len(risks),
        treating,
        "risks",
        download=partial(treated_risks_csv, control_id),
        file_name=f"risks-treated-by-{control_id}.csv",
        key=f"soa_risks_download_{control_id}",
    )
    if as_of is None and view.must_be_applicable(control_id):
        st.warning(
            "Risk treatments use this control, so it must be applicable: use the fix above or"
            " mark it applicable here.",
            icon=":material/warning:",
        )

with form_area:
    if as_of is not None:
        st.markdown(f"**As it stood at the end of {as_of.isoformat()}**")
        show_read_only(entry)
    else:
        prefix = f"soa_{control_id}_"
        errors_key = prefix + "errors"
        if st.session_state.get(prefix + "loaded") != control_id:
            for name, value in entry_values(entry).items():
                st.session_state[prefix + name] = value
            st.session_state[prefix + "expected"] = entry.id if entry else soa_store.NO_ENTRY
            st.session_state[prefix + "loaded"] = control_id
            st.session_state[prefix + "stale"] = False
            st.session_state[errors_key] = {}
        errors: dict[str, str] = st.session_state.get(errors_key, {})
        if errors.get("form"):
            st.error(plain(errors["form"]))
            stale = st.session_state.get(prefix + "stale")
            if stale and st.button(
                "Discard my changes and load the latest version", key=prefix + "reload"
            ):
                st.session_state.pop(prefix + "loaded", None)
                st.rerun()

        with st.form(prefix + "form"):
            st.radio(
                "Does this control apply? *",
                [True, False],
                key=prefix + "applicable",
                format_func=lambda value: "Yes, applicable" if value else "No, excluded",
                horizontal=True,
                index=None,
            )
            field_error(errors, "applicable")
            st.multiselect(
                "Reasons for inclusion",
                list(INCLUSION_REASONS),
                key=prefix + "inclusion_reasons",
                format_func=labelled(INCLUSION_REASONS),
                help="For an applicable control: at least one. Ignored for an excluded one.",
            )
            field_error(errors, "inclusion_reasons")
            st.text_area(
                "Justification",
                key=prefix + "justification",
                max_chars=TEXT_MAX,
                height=90,
                help="In your words, why the control is included (ignored for an excluded one).",
            )
            field_error(errors, "justification")
            st.text_area(
                "Reason for exclusion",
                key=prefix + "exclusion_reason",
                max_chars=TEXT_MAX,
                height=90,
                help="Required when the control does not apply: an auditor will ask why.",
            )
            field_error(errors, "exclusion_reason")
            st.selectbox(
                "Implementation status *",
                list(IMPLEMENTATION_STATUSES),
                key=prefix + "status",
                format_func=labelled(IMPLEMENTATION_STATUSES),
                index=None,
                placeholder="Choose a status",
                help="'Not applicable' is the status of an excluded control, and only of one.",
            )
            field_error(errors, "status")
            st.text_input("Owner", key=prefix + "owner", max_chars=PERSON_MAX)
            field_error(errors, "owner")
            st.text_area(
                "Evidence (links or notes)",
                key=prefix + "evidence",
                max_chars=TEXT_MAX,
                height=90,
                help="What shows the control works: document names, links, records.",
            )
            field_error(errors, "evidence")
            st.date_input(
                "Last reviewed",
                key=prefix + "last_reviewed",
                max_value=today,
                format="YYYY-MM-DD",
                help="The day someone last checked this line against what is really in place."
                " Saving does not change it: set it here, or use 'Save, reviewed today'.",
            )
            field_error(errors, "last_reviewed")
            actor = require_actor_notice()
            with st.container(horizontal=True):
                submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
                reviewed_now = st.form_submit_button(
                    "Save, reviewed today",
                    icon=":material/event_available:",
                    help=f"Save and record that you reviewed this line today ({today}).",
                )

        if submitted or reviewed_now:
            values = {
                name: st.session_state.get(prefix + name)
                for name in SoAEntryInput.model_fields
                if name != "control_id"
            }
            if reviewed_now:
                values["last_reviewed"] = today
            new_errors: dict[str, str] = {}
            saved = False
            if actor is None:
                new_errors["form"] = NO_NAME
            else:
                try:
                    data = SoAEntryInput(control_id=control_id, **values)
                except ValidationError as error:
                    new_errors = field_messages(error)
                else:
                    try:
                        result = soa_store.save_entry(
                            db,
                            actor,
                            data,
                            expected_entry_id=st.session_state.get(prefix + "expected"),
                        )
                    except ConflictError as error:
                        new_errors["form"] = str(error)
                        st.session_state[prefix + "stale"] = True
                    except WorkbenchError as error:
                        new_errors["form"] = str(error)
                    else:
                        saved = True
                        flash(
                            f"Saved {control_id}."
                            if result is not None
                            else f"Nothing changed in {control_id}."
                        )
            if saved:
                st.session_state.pop(prefix + "loaded", None)
            else:
                if new_errors and "form" not in new_errors:
                    new_errors["form"] = NOT_SAVED
                st.session_state[errors_key] = new_errors
            st.rerun()

        history = soa_store.entry_history(db, control_id)
        if not history.empty:
            with st.expander(f"Change history ({len(history)} versions)"):
                st.dataframe(
                    pd.DataFrame(
                        {
                            "When (UTC)": history["changed_at"],
                            "Who": history["changed_by"],
                            "Applies": history["applicable"].map(
                                lambda value: "Yes" if value else "No"
                            ),
                            "Status": history["status"].map(status_label),
                            "Owner": history["owner"],
                            "Evidence": history["evidence"],
                            "Last reviewed": history["last_reviewed"],
                        }
                    ),
                    hide_index=True,
                    column_config={
                        "When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")
                    },
                )
