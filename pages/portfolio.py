"""Portfolio: every risk of every AI system on the current criteria, for a management review
(ISO/IEC 42001 9.3): what needs attention, heatmaps with drill-down, movement, what moved and
the top risks, today or "as of" an earlier day (every risk section then shows that day; the
impact assessments, which have no history here, are shown for today only and say so)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from assessments import catalog
from assessments.analytics import (
    ATTENTION_HELP,
    ATTENTION_LABELS,
    MOVEMENT_RISKS,
    SHORT_LIST,
    SYSTEMS_UNRATED_HELP,
    SYSTEMS_UNRATED_LABEL,
    PortfolioFilter,
    level_totals,
    plural,
    previous_quarter_end,
    shown_attention_labels,
)
from assessments.charts.leadership import movement_figure, movement_legend
from assessments.charts.risk_matrix import newest_selection, risk_matrix_figure, selected_cell
from assessments.criteria import RiskCriteria
from assessments.dates import EARLIEST_DAY
from assessments.reports.portfolio_pdf import portfolio_pdf
from assessments.risks import TIERS
from assessments.store import analytics_common
from assessments.store import attention as attention_store
from assessments.store import criteria as criteria_store
from assessments.store import heatmaps as heatmaps_store
from assessments.store import trends as trends_store
from assessments.store.db import Database
from ui.common import (
    HOME,
    IMPACT_ASSESSMENTS,
    REGISTER,
    RISK_NEW,
    SYSTEM,
    TRENDS,
    capped_list_note,
    database,
    plain,
)
from ui.leadership_widgets import (
    RISK_LINK_TEXT,
    RISK_URL,
    cached,
    cached_figure,
    level_bars,
    portfolio_filters,
    show_risk_table,
    system_choices,
)
from ui.navigation import page_link, run_page
from ui.risk_widgets import cell_heading

TIER_TITLES = {tier: label.split(" (")[0] for tier, label in TIERS.items()}
LAYOUTS = {"residual": "Residual", "inherent": "Inherent", "target": "Target", "all": "All three"}
SYSTEM_LINK = st.column_config.LinkColumn("System", display_text=r"system\?id=(\d+)", width="small")


@dataclass(frozen=True)
class View:
    """What every section reads: the database, the criteria, the filters and the day."""

    db: Database
    criteria: RiskCriteria
    options: dict[str, Any]
    filters: PortfolioFilter
    as_of: date | None  # None: today

    @property
    def day(self) -> date:
        return self.as_of or date.today()

    @property
    def quarter_end(self) -> date:
        return previous_quarter_end(self.day)

    def on_day(self, prefix: str = " on ") -> str:
        """' on 05 Mar 2026' for a past day, '' for today."""
        return f"{prefix}{self.as_of:%d %b %Y}" if self.as_of else ""


def main() -> None:
    db = database()
    options = analytics_common.filter_options(db)
    render_header()
    if not options["systems"] and not options["retired_systems"]:
        render_empty_portfolio()
        return
    view = render_scope(db, options)
    chosen_list, counts, listed, listed_total, before = load_figures(view)
    if counts["risks"] == 0:
        render_no_match(view)
        return
    render_pdf_download(view)
    render_attention(view, counts, before)
    impact = render_impact(view)
    st.subheader("Heatmaps" + view.on_day(), anchor=False)
    heatmaps(view)
    render_lists(view, chosen_list, listed, listed_total, impact)
    movement_section(view)
    render_changes(view)
    render_top_risks(view)


def render_header() -> None:
    st.title("Portfolio")
    st.caption(
        "Where the AI portfolio stands against the risk appetite: for a management review "
        "(ISO/IEC 42001 9.3). Every rating is placed on the current matrix and judged against "
        "the appetite of the criteria it was made under (nothing is rescaled), the same rules "
        "the register uses; ratings that would be above today's appetite are counted apart."
    )


def render_empty_portfolio() -> None:
    st.info(
        "No risks yet: the portfolio shows the risks identified for your AI systems. Identify "
        "the risks of a system first, or load the demo portfolio from Home."
    )
    with st.container(horizontal=True):
        page_link(RISK_NEW, label="Identify risks", icon=":material/add_alert:")
        page_link(HOME, label="Load the demo portfolio", icon=":material/home:")


def render_scope(db: Database, options: dict[str, Any]) -> View:
    """The filters and the 'As of' day, and the note that a past day is shown."""
    today = date.today()
    with st.container(border=True):
        filters, spare = portfolio_filters(options, "pf")
        chosen_day = spare.date_input(
            "As of",
            value=None,
            min_value=EARLIEST_DAY,
            max_value=today,
            key="pf_as_of",
            format="YYYY-MM-DD",
            help=f"Any day from {EARLIEST_DAY:%Y} up to today; leave empty for today. Every "
            "risk section then shows the portfolio at the end of that day: the risks known by "
            "then, their ratings, acceptances and actions as they stood.",
        )
    as_of = chosen_day if chosen_day is not None and chosen_day < today else None
    if as_of is not None:
        st.info(
            f"As of {as_of:%d %B %Y}: every section below shows the portfolio as it stood at "
            "the end of that day (the risks known by then; their ratings, acceptances and "
            "actions then; which risks were closed and which systems retired then). A risk's "
            "treatment option is today's. Clear 'As of' to return to today.",
            icon=":material/history:",
        )
    criteria = criteria_store.current_criteria(db)
    return View(db, criteria, options, filters, as_of)


def load_figures(view: View) -> tuple[str, dict[str, int], pd.DataFrame, int, dict[str, int]]:
    """The headline figures (now and at the quarter's end) and the list chosen further down,
    read in one pass over the portfolio (the list's choice is read from its widget's state)."""
    chosen_list = st.session_state.get("pf_list", next(iter(ATTENTION_LABELS)))
    with st.spinner("Counting the portfolio…"):
        counts, listed, listed_total = attention_store.attention(
            view.db,
            view.filters,
            view.as_of,
            chosen_list if chosen_list in ATTENTION_LABELS else None,
            limit=SHORT_LIST,
        )
        before = attention_store.attention_counts(view.db, view.filters, view.quarter_end)
    return chosen_list, counts, listed, listed_total, before


def render_no_match(view: View) -> None:
    if view.as_of is not None:
        st.info(
            f"No risk matching these filters was known by {view.as_of:%d %B %Y}: nothing had "
            "been identified or rated by then. Choose a later day, or clear 'As of'."
        )
    else:
        st.info("No risk matches these filters. Clear a filter to see more.")


def render_pdf_download(view: View) -> None:
    st.download_button(
        "Management summary (PDF)",
        data=partial(portfolio_pdf, view.db, view.filters, view.as_of),
        file_name=f"portfolio-{view.day.isoformat()}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/download:",
        key="pf_download_pdf",
        help="The figures, both heatmaps, the risks above the appetite and what moved, for the "
        "filters and the day shown here: to take to a management review.",
    )


# --- what needs attention ------------------------------------------------------------------------


def render_attention(view: View, counts: dict[str, int], before: dict[str, int]) -> None:
    """The headline figures with their change since the end of the quarter before."""
    st.subheader("What needs attention" + (view.on_day() or " today"), anchor=False)
    since = f"since {view.quarter_end:%d %b %Y}"
    st.caption(
        f"Each change is against the end of the quarter before ({view.quarter_end:%d %b %Y}), "
        "counting only what existed then; a rise in a figure that needs attention shows in "
        "red, a fall in green."
    )
    with st.container(horizontal=True):
        st.metric(
            "Risks in scope",
            f"{counts['risks']:,}",
            delta=counts["risks"] - before["risks"],
            delta_color="off",
            delta_description=since,
            help=f"{counts['rated']:,} rated. Closed risks and the risks of retired AI systems "
            "are left out unless included above.",
        )
        for key, label in shown_attention_labels(counts, before).items():
            overdue = (
                f" {plural(counts['overdue_actions'], 'action is', 'actions are')} overdue."
                if key == "action_overdue"
                else ""
            )
            st.metric(
                label,
                f"{counts[key]:,}",
                delta=counts[key] - before[key],
                delta_color="inverse",
                delta_description=since,
                help=ATTENTION_HELP[key] + overdue,
            )
        st.metric(
            SYSTEMS_UNRATED_LABEL,
            f"{counts['systems_without_rated_risk']:,}",
            delta=counts["systems_without_rated_risk"] - before["systems_without_rated_risk"],
            delta_color="inverse",
            delta_description=since,
            help=SYSTEMS_UNRATED_HELP,
        )
    above, accepted = counts["above_appetite"], counts["accepted"]
    elsewhere = (
        f"The register's 'Above appetite' counts all {above:,}, accepted or not; the Trends "
        "chart's dashed line (rating 'Current') ends on the same figure."
        if view.as_of is None
        else "The register shows today's figures; the Trends chart's dashed line (rating "
        "'Current') shows this one at the end of each month."
    )
    st.caption(
        f"Above the appetite (where each risk stands: residual, else inherent): "
        f"{plural(above, 'risk')} = {counts['above_appetite_no_acceptance']:,} not accepted + "
        f"{accepted:,} covered by an acceptance in force. {elsewhere}"
    )


def render_impact(view: View) -> dict[str, Any] | None:
    """The impact assessments today (None as of a past day: they have no history here)."""
    st.subheader("Impact assessments today", anchor=False)
    if view.as_of is not None:
        st.caption(
            "Shown for today only (impact assessments are not kept as a history here): clear "
            "'As of' to see them."
        )
        return None
    impact = attention_store.impact_overview(view.db, view.filters)
    impact_columns = st.columns([1, 1, 2])
    with impact_columns[0]:
        st.metric(
            "Never assessed",
            f"{impact['never_assessed']:,}",
            help="AI systems in scope (not retired) that never had an impact assessment.",
        )
    with impact_columns[1]:
        st.metric(
            "Due or stale",
            f"{impact['stale']:,}",
            help="Impact assessments past their review date, or whose AI system changed in a "
            "way that matters since they were approved.",
        )
        page_link(
            IMPACT_ASSESSMENTS, label="Open impact assessments", icon=":material/diversity_3:"
        )
    with impact_columns[2]:
        levels = impact["levels"]
        if levels.empty:
            st.caption("No approved impact assessment yet: no impact levels to show.")
        else:
            level_bars(
                "Approved impact levels",
                [f"Impact level {level}" for level in levels["level"]],
                levels["count"].astype(int).tolist(),
                noun="system",
            )
    return impact


# --- heatmaps with drill-down --------------------------------------------------------------------


def heatmap_figure(
    criteria: RiskCriteria, tier: str, tier_cells: pd.DataFrame, height: int
) -> go.Figure:
    """A tier's clickable matrix; the clicked cell darkens (Plotly's own selection style), so
    the figure stays the same whatever is selected and the selection survives reruns."""
    figure = risk_matrix_figure(
        tier_cells,
        criteria,
        f"{TIER_TITLES[tier]}: {int(tier_cells['count'].sum()):,} rated",
        height=height,
    )
    figure.update_traces(selected={"marker": {"opacity": 0.35}}, selector={"name": "cells"})
    return figure


def level_summary(criteria: RiskCriteria, tier: str, cells: pd.DataFrame) -> None:
    """Beside a single heatmap: how many risks sit at each level, and the appetite."""
    totals = level_totals(cells)
    totals = totals[totals["tier"] == tier].iloc[::-1]
    level_bars(
        f"{TIER_TITLES[tier]} risks per level",
        totals["level"].tolist(),
        totals["count"].astype(int).tolist(),
        totals["colour"].tolist(),
    )
    harm_labels = catalog.taxonomy().harm_categories
    tolerances = "; ".join(
        f"{harm_labels.get(category, category)}: up to {level}"
        for category, level in criteria.tolerances.items()
    )
    st.markdown(
        plain(
            f"Appetite: up to {criteria.appetite}"
            + (f" (tolerance for {tolerances})" if tolerances else "")
            + "."
        )
    )


def chosen_cell(tiers: list[str]) -> tuple[dict[str, str], tuple[str, tuple[int, int]] | None]:
    """The chart key of each tier and the cell chosen last on any of them. A chart's key
    carries a generation: when a cell of another chart is chosen, bumping it gives this chart
    a fresh widget, which clears its old selection on screen."""
    generations = st.session_state.setdefault("pf_map_generation", dict.fromkeys(TIERS, 0))
    keys = {tier: f"pf_map_{tier}_{generations[tier]}" for tier in tiers}
    clicked = {tier: selected_cell(st.session_state.get(keys[tier])) for tier in tiers}
    choice = newest_selection(
        st.session_state.get("pf_seen_cells", {}),
        clicked,
        st.session_state.get("pf_active_cell"),
    )
    for tier in tiers:
        if choice is not None and tier != choice[0] and clicked[tier] is not None:
            generations[tier] += 1
            keys[tier] = f"pf_map_{tier}_{generations[tier]}"
            clicked[tier] = None
    st.session_state["pf_seen_cells"] = clicked
    st.session_state["pf_active_cell"] = choice
    return keys, choice


@st.fragment
def heatmaps(view: View) -> None:
    """The matrices of the chosen tiers; a click on a cell lists its risks (reruns only this)."""
    with st.spinner("Counting the heatmaps…"):
        cells = heatmaps_store.heatmap_counts(view.db, view.filters, view.as_of)
    layout = st.segmented_control(
        "Heatmap of",
        list(LAYOUTS),
        format_func=LAYOUTS.get,
        default="residual",
        key="pf_layout",
        help="Residual: with the controls in place (what the appetite judges). Inherent: before "
        "controls. Target: after the planned actions. 'All three' puts them side by side.",
    )
    tiers = list(TIERS) if layout in (None, "all") else [layout]
    keys, choice = chosen_cell(tiers)
    height = 470 if len(tiers) > 1 else 580
    columns = st.columns(len(tiers)) if len(tiers) > 1 else st.columns([3, 2])
    for column, tier in zip(columns, tiers, strict=False):
        tier_cells = cells[cells["tier"] == tier]
        with column:
            st.plotly_chart(
                cached_figure(
                    "heatmap",
                    (tier, view.filters.cache_key(), view.as_of, height),
                    lambda tier=tier, tier_cells=tier_cells: heatmap_figure(
                        view.criteria, tier, tier_cells, height
                    ),
                ),
                key=keys[tier],
                on_select="rerun",
                selection_mode="points",
                config={"displayModeBar": False},
            )
    if len(tiers) == 1:
        with columns[1]:
            level_summary(view.criteria, tiers[0], cells)
    render_mapped_note(view.criteria, int(cells[cells["tier"].isin(tiers)]["mapped_count"].sum()))
    if choice is not None:
        render_cell_risks(view, choice)


def render_mapped_note(criteria: RiskCriteria, mapped: int) -> None:
    note = f"Criteria: {criteria.name} (version {criteria.version})."
    if mapped:
        note += (
            f" {mapped:,} of these ratings {'was' if mapped == 1 else 'were'} made under an "
            f"older criteria version and {'is' if mapped == 1 else 'are'} placed on the "
            "current matrix (each scale mapped by its relative position, as set "
            "when the criteria changed); the ratings themselves are never rewritten."
        )
    else:
        note += " Every rating shown was made under the current criteria."
    st.caption(plain(note) + " Click a cell to list its risks.")


def render_cell_risks(view: View, choice: tuple[str, tuple[int, int]]) -> None:
    """The risks in the chosen cell."""
    tier, (likelihood, severity) = choice
    in_cell, total = heatmaps_store.risks_in_heatmap_cell(
        view.db, tier, likelihood, severity, view.filters, view.as_of
    )
    heading = cell_heading(TIER_TITLES[tier], view.criteria, likelihood, severity, " · ")
    st.markdown(f"**{heading}**")
    if in_cell.empty:
        st.info("No risk sits in this cell. Click another cell, or this one again to clear it.")
        return
    when = view.on_day("on ") or "now"
    st.caption(
        f"{plural(total, 'risk')} in this cell. Level, appetite and actions show where each "
        f"risk stood {when} (residual, else inherent); click a column to sort."
    )
    show_risk_table(
        in_cell,
        view.criteria,
        key="pf_cell_table",
        total=total,
        cache_key=(tier, likelihood, severity, view.filters.cache_key(), view.as_of),
    )


# --- the lists behind the figures ----------------------------------------------------------------


def render_lists(
    view: View,
    chosen_list: str,
    listed: pd.DataFrame,
    listed_total: int,
    impact: dict[str, Any] | None,
) -> None:
    """The risks (or AI systems) behind the figure chosen here."""
    st.subheader("The risks behind the figures", anchor=False)
    choices = {**ATTENTION_LABELS, "systems_without_rated_risk": SYSTEMS_UNRATED_LABEL}
    if view.as_of is None:
        choices["impact"] = "Systems needing an impact assessment (today)"
    which = st.selectbox(
        "List the risks behind a figure",
        list(choices),
        format_func=choices.get,
        key="pf_list",
    )
    if which == "systems_without_rated_risk":
        render_unrated_systems(view)
    elif which == "impact" and impact is not None:
        render_impact_list(impact)
    else:
        if which != chosen_list:  # the choice was reset (its option is not offered as of a day)
            listed, listed_total = attention_store.attention_list(
                view.db, which, view.filters, view.as_of, limit=SHORT_LIST
            )
        if listed.empty:
            st.success(f"None: {ATTENTION_LABELS[which].lower()} — nothing to act on here.")
        else:
            show_risk_table(
                listed,
                view.criteria,
                key="pf_attention_table",
                total=listed_total,
                height=320 if len(listed) > 8 else "auto",
                cache_key=(which, view.filters.cache_key(), view.as_of),
            )


def render_unrated_systems(view: View) -> None:
    systems_frame, systems_total = attention_store.systems_without_rated_risk(
        view.db, view.filters, view.as_of, limit=SHORT_LIST
    )
    if systems_frame.empty:
        st.success("Every AI system in scope has at least one rated risk.")
        return
    st.dataframe(
        systems_frame.assign(link="system?id=" + systems_frame["system_id"].astype(str))[
            ["link", "name", "business_unit", "owner", "risks"]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "link": SYSTEM_LINK,
            "name": "AI system",
            "business_unit": "Business unit",
            "owner": "Owner",
            "risks": st.column_config.NumberColumn("Unrated risks"),
        },
    )
    capped_list_note(
        len(systems_frame),
        systems_total,
        "AI systems",
        page=REGISTER,
        page_label="Open the risk register",
    )


def render_impact_list(impact: dict[str, Any]) -> None:
    flagged = impact["attention"]
    if flagged.empty:
        st.success("Every AI system in scope has a current, approved impact assessment.")
        return
    st.dataframe(
        flagged.assign(link="system?id=" + flagged["system_id"].astype(str))[
            ["link", "name", "reason"]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "link": SYSTEM_LINK,
            "name": "AI system",
            "reason": st.column_config.TextColumn("Why", width="large"),
        },
    )
    capped_list_note(
        len(flagged),
        impact["attention_total"],
        "AI systems",
        page=IMPACT_ASSESSMENTS,
        page_label="List them all in Impact assessments",
        query_params={"filter": "attention"},
    )


# --- movement and change -------------------------------------------------------------------------


@st.fragment
def movement_section(view: View) -> None:
    """Inherent -> residual -> target on the matrix, for the top risks or one system (a choice
    here reruns only this part)."""
    st.subheader("Movement: inherent → residual → target" + view.on_day(), anchor=False)
    filters, as_of = view.filters, view.as_of
    offered = system_choices(view.options, filters.include_closed)
    scope_systems = {
        system_id: name
        for system_id, name in offered.items()
        if not filters.system_ids or system_id in filters.system_ids
    }
    top_choice = 0  # the "top risks" choice (None would read as "nothing chosen")
    if st.session_state.get("pf_movement") not in (top_choice, *scope_systems):
        st.session_state["pf_movement"] = top_choice
    movement_choice = st.selectbox(
        "Show the movement of",
        [top_choice, *scope_systems],
        format_func=lambda key: (
            f"The top {MOVEMENT_RISKS} risks" if key == top_choice else scope_systems[key]
        ),
        key="pf_movement",
    )
    movement_for = None if movement_choice == top_choice else movement_choice
    with st.spinner("Placing the ratings on the matrix…"):
        moves = heatmaps_store.movement(view.db, filters, system_id=movement_for, as_of=as_of)
    if moves.empty:
        st.info("No rated risk to show here" + (" on that day." if as_of else "."))
        return
    chart, beside = st.columns([3, 1])
    with chart:
        st.plotly_chart(
            cached_figure(
                "movement",
                (filters.cache_key(), movement_for, as_of),
                lambda: movement_figure(moves, view.criteria),
            ),
            config={"displayModeBar": False},
            key="pf_movement_chart",
        )
    render_movement_table(view, moves, movement_for)
    with beside:
        render_movement_notes(view, movement_for)


def render_movement_table(view: View, moves: pd.DataFrame, movement_for: int | None) -> None:
    table = cached(
        "movement_legend",
        (view.filters.cache_key(), movement_for, view.as_of),
        lambda: movement_legend(moves).assign(
            risk_id=lambda frame: frame["risk_id"].map(RISK_URL.format)
        ),
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "No.": st.column_config.NumberColumn("No.", width=44),
            "risk_id": st.column_config.LinkColumn("Open", display_text=RISK_LINK_TEXT, width=56),
            "Risk": st.column_config.TextColumn("Risk", width=300),
            "AI system": st.column_config.TextColumn("AI system", width=200),
        },
    )


def render_movement_notes(view: View, movement_for: int | None) -> None:
    st.caption(
        "Each numbered square is a risk's residual rating; the open circle (I) is its "
        "inherent rating and the open diamond (T) its target. Arrows run inherent → "
        "residual → target. The numbers are listed below the chart."
        + (f" Ratings as they stood on {view.as_of:%d %b %Y}." if view.as_of else "")
    )
    if movement_for is not None:
        page_link(
            SYSTEM,
            label="Open the AI system",
            query_params={"id": movement_for},
            icon=":material/memory:",
        )
    page_link(TRENDS, label="See paths over time", icon=":material/trending_down:")


def render_changes(view: View) -> None:
    """What moved since the end of the quarter before."""
    quarter_end, as_of = view.quarter_end, view.as_of
    st.subheader(f"What moved from {quarter_end:%d %b %Y} to {view.day:%d %b %Y}", anchor=False)
    with st.spinner("Comparing with the end of the quarter…"):
        moved, change_counts = trends_store.level_changes(
            view.db, quarter_end, view.filters, limit=SHORT_LIST, until=as_of
        )
    st.caption(
        "Where each risk stands (residual, else inherent) at the end of the quarter before, "
        "against "
        + (f"the end of {as_of:%d %b %Y}" if as_of else "today")
        + ". Risks identified since then count as rated for the first time."
    )
    with st.container(horizontal=True):
        st.metric("Risen a level or more", f"{change_counts['up']:,}", delta_color="off")
        st.metric("Fallen a level or more", f"{change_counts['down']:,}", delta_color="off")
        st.metric("Rated for the first time", f"{change_counts['new']:,}", delta_color="off")
        st.metric("Unchanged", f"{change_counts['same']:,}", delta_color="off")
    if moved.empty:
        return
    words = {"up": "Risen", "down": "Fallen", "new": "New"}
    st.dataframe(
        pd.DataFrame(
            {
                "Open": moved["risk_id"].map(RISK_URL.format),
                "Risk": moved["title"],
                "AI system": moved["system_name"],
                "Then": moved["level_then"].fillna("not rated"),
                "Now" if as_of is None else "On that day": moved["level_now"],
                "Change": moved["change"].map(words),
                "Owner": moved["owner"],
            }
        ),
        hide_index=True,
        width="stretch",
        height=300 if len(moved) > 8 else "auto",
        column_config={
            "Open": st.column_config.LinkColumn("Risk", display_text=RISK_LINK_TEXT, width=58),
            "Risk": st.column_config.TextColumn("Risk title", width=300),
            "AI system": st.column_config.TextColumn("AI system", width=180),
        },
    )


# --- top risks -----------------------------------------------------------------------------------


def render_top_risks(view: View) -> None:
    st.subheader("Top risks" + view.on_day(), anchor=False)
    top = heatmaps_store.top_risks(view.db, view.filters, view.as_of)
    st.caption(
        "The highest risks where they stand "
        + (view.on_day("on ") or "now")
        + " (residual, else inherent), then by severity and likelihood. Click a column to sort."
    )
    show_risk_table(
        top, view.criteria, key="pf_top_table", cache_key=(view.filters.cache_key(), view.as_of)
    )
    page_link(REGISTER, label="Open the full risk register", icon=":material/table_view:")


run_page(main)
