"""Trends from the append-only rating history: how many risks stood at each level over time,
and one risk's or one system's path (inherent, residual, target) against the appetite with the
decisions marked. `?risk=<id>` or `?system=<id>` opens that path."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from assessments.analytics import (
    CURRENT_TIER,
    DEFAULT_TREND_TIER,
    PERIODS,
    TREND_TIERS,
    PortfolioFilter,
    end_of_day,
    period_ends,
)
from assessments.charts.leadership import DECISION_STYLE, level_trend_figure, path_figure
from assessments.criteria import RiskCriteria
from assessments.reports.tabular import encode
from assessments.store import analytics_common
from assessments.store import criteria as criteria_store
from assessments.store import heatmaps as heatmaps_store
from assessments.store import trends as trends_store
from assessments.store.db import Database
from ui.common import (
    CHOICE_LIMIT,
    HOME,
    PORTFOLIO,
    REGISTER,
    RISK,
    RISK_NEW,
    TABLE_LIMIT,
    capped_list_note,
    database,
)
from ui.leadership_widgets import RETIRED_MARK, cached_figure, portfolio_filters, system_choices
from ui.navigation import page_link, run_page

ALL_RISKS = 0  # the "all its risks" choice (None would read as "nothing chosen")
SPANS = {12: "Last 12 months", 24: "Last 2 years", 36: "Last 3 years", 60: "Last 5 years"}


def main() -> None:
    db = database()
    options = analytics_common.filter_options(db)
    render_header()
    span = trends_store.history_span(db)
    if not (options["systems"] or options["retired_systems"]) or span is None:
        render_no_history()
        return
    st.subheader("Risks per level over time", anchor=False)
    filters, tier, period, months = render_trend_settings(options)
    render_level_trend(db, span[0], filters, tier, period, months)
    path_section(db, options, filters)


def render_header() -> None:
    st.title("Trends")
    st.caption(
        "From the rating history, which is never overwritten: how the portfolio's levels "
        "moved, and each risk's path from inherent to residual to target against the appetite."
    )


def render_no_history() -> None:
    st.info(
        "No rating history yet: trends appear once risks have been rated. Identify and rate "
        "the risks of an AI system, or load the demo portfolio from Home."
    )
    with st.container(horizontal=True):
        page_link(RISK_NEW, label="Identify risks", icon=":material/add_alert:")
        page_link(HOME, label="Load the demo portfolio", icon=":material/home:")


# --- risks per level over time -------------------------------------------------------------------


def render_trend_settings(options: dict[str, Any]) -> tuple[PortfolioFilter, str, str, int]:
    """The filters, the rating, the period and the span of the trend."""
    with st.container(border=True):
        filters, _ = portfolio_filters(options, "tr")
        settings = st.columns([4, 3, 3])
        tier = settings[0].segmented_control(
            "Rating",
            list(TREND_TIERS),
            format_func=TREND_TIERS.get,
            default=DEFAULT_TREND_TIER,
            key="tr_tier",
            help="Current: where each risk stood (its residual rating, else its inherent one), "
            "as the register and the portfolio judge it. Or one tier's ratings alone.",
        )
        period = settings[1].segmented_control(
            "Period", list(PERIODS), format_func=PERIODS.get, default="month", key="tr_period"
        )
        months = settings[2].selectbox(
            "Span", list(SPANS), index=1, format_func=SPANS.get, key="tr_span"
        )
    return filters, tier or DEFAULT_TREND_TIER, period or "month", months


def render_level_trend(
    db: Database, first_rated: date, filters: PortfolioFilter, tier: str, period: str, months: int
) -> None:
    """Risks per level per period, with the line of those above the appetite."""
    today = date.today()
    first = max(first_rated, date(today.year - (months // 12), today.month, 1))
    periods = period_ends(first, today, period, today)
    with st.spinner("Counting the rating history…"):
        trend = trends_store.level_trend(db, periods, tier, filters)
    if trend["count"].sum() == 0:
        st.info(
            "No rating of this kind in this period for these filters. Choose another rating, "
            "a longer span, or clear a filter."
        )
        return
    current = tier == CURRENT_TIER
    line_name = (
        "Above the appetite or the harm category's tolerance (accepted or not)"
        if current
        else f"{TREND_TIERS[tier]} ratings above the appetite or the harm category's tolerance"
    )
    st.plotly_chart(
        cached_figure(
            "level_trend",
            (filters.cache_key(), tier, period, months, today),
            lambda: level_trend_figure(
                trend,
                tier_name=TREND_TIERS[tier] if not current else "Rated",
                line_name=line_name,
            ),
        ),
        config={"displayModeBar": False},
        key="tr_levels",
    )
    rated = (
        "where each stood at the end of the period (the current period: today): its latest "
        "residual rating, else its latest inherent one"
        if current
        else f"the level of each one's latest {TREND_TIERS[tier].lower()} rating at the end of "
        "the period (the current period: today)"
    )
    latest = int(trend["above_appetite"].iloc[-1])
    st.caption(
        f"Each bar counts the risks by {rated}, placed on the current criteria. The dashed "
        "line below counts those above the appetite as the "
        "register judges them: under the criteria version each rating was made under, against "
        "its harm category's tolerance where one is set, accepted or not; a closed risk or a "
        "risk of a retired system never counts."
        + (
            f" Its last point ({latest:,}) is the register's 'Above appetite' figure for these "
            "filters."
            if current
            else " Choose 'Current' to follow the figure the register and the portfolio show."
        )
    )
    page_link(
        PORTFOLIO,
        label="See the whole portfolio as it stood on a past day ('As of' on the Portfolio)",
        icon=":material/history:",
    )


# --- one risk's or one system's path -------------------------------------------------------------


@st.fragment
def path_section(db: Database, options: dict[str, Any], filters: PortfolioFilter) -> None:
    """One system's or one risk's path; a choice here reruns only this part of the page."""
    st.subheader("A path over time", anchor=False)
    systems = system_choices(options, filters.include_closed)
    follow_link(db)
    chosen_system = st.session_state.get("tr_path_system")
    retired = options["retired_systems"]
    if chosen_system in retired and chosen_system not in systems:  # linked to by name
        systems[chosen_system] = f"{retired[chosen_system]}{RETIRED_MARK}"
    if chosen_system is not None and chosen_system not in systems:
        st.session_state["tr_path_system"] = None

    choice = st.columns(2)
    system_id = choice[0].selectbox(
        "AI system",
        list(systems),
        format_func=systems.get,
        index=None,
        placeholder="Choose an AI system…",
        key="tr_path_system",
    )
    if system_id is None:
        st.info(
            "Choose an AI system to see its path: the highest level among its risks over time, "
            "per rating. Then choose one of its risks to follow that risk alone."
        )
        return
    risk_id, risk_names = choose_risk(db, choice[1], int(system_id), filters)
    with st.spinner("Drawing the path…"):
        if risk_id is None:
            path = trends_store.system_path(db, int(system_id), filters)
            decisions = trends_store.decisions(db, system_id=int(system_id))
        else:
            path = trends_store.risk_path(db, risk_id).rename(columns={"rated_at": "moment"})
            decisions = trends_store.decisions(db, risk_id=risk_id)
        if path.empty:
            st.info(
                "No rating in the history for this choice yet: rate the risk (inherent, "
                "residual, target) and its path appears here."
            )
            return
        title = (
            f"{systems[system_id]}: the highest level among its risks"
            if risk_id is None
            else f"R-{risk_id} · {risk_names[risk_id]}"
        )
        figure = path_chart(db, int(system_id), risk_id, filters, path, decisions, title)
    render_path(figure, int(system_id), risk_id)
    if not decisions.empty:
        render_decisions(decisions)


def follow_link(db: Database) -> None:
    """A `?risk=` or `?system=` link chooses that path once (a later choice here wins)."""
    params = st.query_params
    linked_risk = params.get("risk")
    linked_system = params.get("system")
    if linked_risk and linked_risk.isdigit() and st.session_state.get("tr_linked") != linked_risk:
        summary = trends_store.risk_summary(db, int(linked_risk))
        if summary is not None:
            st.session_state["tr_path_system"] = int(summary["system_id"])
            st.session_state["tr_path_risk"] = int(summary["id"])
        st.session_state["tr_linked"] = linked_risk
    elif (
        linked_system
        and linked_system.isdigit()
        and st.session_state.get("tr_linked") != f"s{linked_system}"
    ):
        st.session_state["tr_path_system"] = int(linked_system)
        st.session_state["tr_path_risk"] = ALL_RISKS
        st.session_state["tr_linked"] = f"s{linked_system}"


def choose_risk(
    db: Database, column: Any, system_id: int, filters: PortfolioFilter
) -> tuple[int | None, dict[int, str]]:
    """One of the system's highest risks, or all of them (None), and the risks offered."""
    with st.spinner("Reading the system's history…"):
        top = heatmaps_store.top_risks(
            db, filters.model_copy(update={"system_ids": (system_id,)}), limit=CHOICE_LIMIT
        )
    risk_names = dict(zip(top["risk_id"].astype(int), top["title"], strict=True))
    if st.session_state.get("tr_path_risk") not in (ALL_RISKS, *risk_names):
        st.session_state["tr_path_risk"] = ALL_RISKS
    chosen_risk = column.selectbox(
        "Risk",
        [ALL_RISKS, *risk_names],
        format_func=lambda key: (
            "All its risks (the highest level per rating)"
            if key == ALL_RISKS
            else f"R-{key} · {risk_names[key]}"
        ),
        key="tr_path_risk",
    )
    if len(top) >= CHOICE_LIMIT:
        column.caption(
            f"The {CHOICE_LIMIT} highest of its risks are offered here; the system's risk "
            "register lists them all."
        )
    return (None if chosen_risk == ALL_RISKS else int(chosen_risk)), risk_names


def path_chart(
    db: Database,
    system_id: int,
    risk_id: int | None,
    filters: PortfolioFilter,
    path: pd.DataFrame,
    decisions: pd.DataFrame,
    title: str,
) -> go.Figure:
    """The path against the limit that applies to it (store/trends.py `acceptable_limit`):
    the risk's own, or for a whole system the strictest of its risks'."""
    if risk_id is None:
        limit = trends_store.acceptable_limit(
            db, filters.model_copy(update={"system_ids": (system_id,)})
        )
    else:
        limit = trends_store.acceptable_limit(db, risk_id=risk_id)
    criteria: RiskCriteria = criteria_store.current_criteria(db)
    today = date.today()
    return cached_figure(
        "path",
        (system_id, risk_id, filters.cache_key(), today),
        lambda: path_figure(
            path,
            decisions,
            criteria,
            appetite_rank=limit,
            now=end_of_day(today),
            title=title,
            changes_only=risk_id is None,
        ),
    )


def render_path(figure: go.Figure, system_id: int, risk_id: int | None) -> None:
    explanation = (
        "Each line is the highest level among the system's risks for that rating, as "
        "it stood after every change; the appetite line is the strictest level acceptable "
        "for its risks' harm categories."
        if risk_id is None
        else "Each line steps to a new level when the risk was rated again; the appetite "
        "line is the level acceptable for its harm category."
    )
    st.plotly_chart(figure, config={"displayModeBar": False}, key="tr_path")
    st.caption(
        explanation
        + " Markers along the top are decisions: acceptances (star), workshop consensus ratings "
        "(hexagon) and treatment actions done (triangle)."
    )
    with st.container(horizontal=True):
        if risk_id is not None:
            page_link(
                RISK,
                label="Open the risk",
                query_params={"id": int(risk_id)},
                icon=":material/warning:",
            )
        page_link(
            REGISTER,
            label="The system's risk register",
            query_params={"system": int(system_id)},
            icon=":material/table_view:",
        )


def render_decisions(decisions: pd.DataFrame) -> None:
    """The chart marks every decision; the table lists the first ones and offers them all."""
    listed = decision_table(decisions)
    st.dataframe(
        listed.head(TABLE_LIMIT),
        hide_index=True,
        width="stretch",
        column_config={
            "When": st.column_config.DateColumn("When", format="YYYY-MM-DD", width=100),
            "Decision": st.column_config.TextColumn("Decision", width=150),
            "Risk": st.column_config.TextColumn("Risk", width=280),
            "What": st.column_config.TextColumn("What", width="large"),
        },
    )
    capped_list_note(
        min(len(listed), TABLE_LIMIT),
        len(listed),
        "decisions (oldest first)",
        download=lambda: encode(listed, "csv"),
        file_name="decisions.csv",
        key="tr_decisions_download",
    )


def decision_table(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decisions marked on the path, as the table under it reads."""
    return pd.DataFrame(
        {
            "When": decisions["moment"],
            "Decision": decisions["kind"].map(
                lambda kind: DECISION_STYLE.get(kind, {}).get("name", kind)
            ),
            "Risk": "R-" + decisions["risk_id"].astype(str) + " · " + decisions["title"],
            "What": decisions["detail"],
        }
    )


run_page(main)
