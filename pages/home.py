"""Home: what the tool is for, where the organisation stands, what to do next."""

from __future__ import annotations

import streamlit as st

from assessments.demo import load_demo
from assessments.identity import Permission
from assessments.overview import NextStep, impact_next_steps, next_steps, risk_next_steps
from assessments.store import impact as impact_store
from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from assessments.store import screenings as screenings_store
from assessments.store.db import Database
from assessments.store.snapshots import snapshot
from ui.common import (
    IMPACT_ASSESSMENTS,
    INVENTORY,
    PORTFOLIO,
    REGISTER,
    REGULATORY,
    RISK_NEW,
    SYSTEM_EDIT,
    attempt,
    database,
    plain,
    show_flash,
)
from ui.identity import require_actor_notice
from ui.navigation import page_link, run_page

# Where each suggested next step leads: (page, query parameters).
TARGETS = {
    "system_edit": (SYSTEM_EDIT, {}),
    "inventory_overdue": (INVENTORY, {"review": "overdue"}),
    "inventory_planned": (INVENTORY, {"status": "planned"}),
    "impact_stale": (IMPACT_ASSESSMENTS, {"filter": "stale"}),
    "impact_returned": (IMPACT_ASSESSMENTS, {"filter": "returned"}),
    "impact_submitted": (IMPACT_ASSESSMENTS, {"filter": "submitted"}),
    "impact_never": (IMPACT_ASSESSMENTS, {"filter": "never"}),
    "portfolio": (PORTFOLIO, {}),
    "register": (REGISTER, {}),
    "risk_new": (RISK_NEW, {}),
    "regulatory": (REGULATORY, {}),
}


def main() -> None:
    db = database()
    render_intro()
    counts = inventory_store.counts(db)
    if counts.get("total", 0) == 0:
        render_first_start(db)
        return
    render_inventory_figures(counts)
    risks = snapshot(db, "home_risks", (), lambda: register_store.register_summary(db))
    classes = screenings_store.class_counts(db)
    render_risk_figures(risks, classes)
    impact_counts = impact_store.status_counts(db)
    render_impact_figures(impact_counts)
    render_next_steps(
        [*risk_next_steps(risks, classes), *impact_next_steps(impact_counts), *next_steps(counts)]
    )


def render_intro() -> None:
    st.title("AI risk & impact workbench")
    st.markdown(
        "Keep the inventory of your organisation's AI systems, assess their risks and their "
        "impact on people and society, and show how you treat them, as ISO/IEC 42001 asks. "
        "Everything lives in one local database file, with a full history of who changed what."
    )
    show_flash()


def render_first_start(db: Database) -> None:
    """An empty inventory: load the demo portfolio, or add a first system."""
    st.info(
        "The inventory is empty. Start with your own first AI system, or load the demo "
        "portfolio of a fictional company to explore every feature.",
        icon=":material/rocket_launch:",
    )
    left, right = st.columns(2)
    with left:
        actor = require_actor_notice(Permission.LOAD_DEMO)
        if st.button("Load the demo portfolio", type="primary", disabled=actor is None):
            load_the_demo(db, actor)
    with right:
        page_link(SYSTEM_EDIT, label="Add your first AI system", icon=":material/add:")


def load_the_demo(db: Database, actor: str) -> None:
    with st.status("Loading the demo portfolio…", expanded=True) as status:
        report, errors = attempt(lambda: load_demo(db, actor=actor))
        if report is None:
            status.update(label="The demo portfolio was not loaded", state="error")
            st.error(plain(errors.get("form") or "; ".join(errors.values())))
            st.stop()
        for line in report.lines():
            st.write(line)
        status.update(label="Demo portfolio loaded", state="complete")
    st.rerun()


def render_inventory_figures(counts: dict[str, int]) -> None:
    st.subheader("Where we stand")
    cols = st.columns(5)
    cols[0].metric(
        "AI systems in scope",
        counts["in_scope"],
        help="Active and planned systems: the scope of the AI management system.",
    )
    cols[1].metric("Active", counts["active"])
    cols[2].metric("Planned", counts["planned"])
    cols[3].metric("Review overdue", counts["review_overdue"])
    cols[4].metric("Using personal data", counts["personal_data"])
    units = counts["business_units"]
    retired = counts["retired"]
    st.caption(
        f"{units} business {'unit' if units == 1 else 'units'} · {retired} retired "
        f"{'system' if retired == 1 else 'systems'} kept with "
        f"{'its' if retired == 1 else 'their'} history"
    )


def render_risk_figures(risks: dict[str, int], classes: dict[str, int]) -> None:
    risk_cols = st.columns(4)
    risk_cols[0].metric("Risks in scope", risks["risks"], help="Open risks of AI systems in scope.")
    risk_cols[1].metric(
        "Above appetite, not accepted",
        risks["not_accepted"],
        help="Where the risk stands today (residual, else inherent) is above the appetite or the "
        "harm category's tolerance, and no acceptance is in force.",
    )
    risk_cols[2].metric("Overdue actions", risks["overdue_actions"])
    risk_cols[3].metric(
        "EU AI Act high-risk systems",
        classes.get("high_risk", 0),
        help=f"{classes.get('not_screened', 0)} systems in scope are not screened yet.",
    )


def render_impact_figures(impact_counts: dict[str, int]) -> None:
    impact_cols = st.columns(5)
    impact_cols[0].metric(
        "Impact approved",
        impact_counts["current"],
        help="Systems whose impact assessment is approved and still current.",
    )
    impact_cols[1].metric(
        "Impact stale",
        impact_counts["stale"],
        help="Approved, but the system changed materially or the review date has passed.",
    )
    impact_cols[2].metric("Impact to sign off", impact_counts["awaiting_approval"])
    impact_cols[3].metric("Impact not assessed", impact_counts["never_assessed"])


def render_next_steps(steps: list[NextStep]) -> None:
    st.subheader("What to do next")
    for step in steps:
        page, params = TARGETS.get(step.target, (INVENTORY, {}))
        page_link(page, label=step.text, icon=":material/arrow_forward:", query_params=params)


run_page(main)
