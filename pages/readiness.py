"""Readiness for ISO/IEC 42001 clauses 4 to 10: rate each item 0 to 5 with evidence and a note,
see readiness per clause and overall, and what is still missing before a stage 1 audit."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from assessments import catalog
from assessments.charts.readiness import readiness_chart
from assessments.compliance import (
    MIME_TYPES,
    ComplianceView,
    file_name,
    load_view,
    readiness_export,
)
from assessments.errors import ConflictError
from assessments.identity import Permission
from assessments.soa import (
    MATURITY_LEVELS,
    STAGE1_KEY_ITEMS,
    STAGE1_MATURITY,
    STAGE1_SECTIONS,
    TEXT_MAX,
    ReadinessInput,
    ReadinessRating,
)
from assessments.store import soa as soa_store
from assessments.store.db import Database
from ui.common import (
    SOA,
    attempt,
    database,
    field_error,
    flash,
    plain,
    show_flash,
)
from ui.identity import require_actor_notice
from ui.navigation import page_link, run_page
from ui.soa_widgets import show_finding

NO_NAME = "Enter your name in the sidebar first: every change records who made it."
NOT_RATED = "Not rated"
SCALE_HELP = "  \n".join(MATURITY_LEVELS.values())
# Stage 1 sections whose gaps the Statement of Applicability closes.
SOA_SECTIONS = {"not_assessed", "not_started", "findings"}


def main() -> None:
    db = database()
    render_header()
    view = load_view(db)
    render_figures(view)
    render_chart_and_stage1(view)
    render_scale()
    render_clauses(db, view)
    render_all_items(view)


def render_header() -> None:
    st.title("Readiness for clauses 4 to 10")
    st.caption(
        "The gap analysis before certification: rate each item of clauses 4 to 10 from 0 to 5,"
        " say what shows it and note what is left. Readiness is the mean maturity divided by 5;"
        " an item not rated counts as 0."
    )
    show_flash()


def render_figures(view: ComplianceView) -> None:
    """The headline figures, the downloads, and a hint while nothing is rated."""
    figures = view.figures
    columns = st.columns(4)
    columns[0].metric("Overall readiness", f"{figures.percent:.0f}%")
    columns[1].metric("Items rated", f"{figures.rated} of {figures.items}")
    columns[2].metric("SoA controls assessed", f"{view.summary.assessed} of {view.summary.total}")
    columns[3].metric("Ready for stage 1?", "Yes" if view.stage1.ready else "Not yet")
    downloads = st.columns([1, 1, 4])
    for column, fmt, label in zip(
        downloads, ("xlsx", "pdf"), ("Excel (XLSX)", "PDF"), strict=False
    ):
        column.download_button(
            label,
            data=partial(readiness_export, view, fmt),
            file_name=file_name("clause-readiness", fmt, None),
            mime=MIME_TYPES[fmt],
            on_click="ignore",
            icon=":material/download:",
            key=f"readiness_download_{fmt}",
        )
    if figures.rated == 0:
        st.info(
            "No clause item is rated yet. Open a clause below, rate its items and save; or load"
            " the demo portfolio from Home.",
            icon=":material/lightbulb:",
        )


def render_chart_and_stage1(view: ComplianceView) -> None:
    stage1 = view.stage1
    chart_column, summary_column = st.columns([3, 2], gap="large")
    with chart_column:
        st.subheader("Readiness by clause", anchor=False)
        st.plotly_chart(readiness_chart(view.figures), key="readiness_chart")
    with summary_column:
        st.subheader("Ready for a stage 1 audit?", anchor=False)
        if stage1.ready:
            st.success(stage1.headline(), icon=":material/verified:")
        else:
            st.warning(stage1.headline(), icon=":material/pending_actions:")
        for key, gaps in stage1.sections.items():
            if not gaps:
                continue
            with st.expander(f"{STAGE1_SECTIONS[key]} ({len(gaps)})"):
                if key == "findings":
                    # The SoA's findings, each risk they name a link to its page.
                    for finding in view.findings:
                        show_finding(finding, view.treated_by, lead="")
                else:
                    st.markdown("\n".join(f"- {plain(gap.message)}" for gap in gaps))
                if key in SOA_SECTIONS:
                    page_link(
                        SOA,
                        label="Open the Statement of Applicability",
                        icon=":material/fact_check:",
                    )


def render_scale() -> None:
    st.subheader("Rate the clause items", anchor=False)
    with st.expander("The maturity scale"):
        st.markdown("\n".join(f"- **{text}**" for text in MATURITY_LEVELS.values()))
        st.caption(
            f"A stage 1 audit expects every item at {STAGE1_MATURITY} or more. Items marked ★"
            " are key documented information an auditor asks for first."
        )


def maturity_text(value: int | None) -> str:
    """'3 · Defined' in the select box; the full scale is in its help and the expander above."""
    return NOT_RATED if value is None else MATURITY_LEVELS[value].split(":", 1)[0]


def load_clause(
    view: ComplianceView, clause: str, members: list[catalog.ClauseItem], force: bool = False
) -> None:
    """Prefill a clause's widgets once, so reruns keep what was typed; remember which rating
    each item showed, so a rating saved by someone else meanwhile is not overwritten."""
    marker = f"rd_{clause}_loaded"
    if st.session_state.get(marker) and not force:
        return
    expected: dict[str, int] = {}
    for item in members:
        rating: ReadinessRating | None = view.ratings.get(item.id)
        st.session_state[f"rd_{item.id}_maturity"] = rating.maturity if rating else None
        st.session_state[f"rd_{item.id}_evidence"] = rating.evidence if rating else ""
        st.session_state[f"rd_{item.id}_note"] = rating.note if rating else ""
        expected[item.id] = rating.id if rating else soa_store.NO_ENTRY
    st.session_state[f"rd_{clause}_expected"] = expected
    st.session_state[f"rd_{clause}_errors"] = {}
    st.session_state[marker] = True


def rated_items(members: list[catalog.ClauseItem]) -> tuple[list[ReadinessInput], dict[str, str]]:
    """The clause's rated items as validated input, and the messages by '<item>.<field>'."""
    errors: dict[str, str] = {}
    ratings: list[ReadinessInput] = []
    for item in members:
        maturity = st.session_state.get(f"rd_{item.id}_maturity")
        evidence = st.session_state.get(f"rd_{item.id}_evidence") or ""
        note = st.session_state.get(f"rd_{item.id}_note") or ""
        if maturity is None:
            if evidence.strip() or note.strip():
                errors[f"{item.id}.maturity"] = "rate this item to save its evidence and note"
            continue
        rating, refused = attempt(
            lambda item=item, maturity=maturity, evidence=evidence, note=note: ReadinessInput(
                item_id=item.id, maturity=maturity, evidence=evidence, note=note
            )
        )
        if rating is not None:
            ratings.append(rating)
        errors.update({f"{item.id}.{field}": message for field, message in refused.items()})
    return ratings, errors


def save_clause(
    db: Database, clause: str, members: list[catalog.ClauseItem], actor: str | None
) -> None:
    """Validate every rated item of the clause and save the changed ones in one transaction."""
    ratings, errors = rated_items(members)
    if actor is None:
        errors["form"] = NO_NAME
    elif errors:
        errors["form"] = "Nothing was saved: please correct the items marked below."
    else:
        stale: list[ConflictError] = []

        def write() -> list[str]:
            try:
                return soa_store.save_ratings(
                    db, actor, ratings, expected=st.session_state.get(f"rd_{clause}_expected")
                )
            except ConflictError as error:
                stale.append(error)
                raise

        changed, errors = attempt(write)
        if stale:
            errors["stale"] = "yes"
        elif changed is not None:
            st.session_state.pop(f"rd_{clause}_loaded", None)
            flash(
                f"Saved clause {clause}: {len(changed)} item{'s' if len(changed) != 1 else ''}"
                " changed."
                if changed
                else f"Nothing changed in clause {clause}."
            )
    st.session_state[f"rd_{clause}_errors"] = errors


def render_clauses(db: Database, view: ComplianceView) -> None:
    """One expander per clause holding the form that rates its items."""
    by_clause: dict[str, list[catalog.ClauseItem]] = {}
    for item in catalog.clause_items():
        by_clause.setdefault(item.clause, []).append(item)
    clause_figures = {clause.clause: clause for clause in view.figures.clauses}
    actor = require_actor_notice(Permission.EDIT_SOA)
    for clause, members in by_clause.items():
        figure = clause_figures[clause]
        load_clause(view, clause, members)
        errors: dict[str, str] = st.session_state.get(f"rd_{clause}_errors", {})
        title = (
            f"{clause} {members[0].clause_title} · {figure.percent:.0f}%"
            f" · {figure.rated} of {figure.items} rated"
        )
        with st.expander(title, expanded=bool(errors)):
            if errors.get("form"):
                st.error(plain(errors["form"]))
                if errors.get("stale") and st.button(
                    "Discard my changes and load the latest ratings", key=f"rd_{clause}_reload"
                ):
                    load_clause(view, clause, members, force=True)
                    st.rerun()
            with st.form(f"rd_{clause}_form", border=False):
                for item in members:
                    clause_item_fields(view, item, errors)
                st.form_submit_button(
                    f"Save clause {clause}",
                    type="primary",
                    icon=":material/save:",
                    on_click=save_clause,
                    args=(db, clause, members, actor),
                )


def clause_item_fields(
    view: ComplianceView, item: catalog.ClauseItem, errors: dict[str, str]
) -> None:
    """One item's maturity, evidence and note, each with its message beneath it."""
    key_item = " ★" if item.id in STAGE1_KEY_ITEMS else ""
    st.markdown(f"**{item.id} {plain(item.display_title)}{key_item}**")
    st.caption(f"{plain(item.guidance)} Evidence, e.g.: {plain(item.evidence)}")
    rated = view.ratings.get(item.id) is not None
    options = list(MATURITY_LEVELS) if rated else [None, *MATURITY_LEVELS]
    left, middle, right = st.columns([2, 3, 3])
    with left:
        st.selectbox(
            f"Maturity of {item.id}",
            options,
            key=f"rd_{item.id}_maturity",
            format_func=maturity_text,
            help=SCALE_HELP,
        )
        field_error(errors, f"{item.id}.maturity")
    with middle:
        st.text_area(
            f"Evidence for {item.id}",
            key=f"rd_{item.id}_evidence",
            max_chars=TEXT_MAX,
            height=68,
        )
        field_error(errors, f"{item.id}.evidence")
    with right:
        st.text_area(
            f"Note on {item.id}",
            key=f"rd_{item.id}_note",
            max_chars=TEXT_MAX,
            height=68,
        )
        field_error(errors, f"{item.id}.note")


def render_all_items(view: ComplianceView) -> None:
    st.subheader("All items", anchor=False)
    frame = view.readiness()
    st.dataframe(
        pd.DataFrame(
            {
                "Item": frame["item_id"],
                "Title": frame["title"],
                "Maturity": frame["maturity"].map(
                    lambda value: NOT_RATED.lower() if pd.isna(value) else str(value)
                ),
                "Evidence": frame["evidence"],
                "Note": frame["note"],
                "Key for stage 1": frame["key_for_stage1"],
                "Changed by": frame["changed_by"],
            }
        ),
        hide_index=True,
        column_config={
            "Maturity": st.column_config.TextColumn(help="0 to 5"),
            "Key for stage 1": st.column_config.CheckboxColumn(),
        },
    )


run_page(main)
