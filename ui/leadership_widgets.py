"""Widgets the leadership pages share: the portfolio filters and the risk tables with links."""

from __future__ import annotations

import html
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from assessments import catalog, regulatory, vocab
from assessments.analytics import PortfolioFilter, acceptance_text, action_status, plural
from assessments.criteria import RiskCriteria
from assessments.store import snapshots
from ui.common import database, labelled
from ui.risk_widgets import level_styles, styled_levels

# A link to a risk's page that shows as the risk's reference: the fragment carries it.
RISK_URL = "risk?id={0}#R-{0}"
RISK_LINK_TEXT = r"#(R-\d+)"
T = TypeVar("T")


def cached(name: str, key: Sequence[Hashable], build: Callable[[], T]) -> T:
    """A figure or display frame built once per data version (store/snapshots.py):
    reruns with no new data reuse it, and any write (a new rating, say) changes the version so
    it is built again. `key` must hold every input of `build` that is not data (filters, day,
    tier, selection). What comes back is shared: never modify it."""
    return snapshots.snapshot(database(), f"page:{name}", tuple(key), build)


def cached_figure(name: str, key: Sequence[Hashable], build: Callable[[], go.Figure]) -> go.Figure:
    return cached(f"figure:{name}", key, build)


RETIRED_MARK = " (retired)"
INCLUDE_LABEL = "Include closed risks and retired systems"
INCLUDE_HELP = (
    "Closed risks and the risks of retired AI systems need no decision, so they are left out "
    "of every figure unless you include them here (choosing a retired system by name brings its "
    "risks back too). They are never counted above the appetite."
)


def system_choices(options: Mapping[str, Any], include_retired: bool) -> dict[int, str]:
    """The AI systems a filter offers: those in scope, and the retired ones (marked) when
    retired systems are included."""
    systems: dict[int, str] = dict(options["systems"])
    if include_retired:
        retired = options.get("retired_systems", {})
        systems.update({key: f"{name}{RETIRED_MARK}" for key, name in retired.items()})
    return dict(sorted(systems.items(), key=lambda item: item[1].lower()))


def _keep_offered(key: str, offered: Sequence[Any]) -> None:
    """Drop a remembered choice that is no longer offered (a retired system once retired
    systems are left out again), so the widget never holds a value it does not show."""
    chosen = st.session_state.get(key)
    if isinstance(chosen, list) and any(value not in offered for value in chosen):
        st.session_state[key] = [value for value in chosen if value in offered]


def portfolio_filters(options: Mapping[str, Any], prefix: str) -> tuple[PortfolioFilter, Any]:
    """The filters: system-level ones first, then risk-level ones, then whether to include
    closed risks and retired systems. Also returns a free column of the last row for a page's
    own widget."""
    terms = catalog.taxonomy()
    include_key = f"{prefix}_closed"
    systems = system_choices(options, bool(st.session_state.get(include_key)))
    _keep_offered(f"{prefix}_systems", list(systems))
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
        help="AI systems with identified risks; retired ones are offered when they are "
        "included (below).",
    )
    class_options = regulatory.class_filter_options()
    classes = first[2].multiselect(
        "EU AI Act class",
        list(class_options),
        format_func=labelled(class_options),
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
    third = st.columns([1, 2], vertical_alignment="bottom")
    include_closed = third[1].toggle(INCLUDE_LABEL, key=include_key, help=INCLUDE_HELP)
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


APPETITE_WORDS = {
    "not_accepted": "Above · not accepted",
    "accepted": "Above · accepted",
    "expired": "Above · expired",
    "within": "Within",
    "unrated": "",
}
APPETITE_HELP = (
    "Where the risk stands (residual, else inherent) against the appetite or the tolerance of "
    "its harm category, and whether an acceptance in force covers it ('expired': its last "
    "acceptance ran out). A closed risk, or one of a retired system, is never above it."
)


def appetite_state(above: bool, accepted_until: Any, expired_on: Any) -> str:
    """A key of APPETITE_WORDS: where a risk stands against the appetite and its acceptance."""
    if not above:
        return "within"
    if pd.notna(accepted_until):
        return "accepted"
    return "expired" if pd.notna(expired_on) else "not_accepted"


def risk_table_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """Risk list rows (store.analytics_common.RISK_LIST_COLUMNS) as people read them: the columns a
    decision needs first (risk, system, level, appetite and acceptance, treatment, owner), the
    rest after them."""
    options = catalog.taxonomy().treatment_options
    harms = catalog.taxonomy().harm_categories
    appetite = [
        APPETITE_WORDS["unrated" if pd.isna(level) else appetite_state(bool(above), until, gone)]
        for level, above, until, gone in zip(
            rows["level"],
            rows["above_appetite"],
            rows["accepted_until"],
            rows["expired_on"],
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "Open": [RISK_URL.format(int(value)) for value in rows["risk_id"]],
            "Risk": rows["title"],
            "AI system": rows["system_name"],
            "Level": rows["level"].fillna("not rated"),
            "Appetite": appetite,
            "Treatment": [
                action_status(status, int(opened), int(overdue), int(done))
                for status, opened, overdue, done in zip(
                    rows["status"],
                    rows["actions_open"],
                    rows["actions_overdue"],
                    rows["actions_done"],
                    strict=True,
                )
            ],
            "Owner": rows["owner"],
            "Option": [
                "none chosen" if pd.isna(option) else options.get(str(option), str(option))
                for option in rows["treatment_option"]
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
            "Harm category": rows["harm_category"].map(labelled(harms)),
        }
    )


def _day(value: Any) -> date | None:
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if isinstance(value, date) else None


RISK_TABLE_CONFIG: dict[str, Any] = {
    "Open": st.column_config.LinkColumn(
        "Risk", display_text=RISK_LINK_TEXT, help="Open the risk", width=56
    ),
    "Risk": st.column_config.TextColumn("Risk title", width=200),
    "AI system": st.column_config.TextColumn("AI system", width=130),
    "Level": st.column_config.TextColumn("Level", width=70),
    "Appetite": st.column_config.TextColumn("Appetite", width=140, help=APPETITE_HELP),
    "Treatment": st.column_config.TextColumn(
        "Treatment",
        width=220,
        help="The risk's status and its treatment actions (open, overdue, done).",
    ),
    "Owner": st.column_config.TextColumn("Owner", width=110),
    "Option": st.column_config.TextColumn("Treatment option", width=190),
    "Acceptance": st.column_config.TextColumn("Acceptance", width=200),
}


def level_bars(
    title: str,
    labels: Sequence[str],
    counts: Sequence[int],
    colours: Sequence[str] | None = None,
    *,
    noun: str = "risk",
) -> None:
    """A small bar list (a label, a bar, its count per row) drawn in HTML: as readable as a
    chart for a handful of rows, without a Plotly figure to load in the browser. Labels are
    escaped; colours are the criteria's validated '#RRGGBB' values."""
    largest = max([*counts, 1])
    rows = []
    for index, (label, count) in enumerate(zip(labels, counts, strict=True)):
        # On one line: a blank line would end the HTML block and the rest would be Markdown.
        label = " ".join(str(label).split())
        colour = colours[index] if colours else "#8FA9C8"
        width = 0 if count == 0 else max(2, round(78 * count / largest))
        rows.append(
            f'<span style="white-space:nowrap">{html.escape(str(label))}</span>'
            '<span style="white-space:nowrap">'
            f'<span style="display:inline-block;height:1.15rem;width:{width}%;'
            f"background:{colour};border:1px solid #1B1B1F;vertical-align:middle;"
            f'{"" if width else "border:none;"}"></span>'
            f'&nbsp;<span title="{html.escape(plural(count, noun))}">{count:,}</span></span>'
        )
    st.markdown(
        f'<div style="font-weight:600;margin-bottom:0.4rem">{html.escape(title)}</div>'
        '<div style="display:grid;grid-template-columns:max-content 1fr;gap:0.45rem 0.7rem;'
        f'align-items:center">{"".join(rows)}</div>',
        unsafe_allow_html=True,
    )


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
