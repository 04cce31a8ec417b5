"""Regulatory screening across the portfolio: every system's EU AI Act class, at a glance."""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

from assessments.colorado import colorado_key_dates, coverage_label, load_colorado_reference
from assessments.exports import EXPORTS, build_export
from assessments.regulatory import CLASS_COLOURS, class_filter_options
from assessments.reports.tabular import encode
from assessments.screening import amending_acts, eu_key_dates, load_eu_ai_act_reference
from assessments.store import inventory as inventory_store
from assessments.store import screenings as screening_store
from assessments.store.db import Database
from ui.common import (
    SCREENING,
    SYSTEM_EDIT,
    TABLE_LIMIT,
    capped_list_note,
    database,
    show_flash,
)
from ui.navigation import page_link, run_page


class Filters(NamedTuple):
    """What the overview is narrowed to."""

    classes: list[str]
    stale_only: bool
    fria_only: bool


def main() -> None:
    db = database()
    render_header()
    if inventory_store.counts(db).get("total", 0) == 0:
        render_empty_inventory()
        return
    classes = class_filter_options()
    render_class_counts(db, classes)
    filters = choose_filters(classes)
    frame, matching = screening_store.overview_page(
        db,
        filters.classes,
        stale_only=filters.stale_only,
        fria_only=filters.fria_only,
        limit=TABLE_LIMIT,
    )
    if frame.empty:
        st.info("No system matches these filters.")
        return
    render_overview(db, frame, matching, filters, classes)
    render_open_picker(frame)
    render_obligation_downloads(db)
    render_key_dates()


def render_header() -> None:
    st.title("Regulatory screening")
    st.caption(
        "Is a system banned, high-risk, or just obliged to say it is AI? The EU AI Act class of "
        "every AI system, with its fundamental rights impact assessment, whether Colorado's law "
        "on automated decision-making technology covers it, and the progress on its obligations."
    )
    show_flash()


def render_empty_inventory() -> None:
    st.info("No AI systems yet. Add one, or load the demo portfolio from Home, then screen it.")
    page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")


def render_class_counts(db: Database, classes: dict[str, str]) -> None:
    counts = screening_store.class_counts(db)
    with st.container(horizontal=True):
        for key, label in classes.items():
            st.badge(f"{label}: {counts.get(key, 0)}", color=CLASS_COLOURS.get(key, "gray"))
    st.caption("Systems in use or planned (retired ones are left out of these counts).")


def choose_filters(classes: dict[str, str]) -> Filters:
    left, middle, right = st.columns([3, 1, 1])
    chosen = left.multiselect(
        "EU AI Act class",
        list(classes),
        format_func=classes.get,
        key="regs_classes",
        placeholder="All classes",
    )
    stale_only = middle.toggle("Stale screenings only", key="regs_stale")
    fria_only = right.toggle("FRIA required only", key="regs_fria")
    return Filters(chosen, stale_only, fria_only)


def every_matching_system(db: Database, filters: Filters) -> bytes:
    """The whole list these filters give, one row per system, read when the download is clicked."""
    whole = screening_store.overview(
        db, filters.classes, stale_only=filters.stale_only, fria_only=filters.fria_only
    )
    return encode(
        whole.drop(columns=["screening_id", "law_version", "colorado_repealed_law"]), "csv"
    )


def shown_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The overview with the columns the table draws: the class as a tag, obligations done,
    the Colorado coverage and the stale mark as text."""
    return frame.assign(
        eu_class=[[value] for value in frame["risk_class"]],
        obligations=[
            f"{closed} of {total}" if total else "none"
            for closed, total in zip(
                frame["obligations_closed"], frame["obligations_total"], strict=True
            )
        ],
        colorado=[
            coverage_label(None if pd.isna(value) else bool(value), repealed)
            for value, repealed in zip(
                frame["colorado_covered"], frame["colorado_repealed_law"], strict=True
            )
        ],
        stale_text=["Stale" if value else "" for value in frame["stale"]],
    )


def overview_columns(classes: dict[str, str]) -> dict[str, object]:
    keys = list(classes)
    return {
        "name": st.column_config.TextColumn("AI system", width=265),
        "eu_class": st.column_config.MultiselectColumn(
            "EU AI Act class",
            options=keys,
            color=[CLASS_COLOURS.get(key, "gray") for key in keys],
            format_func=classes.get,
            width=115,
        ),
        "stale_text": st.column_config.TextColumn(
            "Stale", help="Purpose, context or technique changed after the screening", width=50
        ),
        "fria_required": st.column_config.CheckboxColumn(
            "FRIA", help="A fundamental rights impact assessment (Art. 27) is required", width=50
        ),
        "colorado": st.column_config.TextColumn(
            "Colorado",
            help="Whether Colorado's SB 26-189 covers the system (its duties apply from "
            f"{load_colorado_reference().effective.date}); not asked when the system is not an "
            "AI system",
            width=110,
        ),
        "obligations": st.column_config.TextColumn(
            "Done", help="Obligations done or set aside, of all", width=65
        ),
        "progress": st.column_config.ProgressColumn(
            "Progress", min_value=0, max_value=100, format="%d%%", width=110
        ),
        "screened_at": st.column_config.DatetimeColumn(
            "Screened", format="YYYY-MM-DD", help="Date of the current screening (UTC)", width=95
        ),
    }


def render_overview(
    db: Database,
    frame: pd.DataFrame,
    matching: int,
    filters: Filters,
    classes: dict[str, str],
) -> None:
    """One row per system; selecting a row opens its screening."""
    shown = shown_columns(frame)
    st.caption(f"{matching:,} AI systems · select a row to open its screening")
    selection = st.dataframe(
        shown,
        hide_index=True,
        key="regs_table",
        on_select="rerun",
        selection_mode="single-row",
        width="stretch",
        height=35 * (min(len(shown), 20) + 1) + 3,
        column_order=[
            "name",
            "eu_class",
            "stale_text",
            "fria_required",
            "colorado",
            "obligations",
            "progress",
            "screened_at",
        ],
        column_config=overview_columns(classes),
    )
    capped_list_note(
        len(frame),
        matching,
        "AI systems (by name)",
        hint="Narrow the filters, or download them all.",
        download=lambda: every_matching_system(db, filters),
        file_name="regulatory-screening-overview.csv",
        download_label=f"Download the {matching:,} matching (CSV)",
        key="regs_download_matching",
    )
    rows = selection["selection"]["rows"] if selection else []
    if rows:
        st.switch_page(SCREENING, query_params={"id": int(frame.iloc[rows[0]]["system_id"])})


def render_open_picker(frame: pd.DataFrame) -> None:
    choice = st.selectbox(
        "Open a screening",
        frame["system_id"].tolist(),
        format_func=dict(zip(frame["system_id"], frame["name"], strict=True)).get,
        index=None,
        placeholder="Choose a system…",
        key="regs_open",
    )
    if choice is not None:
        st.switch_page(SCREENING, query_params={"id": int(choice)})


def render_obligation_downloads(db: Database) -> None:
    with st.container(horizontal=True):
        st.download_button(
            "Download every obligation (CSV)",
            data=lambda: build_export(db, "obligations", "csv"),
            file_name=f"{EXPORTS['obligations'].file_stem}.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
            help="Each screening's obligations with their dates, the act behind each date, "
            "status, owner and evidence, and whether the screening is stale.",
        )
        st.download_button(
            "Download every obligation (XLSX)",
            data=lambda: build_export(db, "obligations", "xlsx"),
            file_name=f"{EXPORTS['obligations'].file_stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            icon=":material/download:",
        )


def render_key_dates() -> None:
    with st.expander("Key dates and where they come from"):
        eu = load_eu_ai_act_reference()
        dates = pd.DataFrame([*eu_key_dates(eu), *colorado_key_dates()])
        st.caption(
            "Status is the legal status of the act that set the date; Applies says whether the "
            "date has come."
        )
        st.dataframe(
            dates,
            hide_index=True,
            width="stretch",
            height=35 * (len(dates) + 1) + 3,
            column_config={
                "Date": st.column_config.DateColumn(),
                "Last checked": st.column_config.DateColumn(),
            },
        )
        st.markdown("**Acts that set these dates**")
        st.dataframe(
            pd.DataFrame(amending_acts(eu)),
            hide_index=True,
            width="stretch",
            column_config={"Last checked": st.column_config.DateColumn()},
        )
        st.caption(
            "Dates of these laws have moved before. They are kept as data "
            "(data/regulation/*.yaml) with their source and the date someone last checked them."
        )


run_page(main)
