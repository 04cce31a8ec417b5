"""The AI system inventory: search, filter, open a system.

The filters and the list's columns are the fields the model declares (`filter`, `listed`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assessments.inventory import FieldSpec, SystemFilter, filter_fields, system_fields
from assessments.regulatory import CLASS_COLOURS, NOT_SCREENED, class_filter_options
from assessments.reports.tabular import encode
from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from assessments.vocab import PERSONAL_DATA
from ui.common import (
    SYSTEM,
    SYSTEM_EDIT,
    TABLE_LIMIT,
    capped_list_note,
    database,
    labelled,
    show_flash,
)
from ui.navigation import page_link, run_page

ANY = "Any"


def filter_key(spec: FieldSpec) -> str:
    return f"inv_{spec.filter}"


def field_filter(spec: FieldSpec, where: Any, facets: dict[str, list[str]]) -> list[Any]:
    """One field's filter: a multiselect of its vocabulary (a `?<field>=<key>` in the URL
    preselects it) or of the values in the data; a flag picks Any, Yes or No."""
    if spec.kind == "flag":
        words = spec.vocabulary or PERSONAL_DATA
        choice = where.selectbox(spec.label, [ANY, *words.values()], key=filter_key(spec))
        return [value for value, word in words.items() if word == choice]
    if spec.vocabulary is None:
        return where.multiselect(spec.label, facets.get(spec.name, []), key=filter_key(spec))
    wanted = st.query_params.get(spec.name)
    return where.multiselect(
        spec.label,
        list(spec.vocabulary),
        default=[wanted] if wanted in spec.vocabulary else None,
        format_func=labelled(spec.vocabulary),
        key=filter_key(spec),
    )


def render_filters(db: Database) -> SystemFilter:
    search = st.text_input(
        "Search", placeholder="Name, purpose, owner, supplier…", key="inv_search"
    )
    facets = inventory_store.facets(db)
    choices = [spec for spec in filter_fields() if spec.kind != "flag"]
    flags = [spec for spec in filter_fields() if spec.kind == "flag"]
    values = {
        spec.name: field_filter(spec, column, facets)
        for spec, column in zip(choices, st.columns(max(len(choices), 1)), strict=False)
    }
    more = st.columns([1] * len(flags) + [1, 3])
    for spec, column in zip(flags, more, strict=False):
        values[spec.name] = field_filter(spec, column, facets)
    overdue = more[len(flags)].toggle(
        "Review overdue only", value=st.query_params.get("review") == "overdue", key="inv_overdue"
    )
    classes = class_filter_options()
    wanted = st.query_params.get("class")
    eu_classes = more[len(flags) + 1].multiselect(
        "EU AI Act class",
        list(classes),
        default=[wanted] if wanted in classes else None,
        format_func=classes.get,
        key="inv_class",
    )
    return SystemFilter(
        search=search, values=values, review_overdue=overdue, eu_ai_act_classes=eu_classes
    )


def render_empty(db: Database) -> None:
    total = inventory_store.counts(db).get("total", 0)
    if total == 0:
        st.info("No AI systems yet. Add the first one, or load the demo portfolio from Home.")
    else:
        st.info(f"No system matches these filters ({total} in the inventory).")
    page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")


def shown_values(spec: FieldSpec, column: pd.Series) -> pd.Series:
    """A listed field as people read it: vocabulary labels, lists joined."""
    if spec.kind in ("flag", "date") or (spec.vocabulary is None and spec.kind == "text"):
        return column
    return column.map(spec.text)


def column_config(spec: FieldSpec, first: bool) -> Any:
    if first:
        return st.column_config.TextColumn(spec.label, width="large")
    if spec.kind == "flag":
        return st.column_config.CheckboxColumn(spec.label)
    if spec.kind == "date":
        return st.column_config.DateColumn(spec.label)
    return spec.label


def render_table(systems: pd.DataFrame, matching: int) -> Any:
    """The listed fields in model order, the EU AI Act class after the status."""
    listed = [spec for spec in system_fields() if spec.listed]
    classes = class_filter_options()
    class_keys = list(classes)
    shown = systems.assign(
        **{spec.name: shown_values(spec, systems[spec.name]) for spec in listed},
        eu_ai_act_class=[
            [value if isinstance(value, str) else NOT_SCREENED]
            for value in systems["eu_ai_act_class"]
        ],
    )
    config = {spec.name: column_config(spec, index == 0) for index, spec in enumerate(listed)}
    config["eu_ai_act_class"] = st.column_config.MultiselectColumn(
        "EU AI Act class",
        options=class_keys,
        color=[CLASS_COLOURS.get(key, "gray") for key in class_keys],
        format_func=classes.get,
    )
    order = [spec.name for spec in listed]
    order.insert(order.index("status") + 1 if "status" in order else 1, "eu_ai_act_class")
    st.caption(f"{matching:,} AI systems · select a row to open it")
    return st.dataframe(
        shown,
        hide_index=True,
        key="inv_table",
        on_select="rerun",
        selection_mode="single-row",
        column_order=order,
        column_config=config,
    )


def render_open_and_downloads(db: Database, systems: pd.DataFrame) -> None:
    with st.container(horizontal=True):
        choice = st.selectbox(
            "Open a system",
            systems["id"].tolist(),
            format_func=dict(zip(systems["id"], systems["name"], strict=True)).get,
            index=None,
            placeholder="Choose a system…",
            key="inv_open",
        )
        if choice is not None:
            st.switch_page(SYSTEM, query_params={"id": int(choice)})
        st.download_button(
            "Download inventory (CSV)",
            data=lambda: encode(inventory_store.export_frame(db), "csv"),
            file_name="ai-inventory.csv",
            mime="text/csv",
            on_click="ignore",
            icon=":material/download:",
        )
        st.download_button(
            "Download inventory (XLSX)",
            data=lambda: encode(inventory_store.export_frame(db), "xlsx", sheet="AI systems"),
            file_name="ai-inventory.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            on_click="ignore",
            icon=":material/download:",
        )


def main() -> None:
    db = database()
    st.title("AI systems")
    st.caption("The inventory is the scope of the AI management system (ISO/IEC 42001 4.3).")
    show_flash()
    filters = render_filters(db)
    systems = inventory_store.list_systems(db, filters, limit=TABLE_LIMIT)
    if systems.empty:
        render_empty(db)
        return
    matching = (
        inventory_store.count_systems(db, filters) if len(systems) >= TABLE_LIMIT else len(systems)
    )
    selection = render_table(systems, matching)
    capped_list_note(
        len(systems),
        matching,
        "AI systems (by name)",
        hint="Narrow the filters, or download them all.",
        download=lambda: encode(inventory_store.export_frame(db, filters), "csv"),
        file_name="ai-inventory-filtered.csv",
        download_label=f"Download the {matching:,} matching (CSV)",
        key="inv_download_matching",
    )
    rows = selection["selection"]["rows"] if selection else []
    if rows:
        st.switch_page(SYSTEM, query_params={"id": int(systems.iloc[rows[0]]["id"])})
    render_open_and_downloads(db, systems)


run_page(main)
