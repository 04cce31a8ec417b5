"""The AI system inventory: search, filter, open a system."""

from __future__ import annotations

import streamlit as st

from assessments import vocab
from assessments.inventory import SystemFilter
from assessments.regulatory import CLASS_COLOURS, NOT_SCREENED, class_filter_options
from assessments.reports.tabular import encode
from assessments.store import inventory as inventory_store
from ui.common import (
    SYSTEM,
    SYSTEM_EDIT,
    TABLE_LIMIT,
    capped_list_note,
    database,
    labelled,
    show_flash,
)

db = database()
st.title("AI systems")
st.caption("The inventory is the scope of the AI management system (ISO/IEC 42001 4.3).")
show_flash()

facets = inventory_store.facets(db)
params = st.query_params
search = st.text_input("Search", placeholder="Name, purpose, owner, supplier…", key="inv_search")
columns = st.columns(5)
business_units = columns[0].multiselect("Business unit", facets["business_unit"], key="inv_bu")
statuses = columns[1].multiselect(
    "Status",
    list(vocab.SYSTEM_STATUSES),
    default=[params["status"]] if params.get("status") in vocab.SYSTEM_STATUSES else None,
    format_func=labelled(vocab.SYSTEM_STATUSES),
    key="inv_status",
)
stages = columns[2].multiselect(
    "Lifecycle stage",
    list(vocab.LIFECYCLE_STAGES),
    format_func=labelled(vocab.LIFECYCLE_STAGES),
    key="inv_stage",
)
techniques = columns[3].multiselect(
    "AI technique",
    list(vocab.AI_TECHNIQUES),
    format_func=labelled(vocab.AI_TECHNIQUES),
    key="inv_technique",
)
contexts = columns[4].multiselect(
    "Deployment context",
    list(vocab.DEPLOYMENT_CONTEXTS),
    format_func=labelled(vocab.DEPLOYMENT_CONTEXTS),
    key="inv_context",
)
more = st.columns([1, 1, 3])
personal = more[0].selectbox("Personal data", ["Any", "Yes", "No"], key="inv_personal")
overdue = more[1].toggle(
    "Review overdue only", value=params.get("review") == "overdue", key="inv_overdue"
)
classes = class_filter_options()
class_keys = list(classes)
eu_classes = more[2].multiselect(
    "EU AI Act class",
    class_keys,
    default=[params["class"]] if params.get("class") in classes else None,
    format_func=classes.get,
    key="inv_class",
)

filters = SystemFilter(
    search=search,
    business_units=business_units,
    statuses=statuses,
    lifecycle_stages=stages,
    ai_techniques=techniques,
    deployment_contexts=contexts,
    personal_data={"Any": None, "Yes": True, "No": False}[personal],
    review_overdue=overdue,
    eu_ai_act_classes=eu_classes,
)
systems = inventory_store.list_systems(db, filters, limit=TABLE_LIMIT)
matching = (
    inventory_store.count_systems(db, filters) if len(systems) >= TABLE_LIMIT else len(systems)
)

if systems.empty:
    total = inventory_store.counts(db).get("total", 0)
    if total == 0:
        st.info("No AI systems yet. Add the first one, or load the demo portfolio from Home.")
    else:
        st.info(f"No system matches these filters ({total} in the inventory).")
    st.page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
    st.stop()

shown = systems.assign(
    status=systems["status"].map(labelled(vocab.SYSTEM_STATUSES)),
    lifecycle_stage=systems["lifecycle_stage"].map(labelled(vocab.LIFECYCLE_STAGES)),
    ai_technique=systems["ai_technique"].map(labelled(vocab.AI_TECHNIQUES)),
    deployment_context=systems["deployment_context"].map(labelled(vocab.DEPLOYMENT_CONTEXTS)),
    eu_ai_act_class=[
        [value if isinstance(value, str) else NOT_SCREENED] for value in systems["eu_ai_act_class"]
    ],
)
st.caption(f"{matching:,} AI systems · select a row to open it")
selection = st.dataframe(
    shown,
    hide_index=True,
    key="inv_table",
    on_select="rerun",
    selection_mode="single-row",
    column_order=[
        "name",
        "business_unit",
        "owner",
        "status",
        "eu_ai_act_class",
        "lifecycle_stage",
        "ai_technique",
        "deployment_context",
        "personal_data",
        "next_review",
    ],
    column_config={
        "name": st.column_config.TextColumn("Name", width="large"),
        "business_unit": "Business unit",
        "owner": "Owner",
        "status": "Status",
        "eu_ai_act_class": st.column_config.MultiselectColumn(
            "EU AI Act class",
            options=class_keys,
            color=[CLASS_COLOURS.get(key, "gray") for key in class_keys],
            format_func=classes.get,
        ),
        "lifecycle_stage": "Lifecycle stage",
        "ai_technique": "Technique",
        "deployment_context": "Context",
        "personal_data": st.column_config.CheckboxColumn("Personal data"),
        "next_review": st.column_config.DateColumn("Next review"),
    },
)
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
