"""A committee member's own device: join with the code, then rate one item at a time, blind.

The join code and the participant's token live in the URL (?code=...&token=...), so a reload
or a lost connection brings the member back to where they were. A small fragment polls the
workshop's state version (one max() over the workshop's event ids, nothing else) and
reruns the page only when the facilitator has done something; the vote form itself is outside
it, so nothing a member types is disturbed by the polling. The form shows the criteria version
the round opened under, so a change to the criteria mid-workshop never moves its scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st

from assessments.criteria import RiskCriteria
from assessments.store import workshop_consensus, workshop_sessions, workshop_votes
from assessments.store.db import Database
from assessments.workshops import (
    COMMENT_MAX,
    CONFIDENCE,
    NAME_MAX,
    PHASE_RECORDED,
    PHASE_REVEALED,
    PHASE_VOTING,
    ItemState,
    JoinInput,
    Participant,
    VoteInput,
    Workshop,
    WorkshopAccessError,
    WorkshopItem,
    display_code,
    markdown_text,
    normalise_code,
    shown_names,
    vote_stats,
)
from ui.common import attempt, database, field_error, flash, labelled, plain, show_flash
from ui.navigation import run_page

POLL_EVERY = "2s"
CODE_FORM = "ws_code_form"
CODE_FIELD = "ws_code"
CODE_ERROR = "ws_code_error"
JOIN_FORM = "ws_join_form"
JOIN_NAME = "ws_join_name"
JOIN_ERRORS = "ws_join_errors"
TIER_HINTS = {
    "inherent": "before any controls",
    "residual": "with the controls in place today",
    "target": "once the planned actions are done",
}
# The line above the scales: which tier the committee rates and what that asks of a member.
TIER_LINES = {
    "inherent": (
        "**You rate the inherent risk:** how likely this harm is and how bad it would be "
        "before any controls, as if nothing were done to prevent or soften it."
    ),
    "residual": (
        "**You rate the residual risk:** how likely this harm is and how bad it would be "
        "with the controls in place today, counting only safeguards that already work."
    ),
    "target": (
        "**You rate the target risk:** how likely this harm will be and how bad it would be "
        "once the planned actions are done."
    ),
}


@dataclass(frozen=True)
class Member:
    """A joined member on their device: the workshop, who they are, and what the URL holds."""

    db: Database
    code: str
    token: str
    workshop: Workshop
    participant: Participant


def main() -> None:
    db = database()
    code = str(st.query_params.get("code") or "")
    token = str(st.query_params.get("token") or "")
    if not code:
        ask_for_code(db, st.session_state.pop(CODE_ERROR, None))
    workshop = open_workshop(db, code)
    participant = participant_of(db, code, token)
    if participant is None:
        render_join(db, workshop, code)
    member = Member(db, code, token, workshop, participant)
    # The version first, then the state it stands for: a change landing in between makes the
    # next poll redraw, never leaves the page behind.
    drawn_version = workshop_sessions.state_version(db, workshop.id)
    state = workshop_sessions.workshop_state(db, workshop.id)
    items = {item.risk_id: item for item in workshop_sessions.workshop_items(db, workshop.id)}
    render_identity(member)
    show_flash()
    follow_the_facilitator(db, workshop.id, drawn_version)
    current = state.current
    if current is None:
        st.info(
            "You are in. Waiting for the facilitator to open the first item: this page "
            "updates by itself.",
            icon=":material/hourglass_top:",
        )
        return
    render_item(member, items[current.risk_id], current, len(items))


# --- joining -------------------------------------------------------------------------------------


def ask_for_code(db: Database, message: str | None = None) -> NoReturn:
    st.title("Join a workshop")
    st.caption("Type the code shown on the projector, or open the link or QR code it shows.")
    with st.form(CODE_FORM):
        st.text_input("Join code", key=CODE_FIELD, max_chars=12, placeholder="e.g. K7M-Q2X")
        if message:
            field_error({"code": message}, "code")
        entered = st.form_submit_button("Continue", type="primary")
    if entered:
        typed = str(st.session_state.get(CODE_FIELD) or "")
        try:
            workshop_sessions.workshop_for_code(db, typed)
        except WorkshopAccessError as error:
            st.session_state[CODE_ERROR] = str(error)
        else:
            st.session_state.pop(CODE_ERROR, None)
            st.query_params.clear()
            st.query_params["code"] = normalise_code(typed)
        st.rerun()
    st.stop()
    raise AssertionError("st.stop() ends the run")


def open_workshop(db: Database, code: str) -> Workshop:
    """The open workshop of the URL's code; for a wrong or stale code, the form asks again."""
    try:
        return workshop_sessions.workshop_for_code(db, code)
    except WorkshopAccessError as error:
        st.session_state[CODE_FIELD] = code
        st.query_params.clear()
        ask_for_code(db, str(error))


def participant_of(db: Database, code: str, token: str) -> Participant | None:
    if not token:
        return None
    try:
        return workshop_sessions.participant_for(db, code, token)[1]
    except WorkshopAccessError as error:
        st.warning(str(error))
        return None


def render_join(db: Database, workshop: Workshop, code: str) -> NoReturn:
    st.title(markdown_text(workshop.title))
    facilitator = markdown_text(workshop.facilitator)
    st.caption(f"Workshop {display_code(workshop.code)} · facilitated by {facilitator}")
    st.write(
        "Give your name to join. You will rate each risk on your own: nobody sees any vote "
        "until the facilitator reveals them."
    )
    errors: dict[str, str] = st.session_state.get(JOIN_ERRORS, {})
    with st.form(JOIN_FORM):
        st.text_input("Your name for this workshop", key=JOIN_NAME, max_chars=NAME_MAX)
        field_error(errors, "name")
        joined = st.form_submit_button("Join", type="primary")
    if workshop.anonymise_names:
        st.caption("The minutes of this workshop show votes without names.")
    if joined:
        join(db, workshop, code)
    st.stop()
    raise AssertionError("st.stop() ends the run")


def join(db: Database, workshop: Workshop, code: str) -> NoReturn:
    result, new_errors = attempt(
        lambda: workshop_sessions.join_workshop(
            db, code, JoinInput(name=str(st.session_state.get(JOIN_NAME) or ""))
        )
    )
    if result is not None:
        st.session_state.pop(JOIN_ERRORS, None)
        st.query_params["code"] = workshop.code
        st.query_params["token"] = result.token
        flash(f"Welcome, {result.participant.name}.")  # flash shows it literally
        st.rerun()
    # A refusal that names no field (a closed workshop) is shown beside the name.
    if "form" in new_errors:
        new_errors["name"] = new_errors.pop("form")
    st.session_state[JOIN_ERRORS] = new_errors
    st.rerun()


# --- following the workshop ----------------------------------------------------------------------


@st.fragment(run_every=POLL_EVERY)
def follow_the_facilitator(db: Database, workshop_id: int, drawn: int) -> None:
    """Redraw the page when the facilitator opens, reveals, records or closes. Each poll is
    one small query and draws nothing; only a change reruns the page."""
    if workshop_sessions.state_version(db, workshop_id) != drawn:
        st.rerun()


def render_identity(member: Member) -> None:
    workshop, participant = member.workshop, member.participant
    st.caption(f"{markdown_text(workshop.title)} · you are **{markdown_text(participant.name)}**")
    if workshop.anonymise_names:
        people = workshop_sessions.participants(member.db, workshop.id)
        pseudonym = shown_names([(p.id, p.name) for p in people], True)[participant.id]
        st.caption(
            f"This workshop is anonymised: the reveal and the minutes show your votes as "
            f"**{pseudonym}**."
        )


def render_item(member: Member, item: WorkshopItem, current: ItemState, count: int) -> None:
    db, workshop = member.db, member.workshop
    round_number = current.rounds
    criteria = workshop_votes.round_criteria(db, workshop.id, item.risk_id, round_number)
    st.subheader(f"Item {item.position} of {count}: {markdown_text(item.title)}")
    st.caption(f"AI system: {markdown_text(item.system_name)}")
    if item.description:
        st.markdown(markdown_text(item.description))
    mine = workshop_votes.own_vote(db, member.participant.id, item.risk_id, round_number)
    if current.phase == PHASE_VOTING:
        render_voting(member, item, round_number, criteria, mine)
    elif current.phase in (PHASE_REVEALED, PHASE_RECORDED):
        render_revealed(member, item, current)


# --- voting --------------------------------------------------------------------------------------


def render_voting(
    member: Member,
    item: WorkshopItem,
    round_number: int,
    criteria: RiskCriteria,
    mine: dict[str, Any] | None,
) -> None:
    if round_number > 1:
        st.info(
            f"Round {round_number}: rate again after the discussion. Your earlier round is kept "
            "as it was.",
            icon=":material/replay:",
        )
    if mine:
        st.success(
            f"Your vote is in: likelihood {mine['likelihood']}, severity {mine['severity']} "
            f"({plain(mine['level'])}). You can change it until the votes are revealed.",
            icon=":material/check_circle:",
        )
    prefix = f"ws_vote_{member.workshop.id}_{item.risk_id}_{round_number}_"
    if st.session_state.get(prefix + "loaded") != bool(mine):
        st.session_state[prefix + "likelihood"] = mine["likelihood"] if mine else None
        st.session_state[prefix + "severity"] = mine["severity"] if mine else None
        st.session_state[prefix + "confidence"] = mine["confidence"] if mine else "medium"
        st.session_state[prefix + "comment"] = mine["comment"] if mine else ""
        st.session_state[prefix + "loaded"] = bool(mine)
        st.session_state[prefix + "errors"] = {}
    vote_errors: dict[str, str] = st.session_state.get(prefix + "errors", {})
    if vote_errors.get("form"):
        st.error(vote_errors["form"])
    with st.form(prefix + "form"):
        st.markdown(TIER_LINES[member.workshop.tier])
        vote_fields(criteria, member.workshop.tier, prefix, vote_errors)
        submitted = st.form_submit_button(
            "Change my vote" if mine else "Submit my vote", type="primary"
        )
    if submitted:
        submit(member, item, round_number, prefix)


def vote_fields(criteria: RiskCriteria, tier: str, prefix: str, errors: dict[str, str]) -> None:
    st.radio(
        "Likelihood",
        [step.value for step in criteria.likelihood],
        format_func=lambda value: f"{value} · {plain(criteria.step('likelihood', value).label)}",
        captions=[plain(step.description) for step in criteria.likelihood],
        index=None,
        key=prefix + "likelihood",
        help=f"How likely is it that this harm happens, {TIER_HINTS[tier]}?",
    )
    field_error(errors, "likelihood")
    st.radio(
        "Severity",
        [step.value for step in criteria.severity],
        format_func=lambda value: f"{value} · {plain(criteria.step('severity', value).label)}",
        captions=[plain(step.description) for step in criteria.severity],
        index=None,
        key=prefix + "severity",
        help=f"How bad would it be for the people affected, {TIER_HINTS[tier]}?",
    )
    field_error(errors, "severity")
    st.radio(
        "Your confidence",
        list(CONFIDENCE),
        format_func=labelled(CONFIDENCE),
        index=None,
        key=prefix + "confidence",
    )
    field_error(errors, "confidence")
    st.text_area(
        "Comment (optional)",
        key=prefix + "comment",
        max_chars=COMMENT_MAX,
        placeholder="Why this rating? The committee sees comments after the reveal.",
    )
    field_error(errors, "comment")


def submit(member: Member, item: WorkshopItem, round_number: int, prefix: str) -> NoReturn:
    values = {
        name: st.session_state.get(prefix + name)
        for name in ("likelihood", "severity", "confidence", "comment")
    }
    new_errors = {
        name: f"Choose a {name}." for name in ("likelihood", "severity") if values[name] is None
    }
    if not new_errors:
        _, new_errors = attempt(
            lambda: workshop_votes.submit_vote(
                member.db,
                member.code,
                member.token,
                item.risk_id,
                round_number,
                VoteInput.model_validate(values),
            )
        )
        if "form" in new_errors:
            # Shown whatever the page looks like next (the round may be over by now).
            flash(f"Your vote was not saved: {new_errors.pop('form')}", "error")
        elif not new_errors:
            st.session_state.pop(prefix + "loaded", None)
            flash("Vote received.")
    st.session_state[prefix + "errors"] = new_errors
    st.rerun()


def render_revealed(member: Member, item: WorkshopItem, current: ItemState) -> None:
    db, workshop = member.db, member.workshop
    revealed = current.last_revealed_round or current.rounds
    votes = workshop_votes.revealed_votes(db, workshop.id, item.risk_id, revealed)
    rules = workshop_votes.round_criteria(db, workshop.id, item.risk_id, revealed)
    stats = vote_stats([(vote.likelihood, vote.severity) for vote in votes], rules)
    if current.phase == PHASE_RECORDED:
        outcome = workshop_consensus.outcomes(db, workshop.id).get(item.risk_id)
        if outcome is not None:
            st.success(
                f"The committee recorded likelihood {outcome.likelihood}, severity "
                f"{outcome.severity} ({plain(outcome.level)}). Waiting for the next item.",
                icon=":material/gavel:",
            )
    else:
        st.info(
            "The votes are revealed on the projector. Discuss; the facilitator may open "
            "another round.",
            icon=":material/visibility:",
        )
    if stats is not None:
        st.write(f"Round {revealed}: {stats.summary()}.")
    mine = workshop_votes.own_vote(db, member.participant.id, item.risk_id, revealed)
    if mine:
        st.caption(f"Your vote: likelihood {mine['likelihood']}, severity {mine['severity']}.")
    else:
        st.caption("You did not vote in this round.")


run_page(main)
