"""Impact assessments of every AI system: status, level, staleness; start, continue, re-assess."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessments import impact
from assessments.identity import Permission
from assessments.impact import ImpactResponse
from assessments.reports.tabular import encode
from assessments.store import impact as impact_store
from assessments.store.db import Database
from ui.common import (
    IMPACT_RESULT,
    IMPACT_WIZARD,
    SYSTEM_EDIT,
    TABLE_LIMIT,
    attempt,
    capped_list_note,
    database,
    flash,
    plain,
    show_flash,
)
from ui.identity import current_actor, require_actor_notice
from ui.impact_widgets import error_text
from ui.navigation import page_link, run_page

REASSESSMENT_RULE = (
    " A re-assessment in progress (draft, returned or waiting for approval) leaves the system"
    " here until it is approved."
)
FIRST_ONLY = (
    " First assessments only: a system with an approved version counts under Approved or"
    " Stale while its re-assessment is in progress."
)
FILTER_KEY = "ia_filter"
RETIRED_KEY = "ia_retired"
SYSTEM_KEY = "ia_system"
ERROR_KEY = "ia_error"
OPEN_KEY = "ia_open"


def render_header() -> None:
    st.title("Impact assessments")
    st.caption(
        "What each AI system could do to individuals, groups and society, scored into an impact "
        "level and signed off (ISO/IEC 42001 A.5, 8.4). Repeat after significant changes and at "
        "the review date."
    )
    show_flash()


def load_status(db: Database) -> pd.DataFrame:
    """Every system with the state of its assessment; an empty inventory stops the page."""
    frame = impact_store.assessment_status_by_system(db)
    if frame.empty:
        st.info("No AI systems yet. Add one to the inventory first, or load the demo from Home.")
        page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
        st.stop()
    return frame


def reassessments(count: int) -> dict[str, object]:
    """The metric's note under the figure: how many of these systems are being re-assessed."""
    if not count:
        return {}
    return {
        "delta": f"{count} re-assessing",
        "delta_color": "off",
        "delta_arrow": "off",
    }


def render_counts(db: Database) -> None:
    """How many systems in scope are in each state, each counted once."""
    counts = impact_store.status_counts(db)
    columns = st.columns(6)
    columns[0].metric(
        "Approved",
        counts["current"],
        help="Approved and still current." + REASSESSMENT_RULE,
        **reassessments(counts["reassessing_current"]),
    )
    columns[1].metric(
        "Stale",
        counts["stale"],
        help="Approved, but the system changed or is due." + REASSESSMENT_RULE,
        **reassessments(counts["reassessing_stale"]),
    )
    columns[2].metric(
        "Waiting for approval",
        counts["first_submitted"],
        help="Submitted and waiting for sign-off." + FIRST_ONLY,
    )
    columns[3].metric(
        "Returned",
        counts["first_returned"],
        help="Returned for changes by the approver." + FIRST_ONLY,
    )
    columns[4].metric("Drafts", counts["first_draft"], help="Being answered." + FIRST_ONLY)
    columns[5].metric("Never assessed", counts["never_assessed"])
    st.caption(
        f"Each of the {counts['systems']} AI systems in scope (not retired) counts once, under the"
        " state of its latest approved version or, before the first approval, of its assessment."
    )


def assessment_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The list as it reads on screen: one row per system of the view."""
    approved_on = pd.to_datetime(rows["approved_at"]).dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "System": rows["system_name"],
            "Assessment": rows["state"],
            "Level": [
                "" if pd.isna(level) else f"{level} ↑" if impact.raised(level, points) else level
                for level, points in zip(rows["level"], rows["points_level"], strict=True)
            ],
            "Answered": [
                f"{answered} of {shown}" if pd.notna(answered) else ""
                for answered, shown in zip(rows["answered"], rows["shown"], strict=True)
            ],
            "Approved": [
                f"{level} on {day}" if pd.notna(level) else ""
                for level, day in zip(rows["approved_level"], approved_on, strict=True)
            ],
            "Stale because": rows["stale_reason"].where(rows["stale"], "").fillna(""),
            "Open": [
                f"impact_result?id={int(value)}" if pd.notna(value) else ""
                for value in rows["response_id"]
            ],
        }
    )


ASSESSMENT_COLUMNS = {
    "System": st.column_config.TextColumn("System", width=265),
    "Assessment": st.column_config.TextColumn(
        "Assessment",
        width=160,
        help="The latest version; a draft's level is provisional. A system never "
        "assessed is started under 'Work on an assessment' below.",
    ),
    "Level": st.column_config.TextColumn(
        "Level",
        width=45,
        help="↑: raised above what the points give by a floor (severe harm with no "
        "review of each case, or the system's regulatory screening); the result page "
        "says why.",
    ),
    "Answered": st.column_config.TextColumn("Answered", width=72),
    "Approved": st.column_config.TextColumn("Approved", width=108),
    "Stale because": st.column_config.TextColumn("Stale because", width=238),
    "Open": st.column_config.LinkColumn("Open", display_text="Result", width=52),
}


def render_list(db: Database) -> None:
    """The systems of the chosen view (capped, with a download of them all)."""
    requested = st.query_params.get("filter", "all")
    left, right = st.columns([2, 1])
    choice = left.selectbox(
        "Show",
        list(impact.VIEWS),
        index=list(impact.VIEWS).index(requested) if requested in impact.VIEWS else 0,
        format_func=impact.VIEWS.get,
        key=FILTER_KEY,
    )
    include_retired = right.toggle("Include retired systems", key=RETIRED_KEY)
    rows, matching = impact_store.assessment_view_page(
        db, choice, include_retired=include_retired, limit=TABLE_LIMIT
    )

    def every_row_of_the_view() -> bytes:
        """The whole view as a CSV (without the page links), read when the download is clicked."""
        every = impact_store.assessment_view(db, choice, include_retired=include_retired)
        return encode(assessment_table(every).drop(columns="Open"), "csv")

    if rows.empty:
        st.info("No system matches this view.")
        return
    table = assessment_table(rows)
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        height="content" if len(table) <= 20 else "auto",
        placeholder="",
        column_config=ASSESSMENT_COLUMNS,
    )
    capped_list_note(
        len(rows),
        matching,
        "AI systems (by name)",
        hint="Choose a narrower view, or download them all.",
        download=every_row_of_the_view,
        file_name="impact-assessments-list.csv",
        download_label=f"Download the {matching:,} in this view (CSV)",
        key="ia_download_view",
    )


# --- Work on one system ------------------------------------------------------------------------


def pick_system(in_scope: pd.DataFrame) -> int:
    """The system to work on (?system= preselects it); the page stops until one is chosen."""
    st.subheader("Work on an assessment", anchor=False)
    names = dict(zip(in_scope["system_id"].astype(int), in_scope["system_name"], strict=True))
    if not names:
        st.info("Every system is retired; retired systems are not assessed any more.")
        st.stop()
    requested_system = st.query_params.get("system", "")
    preselected = (
        list(names).index(int(requested_system))
        if requested_system.isdigit() and int(requested_system) in names
        else None
    )
    system_id = st.selectbox(
        "AI system",
        list(names),
        index=preselected,
        format_func=names.get,
        placeholder="Choose an AI system",
        key=SYSTEM_KEY,
    )
    if system_id is None:
        st.stop()
    return int(system_id)


def start(db: Database, system_id: int) -> None:
    """on_click: a first assessment or a re-assessment, opened once the page runs again."""
    created, errors = attempt(lambda: impact_store.start_assessment(db, current_actor(), system_id))
    if created is None:
        st.session_state[ERROR_KEY] = error_text(errors)
        return
    st.session_state[OPEN_KEY] = created.id
    if created.previous_id:
        flash(f"Started version {created.version_no}, prefilled from the last approved one.")


def render_work(db: Database, in_scope: pd.DataFrame, system_id: int) -> None:
    """Where the chosen system's assessment stands and the next step, with earlier versions."""
    row = in_scope[in_scope["system_id"] == system_id].iloc[0]
    history = impact_store.versions(db, system_id)
    newest = history[-1] if history else None
    actor = require_actor_notice(Permission.ANSWER_IMPACT)
    with st.container(border=True):
        if st.session_state.get(ERROR_KEY):
            st.error(plain(st.session_state.pop(ERROR_KEY)))
        if newest is None:
            st.markdown(f"**{plain(row['system_name'])}** has no impact assessment yet.")
            st.button(
                "Start the impact assessment",
                icon=":material/play_arrow:",
                type="primary",
                disabled=actor is None,
                on_click=start,
                args=(db, system_id),
            )
        else:
            render_next_step(db, row, newest, actor)
        if len(history) > 1:
            st.caption("Earlier versions")
            for version in reversed(history[:-1]):
                page_link(
                    IMPACT_RESULT,
                    label=f"Version {version.version_no}: {impact.STATUSES[version.status]}, "
                    f"level {version.level}",
                    query_params={"id": str(version.id)},
                )
    opened = st.session_state.pop(OPEN_KEY, None)
    if opened:
        st.switch_page(IMPACT_WIZARD, query_params={"id": str(opened)})


def render_next_step(
    db: Database, row: pd.Series, newest: ImpactResponse, actor: str | None
) -> None:
    """Continue a draft, review a submitted version, or re-assess an approved one."""
    if newest.editable:
        st.markdown(
            f"Version {newest.version_no} is {impact.STATUSES[newest.status].lower()}: "
            f"{newest.answered} of {newest.shown} questions answered, provisional level "
            f"{newest.level}."
        )
        if newest.status == "returned":
            st.warning(
                f"Returned by {plain(newest.returned_by)}: {plain(newest.review_comment)}",
                icon=":material/undo:",
            )
        page_link(
            IMPACT_WIZARD,
            label="Continue the questionnaire",
            icon=":material/edit_note:",
            query_params={"id": str(newest.id)},
        )
        return
    if newest.status == "submitted":
        st.markdown(
            f"Version {newest.version_no} (level {newest.level}) was submitted by "
            f"{plain(newest.submitted_by)} and waits for approval."
        )
        page_link(
            IMPACT_RESULT,
            label="Review and sign off",
            icon=":material/task_alt:",
            query_params={"id": str(newest.id)},
        )
        return
    state = "stale" if row["stale"] else "current"
    st.markdown(
        f"Version {newest.version_no} is approved (level {newest.level}) and {state}."
        + (f" Stale because {plain(row['stale_reason'])}." if row["stale"] else "")
    )
    with st.container(horizontal=True):
        page_link(
            IMPACT_RESULT,
            label="See the result",
            icon=":material/assessment:",
            query_params={"id": str(newest.id)},
        )
        st.button(
            "Start a re-assessment",
            icon=":material/restart_alt:",
            type="primary" if row["stale"] else "secondary",
            disabled=actor is None,
            on_click=start,
            args=(db, int(row["system_id"])),
            help="A new version, prefilled with the approved answers.",
        )


def main() -> None:
    db = database()
    render_header()
    frame = load_status(db)
    in_scope = frame[frame["system_status"] != "retired"]
    render_counts(db)
    render_list(db)
    system_id = pick_system(in_scope)
    render_work(db, in_scope, system_id)


run_page(main)
