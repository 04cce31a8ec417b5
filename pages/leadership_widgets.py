"""Widgets the leadership pages share: the portfolio filters and the risk tables with links."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from assessments import catalog, vocab
from assessments.analytics import PortfolioFilter, acceptance_text, treatment_status
from assessments.criteria import RiskCriteria
from assessments.regulatory import class_label
from assessments.store import analytics as analytics_store
from pages.common import database, labelled
from pages.risk_widgets import level_styles, styled_levels

RISK_URL = "risk?id={}"
T = TypeVar("T")


def cached(name: str, key: Sequence[Hashable], build: Callable[[], T]) -> T:
    """A figure or display frame built once per data version (store.analytics.snapshot):
    reruns with no new data reuse it, and any write (a new rating, say) changes the version so
    it is built again. `key` must hold every input of `build` that is not data (filters, day,
    tier, selection). What comes back is shared: never modify it."""
    return analytics_store.snapshot(database(), f"page:{name}", tuple(key), build)


def cached_figure(name: str, key: Sequence[Hashable], build: Callable[[], go.Figure]) -> go.Figure:
    return cached(f"figure:{name}", key, build)


def portfolio_filters(options: Mapping[str, Any], prefix: str) -> tuple[PortfolioFilter, Any]:
    """The filters: system-level ones first, then risk-level ones, then whether to include
    closed risks. Also returns a free column of the last row for a page's own widget."""
    terms = catalog.taxonomy()
    systems: dict[int, str] = options["systems"]
    first = st.columns(3)
    units = first[0].multiselect(
        "Business unit", options["business_units"], key=f"{prefix}_units", placeholder="All"
    )
    system_ids = first[1].multiselect(
        "AI system",
        list(systems),
        format_func=systems.get,
        key=f"{prefix}_systems",
        placeholder="All",
    )
    classes = first[2].multiselect(
        "EU AI Act class",
        options["eu_ai_act_classes"] + ["not_screened"],
        format_func=class_label,
        key=f"{prefix}_classes",
        placeholder="All",
        help="The class of each system's current screening (Regulatory screening).",
    )
    second = st.columns(3)
    stages = second[0].multiselect(
        "Lifecycle stage",
        options["lifecycle_stages"],
        format_func=labelled(vocab.LIFECYCLE_STAGES),
        key=f"{prefix}_stages",
        placeholder="All",
        help="The stage of the system's life cycle in which the risk arises.",
    )
    harms = second[1].multiselect(
        "Harm category",
        options["harm_categories"],
        format_func=labelled(terms.harm_categories),
        key=f"{prefix}_harms",
        placeholder="All",
    )
    owners = second[2].multiselect(
        "Risk owner", options["owners"], key=f"{prefix}_owners", placeholder="All"
    )
    third = st.columns([1, 1, 1], vertical_alignment="bottom")
    include_closed = third[1].toggle(
        "Include closed risks",
        key=f"{prefix}_closed",
        help="Closed risks need no decision, so they are left out unless you ask.",
    )
    filters = PortfolioFilter(
        business_units=units,
        system_ids=system_ids,
        eu_ai_act_classes=classes,
        lifecycle_stages=stages,
        harm_categories=harms,
        owners=owners,
        include_closed=include_closed,
    )
    return filters, third[0]


def risk_table_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Risk list rows (store.analytics.RISK_LIST_COLUMNS) as people read them."""
    options = catalog.taxonomy().treatment_options
    harms = catalog.taxonomy().harm_categories
    return pd.DataFrame(
        {
            "Open": [RISK_URL.format(int(value)) for value in rows["risk_id"]],
            "AI system": rows["system_name"],
            "Risk": rows["title"],
            "Level": rows["level"].fillna("not rated"),
            "Above appetite": rows["above_appetite"].astype(bool),
            "Treatment": [
                treatment_status(
                    status,
                    None if pd.isna(option) else str(option),
                    int(opened),
                    int(overdue),
                    int(done),
                    options,
                )
                for status, option, opened, overdue, done in zip(
                    rows["status"],
                    rows["treatment_option"],
                    rows["actions_open"],
                    rows["actions_overdue"],
                    rows["actions_done"],
                    strict=True,
                )
            ],
            "Acceptance": [
                acceptance_text(
                    "in_force" if pd.notna(until) else ("expired" if pd.notna(expired) else None),
                    _day(until)
                    if pd.notna(until)
                    else _day(expired)
                    if pd.notna(expired)
                    else None,
                )
                for until, expired in zip(rows["accepted_until"], rows["expired_on"], strict=True)
            ],
            "Owner": rows["owner"],
            "Harm category": rows["harm_category"].map(labelled(harms)),
        }
    )


def _day(value: Any) -> date | None:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else None


RISK_TABLE_CONFIG: dict[str, Any] = {
    "Open": st.column_config.LinkColumn(
        "Risk", display_text=r"risk\?id=(\d+)", help="Open the risk", width="small"
    ),
    "Risk": st.column_config.TextColumn("Risk title", width="large"),
    "Treatment": st.column_config.TextColumn("Treatment status", width="medium"),
    "Above appetite": st.column_config.CheckboxColumn(
        "Above appetite",
        help="Where the risk stands (residual, else inherent) is above the appetite or the "
        "tolerance of its harm category.",
    ),
}


def show_risk_table(
    rows: pd.DataFrame,
    criteria: RiskCriteria,
    *,
    key: str,
    total: int | None = None,
    height: int | str = "auto",
    cache_key: Sequence[Hashable] | None = None,
) -> None:
    """A sortable table of risks with a link to each, level cells in the criteria's colours.

    With `cache_key` (what selected `rows`, besides the data) the display frame is reused while
    no write happens."""
    shown = (
        cached(f"table:{key}", cache_key, lambda: risk_table_frame(rows))
        if cache_key is not None
        else risk_table_frame(rows)
    )
    st.dataframe(
        styled_levels(shown, level_styles(criteria.levels), ["Level"]),
        hide_index=True,
        width="stretch",
        height=height,
        key=key,
        column_config=RISK_TABLE_CONFIG,
    )
    if total is not None and total > len(rows):
        st.caption(
            f"Showing the first {len(rows):,} of {total:,}. Narrow the filters to see the rest, "
            "or open the risk register."
        )
