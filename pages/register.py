"""Risk register: every risk across the organisation or of one AI system (`?system=<id>`), with
filters, the inherent and residual heatmaps (click a cell to list its risks), the consistency
findings and downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessments import catalog, regulatory
from assessments.charts.risk_matrix import newest_selection, risk_matrix_figure, selected_cell
from assessments.reports.risk_register import risks_export
from assessments.reports.tabular import encode
from assessments.risk_checks import CHECKS
from assessments.risks import RISK_STATUSES, RiskFilter
from assessments.store import criteria as criteria_store
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from pages.common import (
    HOME,
    RISK,
    RISK_NEW,
    SYSTEM,
    SYSTEM_EDIT,
    database,
    labelled,
    plain,
    show_flash,
)
from pages.risk_widgets import level_styles, styled_levels

TABLE_LIMIT = 500
FINDINGS_LIMIT = 200
HEATMAP_TIERS = {
    "inherent": "Inherent (before controls)",
    "residual": "Residual (controls in place)",
}

db = database()
terms = catalog.taxonomy()
criteria = criteria_store.current_criteria(db)
systems = inventory_store.system_names(db)

st.title("Risk register")
show_flash()

if not systems:
    st.info("The inventory is empty: add an AI system first, then identify its risks.")
    st.page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
    st.page_link(HOME, label="Or load the demo portfolio from Home", icon=":material/home:")
    st.stop()
if register_store.risk_count(db) == 0:
    st.info(
        "No risks are identified yet. Open an AI system and identify its risks, from the risk "
        "library or in your own words; or load the demo portfolio from Home."
    )
    st.page_link(RISK_NEW, label="Identify risks", icon=":material/add_alert:")
    st.stop()

# A link with ?system=<id> selects that system, even when this session chose another before.
raw_system = st.query_params.get("system")
linked = int(raw_system) if raw_system and raw_system.isdigit() else None
if linked not in systems:
    linked = None
if st.session_state.get("reg_linked") != raw_system:
    st.session_state["reg_linked"] = raw_system
    st.session_state["reg_system"] = linked

system_id = st.selectbox(
    "AI system",
    [None, *systems],
    format_func=lambda key: "All AI systems" if key is None else systems[key],
    key="reg_system",
)
if system_id is None:
    st.query_params.pop("system", None)
else:
    st.query_params["system"] = str(system_id)
    st.session_state["reg_linked"] = str(system_id)
    with st.container(horizontal=True):
        st.page_link(
            SYSTEM,
            label="Open the AI system",
            icon=":material/memory:",
            query_params={"id": system_id},
        )
        st.page_link(
            RISK_NEW,
            label="Identify more risks",
            icon=":material/add_alert:",
            query_params={"system": system_id},
        )

facets = register_store.facets(db)
search = st.text_input(
    "Search", placeholder="Title, description, system, owner or risk id", key="reg_search"
)
row = st.columns([2, 2, 2, 2, 2])
levels = row[0].multiselect("Level", criteria.level_names(), key="reg_levels")
level_tier = row[1].selectbox(
    "Level of",
    list(register_store.LEVEL_TIER_LABELS),
    format_func=labelled(register_store.LEVEL_TIER_LABELS),
    key="reg_level_tier",
    help="Which rating the level filter looks at.",
)
owners = row[2].multiselect("Owner", facets["owner"], key="reg_owner")
statuses = row[3].multiselect(
    "Status", list(RISK_STATUSES), format_func=labelled(RISK_STATUSES), key="reg_status"
)
harms = row[4].multiselect(
    "Harm category",
    list(terms.harm_categories),
    format_func=labelled(terms.harm_categories),
    key="reg_harm",
)
more = st.columns([2, 2, 2, 2, 2])
units = (
    more[0].multiselect("Business unit", facets["business_unit"], key="reg_unit")
    if system_id is None
    else []
)
class_labels = {**regulatory.class_labels(), regulatory.NOT_SCREENED: regulatory.NOT_SCREENED_LABEL}
classes = (
    more[1].multiselect(
        "EU AI Act class",
        list(class_labels),
        format_func=labelled(class_labels),
        key="reg_class",
        help="The class of the risk's AI system in its latest regulatory screening.",
    )
    if system_id is None
    else []
)
above_only = more[2].toggle("Above appetite only", key="reg_above")
findings_only = more[3].toggle("With findings only", key="reg_findings")

filters = RiskFilter(
    system_ids=[system_id] if system_id is not None else [],
    levels=levels,
    level_tier=level_tier,
    owners=owners,
    statuses=statuses,
    harm_categories=harms,
    business_units=units,
    eu_ai_act_classes=classes,
    search=search,
    above_appetite_only=above_only,
    with_findings_only=findings_only,
)
summary = register_store.register_summary(db, filters)
register = register_store.register_frame(db, filters, limit=TABLE_LIMIT)

if register.empty:
    if system_id is not None and register_store.risk_count(db, system_id) == 0:
        st.info(
            "This AI system has no risks yet: identify them from the risk library or in your "
            "own words."
        )
        st.page_link(
            RISK_NEW,
            label="Identify risks",
            icon=":material/add_alert:",
            query_params={"system": system_id},
        )
    else:
        st.info("No risk matches these filters. Clear a filter or the search to see more.")
    st.stop()

with st.container(horizontal=True):
    st.metric("Risks", f"{summary['risks']:,}")
    st.metric("Above appetite", f"{summary['above_appetite']:,}")
    st.metric("With open findings", f"{summary['with_findings']:,}")
    st.metric("Accepted (in force)", f"{summary['accepted']:,}")
    st.metric("Overdue actions", f"{summary['overdue_actions']:,}")

# Impact assessments of the systems shown: stale or missing ones belong next to their risks.
assessments = impact_store.assessment_status_by_system(db).set_index("system_id")
shown_systems = assessments.loc[assessments.index.isin(register["system_id"].unique())]
stale = shown_systems[shown_systems["stale"]]
if not stale.empty:
    st.warning(
        "Impact assessment out of date for "
        + "; ".join(plain(f"{row.system_name} ({row.stale_reason})") for row in stale.itertuples())
        + ": re-assess before relying on these risk ratings.",
        icon=":material/update:",
    )


def impact_label(assessments: pd.DataFrame, system_id: int) -> str:
    """The system's impact assessment as a few words: its latest state, and stale if so."""
    if system_id not in assessments.index:
        return ""
    row = assessments.loc[system_id]
    if pd.isna(row["response_id"]):
        return "None yet"
    text = str(row["status"]).replace("_", " ").capitalize()
    if pd.notna(row["level"]):
        text += f", level {row['level']}"
    return text + (" (stale)" if row["stale"] else "")


def clear_cell() -> None:
    st.session_state["reg_active_cell"] = None


@st.fragment
def heatmaps(filters: RiskFilter) -> None:
    """Inherent and residual matrices side by side; a click lists that cell's risks below."""
    columns = st.columns(2)
    clicked: dict[str, tuple[int, int] | None] = {}
    active = st.session_state.get("reg_active_cell")
    mapped_total = 0
    matrices = {tier: register_store.matrix_counts(db, tier, filters) for tier in HEATMAP_TIERS}
    for tier, counts in matrices.items():
        mapped_total += int(counts["mapped_count"].sum())
        # The click is in the chart's state before the chart is drawn, so the outline of
        # the chosen cell shows on this very run.
        clicked[tier] = selected_cell(st.session_state.get(f"reg_map_{tier}"))
    choice = newest_selection(st.session_state.get("reg_seen_cells", {}), clicked, active)
    st.session_state["reg_seen_cells"] = clicked
    st.session_state["reg_active_cell"] = choice
    for column, (tier, title) in zip(columns, HEATMAP_TIERS.items(), strict=True):
        counts = matrices[tier]
        with column:
            st.plotly_chart(
                risk_matrix_figure(
                    counts,
                    criteria,
                    f"{title}: {int(counts['count'].sum())} rated",
                    selected=choice[1] if choice and choice[0] == tier else None,
                ),
                key=f"reg_map_{tier}",
                on_select="rerun",
                selection_mode="points",
                config={"displayModeBar": False},
            )
    notes = [f"Criteria: {criteria.name} (version {criteria.version})."]
    if mapped_total:
        notes.append(
            f"{mapped_total} ratings made under older criteria are placed on the current matrix "
            "for these counts; they are never rescaled."
        )
    st.caption(" ".join(notes) + " Click a cell to list its risks.")
    if choice is None:
        return
    tier, (likelihood, severity) = choice
    in_cell = register_store.risks_in_cell(db, tier, likelihood, severity, filters)
    level = criteria.level_for(likelihood, severity)
    with st.container(horizontal=True, vertical_alignment="center"):
        st.subheader(
            f"{HEATMAP_TIERS[tier].split(' (')[0]} {level.name}: likelihood {likelihood} "
            f"({criteria.likelihood[likelihood - 1].label}) × severity {severity} "
            f"({criteria.severity[severity - 1].label})",
            anchor=False,
        )
        st.button("Clear", icon=":material/close:", key="reg_clear_cell", on_click=clear_cell)
    if in_cell.empty:
        st.info("No risk sits in this cell with these filters. Click another cell, or clear it.")
        return
    shown = pd.DataFrame(
        {
            "Risk": in_cell["risk_id"].map(lambda value: f"R-{value}"),
            "AI system": in_cell["system_name"],
            "Title": in_cell["title"],
            "Owner": in_cell["owner"],
            "Status": in_cell["status"].map(labelled(RISK_STATUSES)),
            "Rated": in_cell.apply(
                lambda r: (
                    f"L{r.rated_likelihood} × S{r.rated_severity} {r.rated_level}"
                    + (f" (criteria v{r.rated_criteria_version})" if r.mapped else "")
                ),
                axis=1,
            ),
            "Findings": in_cell["findings"],
        }
    )
    plural = "s" if len(in_cell) != 1 else ""
    st.caption(f"{len(in_cell)} risk{plural} in this cell · select one to open it")
    picked = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="reg_cell_table",
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = picked["selection"]["rows"] if picked else []
    if rows:
        st.switch_page(RISK, query_params={"id": int(in_cell.iloc[rows[0]]["risk_id"])})


st.subheader("Heatmaps", anchor=False)
heatmaps(filters)

st.subheader("Risks", anchor=False)
older = register["current_criteria_version"].dropna()
show_versions = bool((older != criteria.version).any())
table = register.head(TABLE_LIMIT)
impact_column = table["system_id"].map(lambda system: impact_label(assessments, system))
display = pd.DataFrame(
    {
        "Risk": table["risk_id"].map(lambda value: f"R-{value}"),
        "AI system": table["system_name"],
        "EU AI Act": table["eu_ai_act_class"].map(regulatory.class_label),
        "Impact assessment": impact_column,
        "Title": table["title"],
        "Inherent": table["inherent_level"].fillna(""),
        "Residual": table["residual_level"].fillna(""),
        "Target": table["target_level"].fillna(""),
        "Criteria": table["current_criteria_version"].map(
            lambda value: "" if pd.isna(value) else f"v{int(value)}"
        ),
        "Above appetite": table["above_appetite"],
        "Findings": table["findings"],
        "Accepted until": table["accepted_until"],
        "Owner": table["owner"],
        "Status": table["status"].map(labelled(RISK_STATUSES)),
        "Harm": table["harm_category"].map(labelled(terms.harm_categories)),
        "Last rated": table["last_rated_at"],
    }
)
if not show_versions:
    display = display.drop(columns=["Criteria"])
if system_id is not None:
    display = display.drop(columns=["AI system", "EU AI Act", "Impact assessment"])
    st.caption(
        f"EU AI Act: {regulatory.class_label(table['eu_ai_act_class'].iloc[0])} · "
        f"Impact assessment: {impact_label(assessments, system_id) or 'none yet'}"
    )
styles = level_styles(criteria.levels)
caption = (
    f"{summary['risks']:,} risks · worst first · click a column to sort · select a row to open "
    "the risk"
)
if summary["risks"] > TABLE_LIMIT:
    caption = (
        f"Showing the {TABLE_LIMIT:,} worst of {summary['risks']:,} risks: narrow the filters, "
        "or download the whole register below."
    )
st.caption(caption)
selection = st.dataframe(
    styled_levels(display, styles, ["Inherent", "Residual", "Target"]),
    hide_index=True,
    width="stretch",
    key="reg_table",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "Title": st.column_config.TextColumn(
            "Title", width="large" if system_id is not None else "medium"
        ),
        "Above appetite": st.column_config.CheckboxColumn(
            "Above appetite",
            help="The residual level (or the inherent one when there is no residual yet) is above "
            "the appetite or the harm category's tolerance.",
        ),
        "Accepted until": st.column_config.DateColumn("Accepted until"),
        "Findings": st.column_config.NumberColumn(
            "Findings", help="Open problems found by the consistency checks (listed below)."
        ),
        "Last rated": st.column_config.DatetimeColumn("Last rated", format="YYYY-MM-DD"),
        "Criteria": st.column_config.TextColumn(
            "Criteria", help="The criteria version the current rating was made under."
        ),
    },
)
rows = selection["selection"]["rows"] if selection else []
if rows:
    st.switch_page(RISK, query_params={"id": int(table.iloc[rows[0]]["risk_id"])})

with st.container(horizontal=True):
    choice = st.selectbox(
        "Open a risk",
        table["risk_id"].tolist(),
        format_func=dict(
            zip(
                table["risk_id"],
                "R-" + table["risk_id"].astype(str) + " · " + table["title"],
                strict=True,
            )
        ).get,
        index=None,
        placeholder="Choose a risk…",
        key="reg_open",
    )
    if choice is not None:
        st.switch_page(RISK, query_params={"id": int(choice)})
    st.download_button(
        "Download register (CSV)",
        data=lambda: risks_export(db, "csv", filters),
        file_name="risk-register.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    st.download_button(
        "Download register (XLSX)",
        data=lambda: risks_export(db, "xlsx", filters),
        file_name="risk-register.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
    )


def findings_table(rows: pd.DataFrame, total: int) -> None:
    """Findings in a table that wraps long sentences (the first FINDINGS_LIMIT of `total`)."""
    listed = rows.head(FINDINGS_LIMIT)
    st.table(
        pd.DataFrame(
            {
                "Risk": "R-" + listed["risk_id"].astype(str) + " · " + listed["title"],
                "AI system": listed["system_name"],
                "Check": listed["check"].map(lambda key: CHECKS[key].label),
                "What was found": listed["message"],
            }
        ).set_index("Risk")
    )
    if total > len(listed):
        st.caption(f"The first {len(listed)} of {total:,}; download them all below.")


problems = register_store.consistency_checks(
    db, filters=filters, kind="problem", limit=FINDINGS_LIMIT
)
notes = register_store.consistency_checks(db, filters=filters, kind="note", limit=FINDINGS_LIMIT)
st.subheader(f"Consistency findings ({summary['findings']:,})", anchor=False)
if problems.empty:
    st.success("No problem: every risk shown is rated, reviewed, treated and accepted as needed.")
else:
    st.caption("What the checks found in the risks shown: fix each on the risk's page.")
    findings_table(problems, summary["findings"])
if not notes.empty:
    with st.expander(f"Notes ({summary['notes']:,}): ratings made under older criteria"):
        st.caption(
            "Nothing to fix: these ratings keep the values they were given and are only placed "
            "on the current matrix for the heatmaps. Re-rate when convenient."
        )
        findings_table(notes, summary["notes"])
if summary["findings"] or summary["notes"]:
    st.download_button(
        "Download findings (CSV)",
        data=lambda: encode(register_store.consistency_checks(db, filters=filters), "csv"),
        file_name="risk-findings.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
tolerances = "".join(
    f"; for {terms.harm_categories.get(category, category)}: {level}"
    for category, level in criteria.tolerances.items()
)
st.caption(
    plain(f"Highest acceptable level: {criteria.appetite}{tolerances}.")
    + " Above appetite is judged under the criteria version each rating was made under."
)
