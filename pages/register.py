"""Risk register: every risk across the organisation or of one AI system (`?system=<id>`), with
filters, the inherent and residual heatmaps (click a cell to list its risks), the consistency
findings and downloads.

Every figure, table and heatmap is reused while no write happens (`cached`: keyed by the data
version, as on the leadership pages), so a rerun that changes nothing (a click on a heatmap, a
row opened) does not run the register's queries again; any new rating or edit recomputes.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessments import catalog, regulatory
from assessments.analytics import impact_text, plural
from assessments.catalog import Taxonomy
from assessments.charts.risk_matrix import newest_selection, risk_matrix_figure, selected_cell
from assessments.criteria import RiskCriteria
from assessments.reports.risk_register import risks_export
from assessments.reports.tabular import encode
from assessments.risk_checks import CHECKS
from assessments.risks import RISK_STATUSES, RiskFilter
from assessments.store import criteria as criteria_store
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from assessments.store.db import Database
from ui.common import (
    HOME,
    RISK,
    RISK_NEW,
    SYSTEM,
    SYSTEM_EDIT,
    TABLE_LIMIT,
    database,
    labelled,
    plain,
    show_flash,
)
from ui.leadership_widgets import (
    APPETITE_HELP,
    APPETITE_WORDS,
    INCLUDE_HELP,
    INCLUDE_LABEL,
    RETIRED_MARK,
    appetite_state,
    cached,
    cached_figure,
)
from ui.navigation import page_link, run_page
from ui.risk_widgets import (
    cell_heading,
    level_styles,
    risk_link_column,
    risk_url,
    styled_levels,
)

FINDINGS_LIMIT = 200
HEATMAP_TIERS = {
    "inherent": "Inherent (before controls)",
    "residual": "Residual (controls in place)",
}
# What fits beside each other at 1,400 px; the rest on request (and in the downloads).
KEY_COLUMNS = ["Risk", "Title", "AI system", "Inherent", "Residual", "Target", "Appetite"]
KEY_COLUMNS += ["Findings"]
# Widget keys the tests name.
SYSTEM_KEY = "reg_system"
ALL_COLUMNS_KEY = "reg_all_columns"


def main() -> None:
    db = database()
    terms = catalog.taxonomy()
    criteria = criteria_store.current_criteria(db)
    systems, retired = load_systems(db)
    st.title("Risk register")
    show_flash()
    require_risks(db, systems)
    system_id = choose_system(systems, retired)
    filters = render_filters(db, criteria, terms, system_id)
    summary, register = load_register(db, filters)
    if register.empty:
        render_nothing_found(db, system_id)
        st.stop()
    render_metrics(summary)
    assessments = render_impact_status(db, register)
    st.subheader("Heatmaps", anchor=False)
    heatmaps(db, criteria, filters)
    render_risks(db, criteria, terms, system_id, filters, summary, register, assessments)
    render_findings(db, filters, summary)
    render_appetite_note(criteria, terms)


def load_systems(db: Database) -> tuple[dict[int, str], set[int]]:
    """Every AI system by id, and the ids of the retired ones."""
    systems = cached("register:systems", (), lambda: inventory_store.system_names(db))
    retired = cached(
        "register:retired",
        (),
        lambda: set(systems) - set(inventory_store.system_names(db, include_retired=False)),
    )
    return systems, retired


def require_risks(db: Database, systems: dict[int, str]) -> None:
    """Stop with what to do next on an empty inventory or a register without risks."""
    if not systems:
        st.info("The inventory is empty: add an AI system first, then identify its risks.")
        page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
        page_link(HOME, label="Or load the demo portfolio from Home", icon=":material/home:")
        st.stop()
    if register_store.risk_count(db) == 0:
        st.info(
            "No risks are identified yet. Open an AI system and identify its risks, from the "
            "risk library or in your own words; or load the demo portfolio from Home."
        )
        page_link(RISK_NEW, label="Identify risks", icon=":material/add_alert:")
        st.stop()


def choose_system(systems: dict[int, str], retired: set[int]) -> int | None:
    """All systems or one; a link with ?system=<id> selects that system, even when this
    session chose another before."""
    raw_system = st.query_params.get("system")
    linked = int(raw_system) if raw_system and raw_system.isdigit() else None
    if linked not in systems:
        linked = None
    if st.session_state.get("reg_linked") != raw_system:
        st.session_state["reg_linked"] = raw_system
        st.session_state[SYSTEM_KEY] = linked
    system_id = st.selectbox(
        "AI system",
        [None, *systems],
        format_func=lambda key: (
            "All AI systems"
            if key is None
            else systems[key] + (RETIRED_MARK if key in retired else "")
        ),
        key=SYSTEM_KEY,
        help="A retired system's risks are left out of 'All AI systems' unless included below; "
        "choosing the system shows them.",
    )
    if system_id is None:
        st.query_params.pop("system", None)
        return None
    st.query_params["system"] = str(system_id)
    st.session_state["reg_linked"] = str(system_id)
    with st.container(horizontal=True):
        page_link(
            SYSTEM,
            label="Open the AI system",
            icon=":material/memory:",
            query_params={"id": system_id},
        )
        page_link(
            RISK_NEW,
            label="Identify more risks",
            icon=":material/add_alert:",
            query_params={"system": system_id},
        )
    return system_id


def render_filters(
    db: Database, criteria: RiskCriteria, terms: Taxonomy, system_id: int | None
) -> RiskFilter:
    facets = cached("register:facets", (), lambda: register_store.facets(db))
    search = st.text_input(
        "Search", placeholder="Title, description, system, owner or risk id", key="reg_search"
    )
    row = st.columns([2, 1.6, 2, 2, 2])
    levels = row[0].multiselect("Level", criteria.level_names(), key="reg_levels")
    level_tier = row[1].selectbox(
        "Level of",
        list(register_store.LEVEL_TIER_LABELS),
        format_func=labelled(register_store.LEVEL_TIER_LABELS),
        key="reg_level_tier",
        help="Which rating the level filter looks at. Current: the residual rating, or the "
        "inherent one while there is no residual rating yet.",
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
    units, classes = portfolio_filters(facets, system_id)
    switches = st.container(horizontal=True, gap="large")
    above_only = switches.toggle("Above appetite only", key="reg_above")
    findings_only = switches.toggle("With findings only", key="reg_findings")
    include_closed = switches.toggle(
        INCLUDE_LABEL,
        key="reg_closed",
        help=INCLUDE_HELP + " Choosing the status Closed also shows closed risks.",
    )
    return RiskFilter(
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
        include_closed=include_closed,
    )


def portfolio_filters(facets: dict, system_id: int | None) -> tuple[list[str], list[str]]:
    """Business unit and EU AI Act class: filters of all systems, none for one system."""
    if system_id is not None:
        return [], []
    more = st.columns(2)
    units = more[0].multiselect("Business unit", facets["business_unit"], key="reg_unit")
    class_labels = regulatory.class_filter_options()
    classes = more[1].multiselect(
        "EU AI Act class",
        list(class_labels),
        format_func=labelled(class_labels),
        key="reg_class",
        help="The class of the risk's AI system in its latest regulatory screening.",
    )
    return units, classes


def load_register(db: Database, filters: RiskFilter) -> tuple[dict, pd.DataFrame]:
    scope = (filters.cache_key(),)
    with st.spinner("Reading the register…"):
        summary = cached(
            "register:summary", scope, lambda: register_store.register_summary(db, filters)
        )
        register = cached(
            "register:table",
            scope,
            lambda: register_store.register_frame(db, filters, limit=TABLE_LIMIT),
        )
    return summary, register


def render_nothing_found(db: Database, system_id: int | None) -> None:
    if system_id is not None and register_store.risk_count(db, system_id) == 0:
        st.info(
            "This AI system has no risks yet: identify them from the risk library or in your "
            "own words."
        )
        page_link(
            RISK_NEW,
            label="Identify risks",
            icon=":material/add_alert:",
            query_params={"system": system_id},
        )
    else:
        st.info("No risk matches these filters. Clear a filter or the search to see more.")


def render_metrics(summary: dict) -> None:
    with st.container(horizontal=True):
        st.metric(
            "Risks in scope",
            f"{summary['risks']:,}",
            help="The risks these filters keep. Closed risks and the risks of retired AI "
            "systems are left out unless included.",
        )
        st.metric(
            f"Above appetite (incl. {summary['accepted']:,} accepted)",
            f"{summary['above_appetite']:,}",
            help="Where the risk stands (residual, else inherent) is above the appetite or its "
            "harm category's tolerance, whether or not an acceptance covers it.",
        )
        st.metric(
            "Above appetite, not accepted",
            f"{summary['not_accepted']:,}",
            help="Above the appetite with no acceptance in force covering the current residual "
            "rating: what the Portfolio counts under the same name.",
        )
        st.metric(
            "With open findings",
            f"{summary['with_findings']:,}",
            help="Risks with at least one problem found by the consistency checks (listed below).",
        )
        st.metric(
            "Overdue actions",
            f"{summary['overdue_actions']:,}",
            help="Treatment actions past their due date and not done.",
        )
    st.caption(
        f"Above the appetite: {plural(summary['above_appetite'], 'risk')} = "
        f"{summary['not_accepted']:,} not accepted + {summary['accepted']:,} covered by an "
        "acceptance in force. The Portfolio shows the same risks in scope and counts the "
        f"{summary['not_accepted']:,} under 'Above appetite, not accepted'."
    )


def render_impact_status(db: Database, register: pd.DataFrame) -> pd.DataFrame:
    """Impact assessments of the systems shown (by system id): stale or missing ones belong
    next to their risks, so an out-of-date one is warned about here."""
    assessments = cached(
        "register:impact",
        (),
        lambda: impact_store.assessment_status_by_system(db).set_index("system_id"),
    )
    shown_systems = assessments.loc[assessments.index.isin(register["system_id"].unique())]
    stale = shown_systems[shown_systems["stale"]]
    if not stale.empty:
        st.warning(
            "Impact assessment out of date for "
            + "; ".join(
                plain(f"{row.system_name} ({row.stale_reason})") for row in stale.itertuples()
            )
            + ": re-assess before relying on these risk ratings.",
            icon=":material/update:",
        )
    return assessments


def impact_label(assessments: pd.DataFrame, system_id: int) -> str:
    """The system's impact assessment in a few words (assessments.analytics.impact_text)."""
    found = system_id in assessments.index
    return impact_text(assessments.loc[system_id].to_dict() if found else None)


# --- heatmaps --------------------------------------------------------------------------------


def clear_cell() -> None:
    st.session_state["reg_active_cell"] = None


@st.fragment
def heatmaps(db: Database, criteria: RiskCriteria, filters: RiskFilter) -> None:
    """Inherent and residual matrices side by side; a click lists that cell's risks below."""
    columns = st.columns(2)
    clicked: dict[str, tuple[int, int] | None] = {}
    active = st.session_state.get("reg_active_cell")
    mapped_total = 0
    matrices = {
        tier: cached(
            "register:matrix",
            (tier, filters.cache_key()),
            lambda tier=tier: register_store.matrix_counts(db, tier, filters),
        )
        for tier in HEATMAP_TIERS
    }
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
        selected = choice[1] if choice and choice[0] == tier else None
        with column:
            st.plotly_chart(
                cached_figure(
                    "register:matrix",
                    (tier, filters.cache_key(), selected),
                    lambda counts=counts, title=title, selected=selected: risk_matrix_figure(
                        counts,
                        criteria,
                        f"{title}: {int(counts['count'].sum())} rated",
                        selected=selected,
                    ),
                ),
                key=f"reg_map_{tier}",
                on_select="rerun",
                selection_mode="points",
                config={"displayModeBar": False},
            )
    notes = [f"Criteria: {plain(criteria.name)} (version {criteria.version})."]
    if mapped_total:
        notes.append(
            f"{plural(mapped_total, 'rating')} made under older criteria "
            f"{'is' if mapped_total == 1 else 'are'} placed on the current matrix "
            "for these counts; they are never rescaled."
        )
    st.caption(" ".join(notes) + " Click a cell to list its risks.")
    if choice is not None:
        cell_risks(db, criteria, filters, choice)


def cell_risks(
    db: Database,
    criteria: RiskCriteria,
    filters: RiskFilter,
    choice: tuple[str, tuple[int, int]],
) -> None:
    """The risks of the clicked cell; a selected row (or its reference) opens the risk."""
    tier, (likelihood, severity) = choice
    in_cell = cached(
        "register:cell",
        (tier, likelihood, severity, filters.cache_key()),
        lambda: register_store.risks_in_cell(db, tier, likelihood, severity, filters),
    )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.subheader(
            cell_heading(HEATMAP_TIERS[tier].split(" (")[0], criteria, likelihood, severity),
            anchor=False,
        )
        st.button("Clear", icon=":material/close:", key="reg_clear_cell", on_click=clear_cell)
    if in_cell.empty:
        st.info("No risk sits in this cell with these filters. Click another cell, or clear it.")
        return
    shown = pd.DataFrame(
        {
            "Risk": in_cell["risk_id"].map(risk_url),
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
    st.caption(f"{plural(len(in_cell), 'risk')} in this cell · select one to open it")
    picked = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="reg_cell_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={"Risk": risk_link_column()},
    )
    rows = picked["selection"]["rows"] if picked else []
    if rows:
        st.switch_page(RISK, query_params={"id": int(in_cell.iloc[rows[0]]["risk_id"])})


# --- the register table ----------------------------------------------------------------------


def display_frame(table: pd.DataFrame, terms: Taxonomy, assessments: pd.DataFrame) -> pd.DataFrame:
    """The register rows as people read them (built once per data version and filters): the
    columns a decision needs first, the others after them (shown on request)."""
    return pd.DataFrame(
        {
            "Risk": table["risk_id"].map(risk_url),
            "Title": table["title"],
            "AI system": table["system_name"].where(
                table["system_status"] != "retired", table["system_name"] + RETIRED_MARK
            ),
            "Inherent": table["inherent_level"].fillna(""),
            "Residual": table["residual_level"].fillna(""),
            "Target": table["target_level"].fillna(""),
            "Appetite": [
                "" if pd.isna(level) else APPETITE_WORDS[appetite_state(above, until, expired)]
                for level, above, until, expired in zip(
                    table["current_level"],
                    table["above_appetite"],
                    table["accepted_until"],
                    table["expired_on"],
                    strict=True,
                )
            ],
            "Findings": table["findings"],
            "Owner": table["owner"],
            "Accepted until": table["accepted_until"],
            "Status": table["status"].map(labelled(RISK_STATUSES)),
            "Harm": table["harm_category"].map(labelled(terms.harm_categories)),
            "EU AI Act": table["eu_ai_act_class"].map(regulatory.class_label),
            "Impact assessment": table["system_id"].map(
                lambda system_id: impact_label(assessments, system_id)
            ),
            "Last rated": table["last_rated_at"],
            "Criteria": table["current_criteria_version"].map(
                lambda value: "" if pd.isna(value) else f"v{int(value)}"
            ),
        }
    )


def render_risks(
    db: Database,
    criteria: RiskCriteria,
    terms: Taxonomy,
    system_id: int | None,
    filters: RiskFilter,
    summary: dict,
    register: pd.DataFrame,
    assessments: pd.DataFrame,
) -> None:
    st.subheader("Risks", anchor=False)
    older = register["current_criteria_version"].dropna()
    show_versions = bool((older != criteria.version).any())
    table = register.head(TABLE_LIMIT)
    display = cached(
        "register:display",
        (filters.cache_key(),),
        lambda: display_frame(table, terms, assessments),
    )
    if not show_versions:
        display = display.drop(columns=["Criteria"])
    if system_id is not None:
        display = display.drop(columns=["AI system", "EU AI Act", "Impact assessment"])
        st.caption(
            f"EU AI Act: {regulatory.class_label(table['eu_ai_act_class'].iloc[0])} · "
            f"Impact assessment: {impact_label(assessments, system_id) or 'none yet'}"
        )
    caption = f"{plural(summary['risks'], 'risk')} · worst first · click a column to sort · "
    caption += "select a row to open the risk"
    if summary["risks"] > TABLE_LIMIT:
        caption = (
            f"Showing the {TABLE_LIMIT:,} worst of {summary['risks']:,} risks: narrow the "
            "filters, or download the whole register below."
        )
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(caption)
        all_columns = st.toggle(
            "All columns",
            key=ALL_COLUMNS_KEY,
            help="Add owner, acceptance, status, harm category, EU AI Act class, impact "
            "assessment and last rating (the downloads always have every column).",
        )
    if not all_columns:
        shown_columns = [column for column in KEY_COLUMNS if column in display.columns]
        if system_id is not None:
            shown_columns.append("Owner")
        display = display[shown_columns]
    register_grid(display, level_styles(criteria.levels), table, system_id)
    risk_opener(db, table, filters)


def register_grid(
    display: pd.DataFrame, styles: dict[str, str], table: pd.DataFrame, system_id: int | None
) -> None:
    selection = st.dataframe(
        styled_levels(display, styles, ["Inherent", "Residual", "Target"]),
        hide_index=True,
        width="stretch",
        key="reg_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "Risk": risk_link_column(),
            "Title": st.column_config.TextColumn("Title", width=250 if system_id is None else 380),
            "AI system": st.column_config.TextColumn("AI system", width=150),
            "Inherent": st.column_config.TextColumn("Inherent", width=68),
            "Residual": st.column_config.TextColumn("Residual", width=68),
            "Target": st.column_config.TextColumn("Target", width=68),
            "Appetite": st.column_config.TextColumn(
                "Appetite",
                width=140,
                help=APPETITE_HELP + " Judged in the criteria version each rating was made under.",
            ),
            "Findings": st.column_config.NumberColumn(
                "Findings",
                width=66,
                help="Open problems found by the consistency checks (listed below).",
            ),
            "Owner": st.column_config.TextColumn("Owner", width=130),
            "Accepted until": st.column_config.DateColumn("Accepted until"),
            "Last rated": st.column_config.DatetimeColumn("Last rated", format="YYYY-MM-DD"),
            "Criteria": st.column_config.TextColumn(
                "Criteria", help="The criteria version the current rating was made under."
            ),
        },
    )
    rows = selection["selection"]["rows"] if selection else []
    if rows:
        st.switch_page(RISK, query_params={"id": int(table.iloc[rows[0]]["risk_id"])})


def risk_opener(db: Database, table: pd.DataFrame, filters: RiskFilter) -> None:
    """A choice of risk that opens it, and the register's downloads."""
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


# --- consistency findings --------------------------------------------------------------------


def findings_table(rows: pd.DataFrame, total: int) -> None:
    """Findings (the first FINDINGS_LIMIT of `total`) in a data grid, each risk's reference a
    link to its page: titles, names and the messages quoting them are user text, which the
    grid shows as typed (st.table would read them as Markdown: a title could become a link or
    fetch an image)."""
    listed = rows.head(FINDINGS_LIMIT)
    st.dataframe(
        pd.DataFrame(
            {
                "Risk": listed["risk_id"].map(risk_url),
                "Title": listed["title"],
                "AI system": listed["system_name"],
                "Check": listed["check"].map(lambda key: CHECKS[key].label),
                "What was found": listed["message"],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Risk": risk_link_column(),
            "Title": st.column_config.TextColumn("Title", width="medium"),
            "AI system": st.column_config.TextColumn("AI system", width=150),
            "Check": st.column_config.TextColumn("Check", width=170),
            "What was found": st.column_config.TextColumn("What was found", width="large"),
        },
    )
    if total > len(listed):
        st.caption(f"The first {len(listed)} of {total:,}; download them all below.")


def render_findings(db: Database, filters: RiskFilter, summary: dict) -> None:
    problems, notes = (
        cached(
            "register:findings",
            (kind, filters.cache_key()),
            lambda kind=kind: register_store.consistency_checks(
                db, filters=filters, kind=kind, limit=FINDINGS_LIMIT
            ),
        )
        for kind in ("problem", "note")
    )
    st.subheader(f"Consistency findings ({summary['findings']:,})", anchor=False)
    if problems.empty:
        st.success(
            "No problem: every risk shown is rated, reviewed, treated and accepted as needed."
        )
    else:
        st.caption(
            "What the checks found in the risks shown: open a risk by its reference and fix "
            "each on the risk's page."
        )
        findings_table(problems, summary["findings"])
    if not notes.empty:
        with st.expander(f"Notes ({summary['notes']:,}): ratings made under older criteria"):
            st.caption(
                "Nothing to fix: these ratings keep the values they were given and are only "
                "placed on the current matrix for the heatmaps. Re-rate when convenient."
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


def render_appetite_note(criteria: RiskCriteria, terms: Taxonomy) -> None:
    tolerances = "".join(
        f"; for {terms.harm_categories.get(category, category)}: {plain(level)}"
        for category, level in criteria.tolerances.items()
    )
    st.caption(
        f"Highest acceptable level: {plain(criteria.appetite)}{tolerances}. Above appetite is "
        "judged under the criteria version each rating was made under; a closed risk, or one "
        "of a retired system, never is."
    )


run_page(main)
