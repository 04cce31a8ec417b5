"""Widgets the risk pages share: level chips and coloured tables, and the risk's identity fields.

Level names and colours come from the organisation's criteria; names are escaped before they
are placed in HTML, and colours are validated '#RRGGBB' values (RiskLevel checks them).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from assessments import catalog, vocab
from assessments.criteria import RiskCriteria, RiskLevel
from assessments.risks import PERSON_MAX, RISK_STATUSES, TEXT_MAX, TITLE_MAX
from assessments.store import register as register_store
from assessments.store import risk_summary
from assessments.store.db import Database
from ui.common import REGISTER, RISK, RISK_NEW, capped_list_note, field_error, labelled, plain
from ui.navigation import page_link

SYSTEM_RISK_LINKS = 10
RISK_FIELDS = (
    "title",
    "description",
    "harm_category",
    "risk_source",
    "affected_parties",
    "lifecycle_stage",
    "owner",
    "status",
)


# A risk's reference in a data grid is a link to its page: the cell holds the page's URL
# (`risk_url`) and shows the 'R-12' its fragment carries.
RISK_LINK_TEXT = r"#(R-\d+)$"


def risk_url(risk_id: int) -> str:
    """The risk page's URL for a data grid's link column (relative, so it works behind any
    base path): `risk?id=12#R-12`. Built from the id alone: no user text ever goes in it."""
    number = int(risk_id)
    return f"{Path(RISK).stem}?id={number}#R-{number}"


def risk_link_column(label: str = "Risk", width: int = 58) -> Any:
    """The column config of a data grid column of `risk_url` values: 'R-12', a link."""
    return st.column_config.LinkColumn(label, width=width, display_text=RISK_LINK_TEXT)


def field_warning(warnings: Mapping[str, str], field: str) -> None:
    """A warning for one field, shown right beneath it (the value is accepted as it is)."""
    message = warnings.get(field)
    if message:
        st.markdown(f":orange[:material/warning: {plain(message)}]")


def html_text(text: object) -> str:
    """Text for Markdown with HTML allowed: HTML-escaped, then Markdown-escaped (Markdown is
    still read between inline HTML tags, so a name could otherwise become a link or image)."""
    return plain(html.escape(str(text), quote=False))


def level_chip(level: RiskLevel, suffix: str = "") -> str:
    """An inline HTML badge in the level's colour; the name and suffix are escaped."""
    text = html_text(level.name + suffix)
    return (
        f'<span style="background-color:{level.colour};color:{level.text_colour()};'
        'padding:0.15rem 0.6rem;border-radius:0.5rem;font-weight:600;white-space:nowrap">'
        f"{text}</span>"
    )


def show_level_chip(level: RiskLevel, before: str = "", after: str = "") -> None:
    """A line with a level chip between optional plain texts (the texts are escaped too)."""
    st.markdown(
        f"{html_text(before)}{level_chip(level)}&nbsp; {html_text(after)}",
        unsafe_allow_html=True,
    )


def cell_heading(
    tier_title: str, criteria: RiskCriteria, likelihood: int, severity: int, joiner: str = " "
) -> str:
    """'Residual High: likelihood 4 (Likely) × severity 3 (Moderate)' for a matrix cell, ready
    for markdown: the criteria's words (level name, step labels) are escaped, ours are not."""
    level = criteria.level_for(likelihood, severity)
    return (
        f"{tier_title}{joiner}{plain(level.name)}: likelihood {likelihood} "
        f"({plain(criteria.likelihood[likelihood - 1].label)}) × severity {severity} "
        f"({plain(criteria.severity[severity - 1].label)})"
    )


def level_styles(levels: Iterable[RiskLevel]) -> dict[str, str]:
    """CSS per level name, for pandas Styler cells holding a level name."""
    return {
        level.name: f"background-color: {level.colour}; color: {level.text_colour()}"
        for level in levels
    }


def styled_levels(
    frame: pd.DataFrame, styles: Mapping[str, str], columns: Iterable[str] | None = None
) -> Any:
    """The frame with every cell naming a level painted in that level's colour."""
    subset = list(columns) if columns is not None else None
    return frame.style.map(lambda value: styles.get(value, "") if value else "", subset=subset)


def seed_risk_fields(prefix: str, values: Mapping[str, Any]) -> None:
    """Put a risk's values into the identity widgets' state (before the widgets are drawn)."""
    for name in RISK_FIELDS:
        value = values.get(name)
        if name == "affected_parties":
            value = list(value or [])
        elif name in ("title", "description", "owner"):
            value = value or ""
        st.session_state[prefix + name] = value


def risk_values(prefix: str) -> dict[str, Any]:
    """What the identity widgets hold now."""
    return {name: st.session_state.get(prefix + name) for name in RISK_FIELDS}


def risk_fields(prefix: str, errors: Mapping[str, str]) -> None:
    """The fields that identify a risk, each with its validation message beneath it."""
    terms = catalog.taxonomy()
    st.text_input("Title *", key=prefix + "title", max_chars=TITLE_MAX)
    field_error(errors, "title")
    st.text_area(
        "Description",
        key=prefix + "description",
        max_chars=TEXT_MAX,
        help="What could happen, to whom, and why.",
    )
    field_error(errors, "description")
    left, right = st.columns(2)
    with left:
        st.selectbox(
            "Harm category *",
            list(terms.harm_categories),
            key=prefix + "harm_category",
            format_func=labelled(terms.harm_categories),
            placeholder="Choose what is harmed",
            help="The objective the risk threatens (ISO/IEC 42001 Annex C).",
        )
        _describe(terms.describe("harm_categories", st.session_state.get(prefix + "harm_category")))
        field_error(errors, "harm_category")
        st.selectbox(
            "Risk source *",
            list(terms.risk_sources),
            key=prefix + "risk_source",
            format_func=labelled(terms.risk_sources),
            placeholder="Choose where the risk comes from",
            help="Where the risk comes from (ISO/IEC 42001 Annex C).",
        )
        _describe(terms.describe("risk_sources", st.session_state.get(prefix + "risk_source")))
        field_error(errors, "risk_source")
        st.multiselect(
            "Affected parties *",
            list(terms.affected_parties),
            key=prefix + "affected_parties",
            format_func=labelled(terms.affected_parties),
            help="Who is harmed if it happens: individuals, groups, society, the organisation.",
        )
        field_error(errors, "affected_parties")
    with right:
        st.selectbox(
            "Lifecycle stage *",
            list(vocab.LIFECYCLE_STAGES),
            key=prefix + "lifecycle_stage",
            format_func=labelled(vocab.LIFECYCLE_STAGES),
            help="The stage of the AI system's life cycle where the risk arises.",
        )
        field_error(errors, "lifecycle_stage")
        st.text_input(
            "Owner *",
            key=prefix + "owner",
            max_chars=PERSON_MAX,
            help="The person accountable for treating this risk.",
        )
        field_error(errors, "owner")
        st.selectbox(
            "Status *",
            list(RISK_STATUSES),
            key=prefix + "status",
            format_func=labelled(RISK_STATUSES),
        )
        field_error(errors, "status")


def _describe(text: str) -> None:
    if text:
        st.caption(text)


def system_risks_section(database: Database, system_id: int) -> None:
    """The 'Risks' part of an AI system's page: counts by residual level and where to go next."""
    st.subheader("Risks", anchor=False)
    counts = risk_summary.residual_level_counts(database, system_id)
    if counts.empty:
        st.caption("No risk has been identified for this system yet.")
    else:
        parts = []
        for row in counts.itertuples():
            if row.colour is None or pd.isna(row.colour):
                parts.append(html_text(f"{row.level}: {row.risks}"))
            else:
                level = RiskLevel(name=str(row.level), colour=str(row.colour))
                parts.append(level_chip(level, f": {row.risks}"))
        st.markdown(" &nbsp; ".join(parts), unsafe_allow_html=True)
        total = int(counts["risks"].sum())
        mapped = int(counts["mapped"].sum())
        st.caption(
            f"{total} risk{'s' if total != 1 else ''}, counted by their current residual level "
            "(with the controls in place) on the current criteria; closed risks are not counted."
            + (
                f" {mapped} of these ratings were made under older criteria and are placed on "
                "the current matrix."
                if mapped
                else ""
            )
        )
        risks = risk_summary.risks_of_system(database, system_id, limit=SYSTEM_RISK_LINKS)
        for row in risks.itertuples():
            if isinstance(row.residual_level, str):
                where = f"residual {row.residual_level}"
            elif isinstance(row.inherent_level, str):
                where = f"inherent {row.inherent_level}, no residual rating yet"
            else:
                where = "not rated yet"
            page_link(
                RISK,
                label=plain(f"{row.title} · {where}"),
                icon=":material/warning:",
                query_params={"id": int(row.id)},
            )
        capped_list_note(
            len(risks),
            register_store.risk_count(database, system_id),
            "risks (the most recently identified)",
        )
    with st.container(horizontal=True):
        page_link(
            RISK_NEW,
            label="Identify risks",
            icon=":material/add_alert:",
            query_params={"system": system_id},
        )
        page_link(
            REGISTER,
            label="Risk register of this system",
            icon=":material/table_view:",
            query_params={"system": system_id},
        )
