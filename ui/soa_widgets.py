"""Widgets the Statement of Applicability and the readiness page share: a consistency finding
with the risks it names, each a link to the risk's page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from assessments.references import risk_reference
from assessments.soa import TREATED_BUT_NOT_APPLICABLE, Finding
from ui.common import RISK, plain
from ui.navigation import page_link

# As many risks as a finding's message names ('risks … and 10 more'); the control's
# own list in the SoA editor links them all (capped, with a download).
FINDING_RISK_LINKS = 8


def risk_links(risk_ids: Sequence[int], limit: int = FINDING_RISK_LINKS) -> None:
    """The first `limit` risks side by side, each 'R-12' a link to its page; the rest counted."""
    if not risk_ids:
        return
    with st.container(horizontal=True):
        for risk_id in risk_ids[:limit]:
            page_link(
                RISK,
                label=plain(risk_reference(risk_id)),
                query_params={"id": str(int(risk_id))},
                icon=":material/warning:",
            )
        rest = len(risk_ids) - limit
        if rest > 0:
            st.caption(f"and {rest:,} more")


def show_finding(finding: Finding, treated_by: Mapping[str, Sequence[int]], lead: str) -> None:
    """One finding as a bullet (`lead` before its message); the risks whose treatments use an
    excluded or unassessed control follow as links."""
    st.markdown(f"- {lead}{plain(finding.message)}")
    if finding.kind == TREATED_BUT_NOT_APPLICABLE:
        risk_links(list(treated_by.get(finding.control_id, ())))
