"""The impact assessment part of other pages (the AI system page)."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from assessments import impact
from assessments.inventory import AISystem
from assessments.questionnaire.model import Questionnaire
from assessments.store import impact as impact_store
from assessments.store.db import Database
from ui.common import IMPACT_ASSESSMENTS, IMPACT_RESULT, IMPACT_WIZARD, plain
from ui.navigation import page_link


def system_impact_section(database: Database, system: AISystem) -> None:
    """Latest impact assessment of a system: status, level, staleness and where to go next."""
    st.subheader("Impact assessment", anchor=False)
    history = impact_store.versions(database, system.id)
    if not history:
        st.caption("No impact assessment yet.")
        if system.status != "retired":
            page_link(
                IMPACT_ASSESSMENTS,
                label="Start the impact assessment",
                icon=":material/play_arrow:",
                query_params={"system": str(system.id)},
            )
        return
    newest = history[-1]
    approved = next((item for item in reversed(history) if item.status == "approved"), None)
    parts = [f"Version {newest.version_no}: {impact.STATUSES[newest.status].lower()}"]
    if newest.editable:
        parts.append(
            f"{newest.answered} of {newest.shown} answered, provisional level {newest.level}"
        )
    else:
        parts.append(f"level {newest.level}")
    if approved is not None and approved.approved_at is not None:
        parts.append(
            f"approved level {approved.level} on {approved.approved_at:%Y-%m-%d} "
            f"by {plain(approved.approved_by)}"
        )
    st.markdown(" · ".join(parts))
    reasons = impact_store.stale_reasons_for(database, approved) if approved else []
    if reasons:
        st.markdown(
            ":red[:material/update: **Stale:** "
            + "; ".join(plain(reason) for reason in reasons)
            + ". Re-assess.]"
        )
    with st.container(horizontal=True):
        if newest.editable:
            page_link(
                IMPACT_WIZARD,
                label="Continue the questionnaire",
                icon=":material/edit_note:",
                query_params={"id": str(newest.id)},
            )
        page_link(
            IMPACT_RESULT,
            label="See the result",
            icon=":material/assessment:",
            query_params={"id": str(newest.id)},
        )
        if newest.status == "approved" and system.status != "retired":
            page_link(
                IMPACT_ASSESSMENTS,
                label="Re-assess",
                icon=":material/restart_alt:",
                query_params={"system": str(system.id)},
            )


def submit_for_approval(
    database: Database, actor: str, response_id: int
) -> impact.MissingAnswersError | None:
    """Submit an assessment for approval (for `attempt`): the refusal that lists the required
    answers still missing, or None once submitted."""
    try:
        impact_store.submit(database, actor, response_id)
    except impact.MissingAnswersError as error:
        return error
    return None


def missing_answer_links(
    error: impact.MissingAnswersError, questionnaire: Questionnaire, response_id: int
) -> None:
    """Why a submission was refused, with a link to each required answer still missing."""
    st.error(plain(error) + " Answer these, then submit again:")
    titles = {section.id: section.title for section in questionnaire.sections}
    for item in error.missing:
        page_link(
            IMPACT_WIZARD,
            label=plain(f"{titles[item.section_id]}: {item.text}"),
            icon=":material/error:",
            query_params={"id": str(response_id), "section": item.section_id},
        )


def show_errors(errors: Mapping[str, str], icon: str | None = None) -> None:
    """The messages `attempt` returned for a form without fields of its own, one error each."""
    for message in errors.values():
        st.error(plain(message), icon=icon)


def error_text(errors: Mapping[str, str]) -> str:
    """The messages `attempt` returned, as one text to keep for the next run."""
    return " ".join(errors.values())
