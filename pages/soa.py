"""The Statement of Applicability: all 38 Annex A controls, one editable at a time, the risks
each treats, consistency findings with a one-click fix, a dated view and the downloads."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assessments import catalog
from assessments.compliance import MIME_TYPES, ComplianceView, file_name, load_view, soa_export
from assessments.errors import ConflictError
from assessments.identity import Permission
from assessments.references import risk_reference
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
from assessments.store.db import Database
from ui.common import (
    LINK_LIMIT,
    RISK,
    attempt,
    capped_list_note,
    database,
    field_error,
    flash,
    labelled,
    plain,
    show_flash,
)
from ui.identity import current_actor, require_actor_notice
from ui.navigation import run_page
from ui.soa_widgets import show_finding

# The control open in the editor; the select box showing it is keyed by it (see below).
SELECTED_KEY = "soa_selected"
AS_OF_KEY = "soa_as_of"
FIX_KEY = "soa_fix"
NO_NAME = "Enter your name in the sidebar first: every change records who made it."
NOT_SAVED = "Nothing was saved: please correct the fields marked below."


def main() -> None:
    db = database()
    controls = {control.id: control for control in catalog.annex_a_controls()}
    today = date.today()
    render_header()
    select_linked_control(list(controls))
    toolbar = st.columns([2, 1, 1, 1, 2], vertical_alignment="bottom")
    as_of = choose_day(db, toolbar[0], today)
    view = load_view(db, as_of)
    render_downloads(view, toolbar[1:4], as_of)
    render_summary(view, as_of)
    if as_of is None:
        render_findings(db, view)
    render_group_tables(view)
    render_control(db, view, controls, as_of, today)


def render_header() -> None:
    st.title("Statement of Applicability")
    st.caption(
        "ISO/IEC 42001 6.1.3: every Annex A control, whether it applies and why, and how far it "
        "is implemented. Each save is a new version with who and when; a control nobody has "
        "assessed yet shows as not assessed."
    )
    show_flash()


def select_linked_control(control_ids: list[str]) -> None:
    """Which control the editor shows: a deep link (?control=A.6.2.4) first, then the last
    choice, else the first control."""
    linked = st.query_params.get("control")
    if linked in control_ids and st.session_state.get("soa_linked") != linked:
        st.session_state[SELECTED_KEY] = linked
        st.session_state["soa_linked"] = linked
    if st.session_state.get(SELECTED_KEY) not in control_ids:
        st.session_state[SELECTED_KEY] = control_ids[0]


def choose_day(db: Database, column: DeltaGenerator, today: date) -> date | None:
    """The day of a read-only dated view, or None for the current SoA."""
    first_day = soa_store.first_change(db)
    if first_day is None:
        column.caption(
            ":material/history: The SoA as it stood on a past day can be shown once a first "
            "control has been saved: there is no history yet."
        )
        return None
    return column.date_input(
        "Show the SoA as it stood on",
        value=None,
        min_value=min(first_day, today),
        max_value=today,
        format="YYYY-MM-DD",
        key=AS_OF_KEY,
        help=f"Leave empty for the current SoA. Any day from {first_day.isoformat()} (the first"
        " change) shows each control's line as it was at the end of that day (UTC), read-only.",
    )


def render_downloads(
    view: ComplianceView, columns: Sequence[DeltaGenerator], as_of: date | None
) -> None:
    for column, fmt, label in zip(
        columns, ("xlsx", "csv", "pdf"), ("Excel (XLSX)", "CSV", "PDF"), strict=True
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


def render_summary(view: ComplianceView, as_of: date | None) -> None:
    summary = view.summary
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
            " editor below), say whether it applies and why, and save; or load the demo "
            "portfolio from Home.",
            icon=":material/lightbulb:",
        )


def fix_treated_controls(db: Database, actor: str | None) -> None:
    """The one-click fix, in a callback so its message shows on the next run."""
    if actor is None:
        flash(NO_NAME, "error")
        return
    fixed, errors = attempt(lambda: soa_store.make_treated_controls_applicable(db, actor))
    if fixed is None:
        flash(errors.get("form") or "; ".join(errors.values()), "error")
        return
    for control_id in fixed:
        st.session_state.pop(f"soa_{control_id}_loaded", None)
    if fixed:
        flash(f"Made applicable, because risk treatments use them: {', '.join(fixed)}.")
    else:
        flash("Nothing to fix any more: someone else has fixed it already.", "info")


def render_findings(db: Database, view: ComplianceView) -> None:
    """The consistency findings, each risk they name a link, and the one-click fix."""
    with st.container(border=True):
        if not view.findings:
            st.markdown(":green[:material/check_circle:] **No consistency findings.**")
            return
        st.markdown(f"**Consistency findings ({len(view.findings)})**")
        for finding in view.findings:
            lead = f":orange[:material/warning:] **{FINDING_KINDS[finding.kind]}:** "
            show_finding(finding, view.treated_by, lead)
        fixable = [finding.control_id for finding in view.findings if finding.fixable]
        if fixable:
            st.button(
                f"Make {len(fixable)} control{'s' if len(fixable) > 1 else ''} applicable",
                icon=":material/auto_fix_high:",
                type="primary",
                key=FIX_KEY,
                on_click=fix_treated_controls,
                args=(db, current_actor()),
                help="Marks each control that a risk treatment uses as applicable, with the"
                " reason 'Treats an assessed risk' (an excluded one restarts as not started).",
            )


def pick_from_table(table_key: str, ids: list[str]) -> None:
    """A row picked in a group's table opens that control in the editor."""
    rows = st.session_state[table_key]["selection"]["rows"]
    if rows:
        st.session_state[SELECTED_KEY] = ids[rows[0]]


def render_group_tables(view: ComplianceView) -> None:
    """One table per Annex A group; a row picked opens the control in the editor, which lists
    the risks it treats as links."""
    statement = view.statement()
    st.subheader("Controls by group", anchor=False)
    st.caption(
        "Select a row to open the control in the editor below. An excluded control has the "
        "status 'Not applicable'."
    )
    with st.container(height=460, border=False):
        for group in catalog.control_groups():
            rows = statement[statement["group"] == group.id]
            table = pd.DataFrame(
                {
                    "Control": rows["control_id"],
                    "Title": rows["title"],
                    "Status": rows["status"].map(status_label),
                    "Risks": rows["risks"],
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
                on_select=partial(pick_from_table, table_key, rows["control_id"].tolist()),
                selection_mode="single-row",
                width="stretch",
                placeholder="",
                column_config={
                    "Control": st.column_config.TextColumn(width=65),
                    "Title": st.column_config.TextColumn(width=300),
                    "Status": st.column_config.TextColumn(width=150),
                    "Risks": st.column_config.NumberColumn(
                        width=50,
                        help="How many risks have a treatment that uses the control (select the"
                        " row to see them)",
                    ),
                    "Owner": st.column_config.TextColumn(width=120),
                    "Last reviewed": st.column_config.DateColumn(width=95, format="YYYY-MM-DD"),
                },
            )


def treated_risks_csv(db: Database, control_id: str) -> bytes:
    """Every risk whose treatment uses the control, named as the links name them (the page
    lists the first LINK_LIMIT)."""
    treatments = catalog.taxonomy().treatment_options
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


def render_control(
    db: Database,
    view: ComplianceView,
    controls: dict[str, catalog.Control],
    as_of: date | None,
    today: date,
) -> None:
    """The control open in the editor: what it is and the risks it treats beside its line
    (read-only in a dated view)."""
    with st.container(border=True):
        control_id = choose_control(controls)
        control = controls[control_id]
        entry = view.entries.get(control_id)
        st.subheader(f"{control.id} {control.title}", anchor=False)
        st.caption(f"{control.group} {control.group_title}")
        about, form_area = st.columns([2, 3], gap="large")
    with about:
        render_about(db, view, control, entry, as_of)
    with form_area:
        if as_of is not None:
            st.markdown(f"**As it stood at the end of {as_of.isoformat()}**")
            show_read_only(entry)
        else:
            render_editor(db, control_id, entry, today)
            render_history(db, control_id)


def choose_control(controls: dict[str, catalog.Control]) -> str:
    control_ids = list(controls)
    control_id: str = st.session_state[SELECTED_KEY]
    # Keyed by the selection and started at it, so the widget's own default is always the
    # control shown: a widget re-created by the browser can never fall back to A.2.2.
    chosen = st.selectbox(
        "Control",
        control_ids,
        index=control_ids.index(control_id),
        key=f"soa_control_{control_id}",
        format_func=lambda cid: f"{cid} {controls[cid].title}",
    )
    if chosen != control_id:
        st.session_state[SELECTED_KEY] = chosen
        st.rerun()
    return control_id


def render_about(
    db: Database,
    view: ComplianceView,
    control: catalog.Control,
    entry: SoAEntry | None,
    as_of: date | None,
) -> None:
    """The control's guidance, its last change, and the risks whose treatments use it."""
    st.markdown(f":material/lightbulb: {plain(control.guidance)}")
    if entry is None:
        st.badge(status_label(NOT_ASSESSED), color="gray")
    else:
        st.caption(
            f"Last changed {entry.changed_at:%Y-%m-%d %H:%M} UTC by {plain(entry.changed_by)}"
        )
    treating = view.linked_risk_count(control.id)
    risks = soa_store.risks_treated_by(db, control.id, limit=LINK_LIMIT)
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
        download=partial(treated_risks_csv, db, control.id),
        file_name=f"risks-treated-by-{control.id}.csv",
        key=f"soa_risks_download_{control.id}",
    )
    if as_of is None and view.must_be_applicable(control.id):
        st.warning(
            "Risk treatments use this control, so it must be applicable: use the fix above or"
            " mark it applicable here.",
            icon=":material/warning:",
        )


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


def load_entry(prefix: str, control_id: str, entry: SoAEntry | None) -> None:
    """Prefill the form once per control, remembering which version it showed, so a version
    saved by someone else meanwhile is not overwritten."""
    if st.session_state.get(prefix + "loaded") == control_id:
        return
    for name, value in entry_values(entry).items():
        st.session_state[prefix + name] = value
    st.session_state[prefix + "expected"] = entry.id if entry else soa_store.NO_ENTRY
    st.session_state[prefix + "loaded"] = control_id
    st.session_state[prefix + "stale"] = False
    st.session_state[prefix + "errors"] = {}


def render_editor(db: Database, control_id: str, entry: SoAEntry | None, today: date) -> None:
    """The control's line as a form; what a save refuses is shown beside the field."""
    prefix = f"soa_{control_id}_"
    load_entry(prefix, control_id, entry)
    errors: dict[str, str] = st.session_state.get(prefix + "errors", {})
    if errors.get("form"):
        st.error(plain(errors["form"]))
        stale = st.session_state.get(prefix + "stale")
        if stale and st.button(
            "Discard my changes and load the latest version", key=prefix + "reload"
        ):
            st.session_state.pop(prefix + "loaded", None)
            st.rerun()
    with st.form(prefix + "form"):
        entry_fields(prefix, errors, today)
        actor = require_actor_notice(Permission.EDIT_SOA)
        with st.container(horizontal=True):
            submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
            reviewed_now = st.form_submit_button(
                "Save, reviewed today",
                icon=":material/event_available:",
                help=f"Save and record that you reviewed this line today ({today}).",
            )
    if submitted or reviewed_now:
        save_entry(db, control_id, prefix, actor, today if reviewed_now else None)
        st.rerun()


def entry_fields(prefix: str, errors: dict[str, str], today: date) -> None:
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


def save_entry(
    db: Database, control_id: str, prefix: str, actor: str | None, reviewed: date | None
) -> None:
    """Validate and save the form's line (a review date when `reviewed`); keep the messages
    for the fields, or reload the saved line."""
    values = {
        name: st.session_state.get(prefix + name)
        for name in SoAEntryInput.model_fields
        if name != "control_id"
    }
    if reviewed is not None:
        values["last_reviewed"] = reviewed

    def write() -> SoAEntry | None:
        data = SoAEntryInput(control_id=control_id, **values)
        try:
            return soa_store.save_entry(
                db, actor, data, expected_entry_id=st.session_state.get(prefix + "expected")
            )
        except ConflictError:
            st.session_state[prefix + "stale"] = True
            raise

    result, errors = (None, {"form": NO_NAME}) if actor is None else attempt(write)
    if not errors:
        flash(f"Saved {control_id}." if result is not None else f"Nothing changed in {control_id}.")
        st.session_state.pop(prefix + "loaded", None)
        return
    if "form" not in errors:
        errors["form"] = NOT_SAVED
    st.session_state[prefix + "errors"] = errors


def render_history(db: Database, control_id: str) -> None:
    history = soa_store.entry_history(db, control_id)
    if history.empty:
        return
    with st.expander(f"Change history ({len(history)} versions)"):
        st.dataframe(
            pd.DataFrame(
                {
                    "When (UTC)": history["changed_at"],
                    "Who": history["changed_by"],
                    "Applies": history["applicable"].map(lambda value: "Yes" if value else "No"),
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


run_page(main)
