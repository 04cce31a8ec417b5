"""A committee member's own device: join with the code, then rate one item at a time, blind.

The join code and the participant's token live in the URL (?code=...&token=...), so a reload
or a lost connection brings the member back to where they were. A small fragment polls the
workshop's state version (one max() over the workshop's event ids, nothing else) and
reruns the page only when the facilitator has done something; the vote form itself is outside
it, so nothing a member types is disturbed by the polling. The form shows the criteria version
the round opened under, so a change to the criteria mid-workshop never moves its scale.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st
from pydantic import ValidationError

from assessments.errors import ConflictError, FieldErrors, WorkbenchError, field_messages
from assessments.store import workshops as workshop_store
from assessments.workshops import (
    COMMENT_MAX,
    CONFIDENCE,
    NAME_MAX,
    PHASE_RECORDED,
    PHASE_REVEALED,
    PHASE_VOTING,
    JoinInput,
    VoteInput,
    WorkshopAccessError,
    display_code,
    markdown_text,
    normalise_code,
    shown_names,
    vote_stats,
)
from ui.common import database, field_error, flash, labelled, plain, show_flash

POLL_EVERY = "2s"
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

db = database()
code = str(st.query_params.get("code") or "")
token = str(st.query_params.get("token") or "")


def ask_for_code(message: str | None = None) -> NoReturn:
    st.title("Join a workshop")
    st.caption("Type the code shown on the projector, or open the link or QR code it shows.")
    with st.form("ws_code_form"):
        st.text_input("Join code", key="ws_code", max_chars=12, placeholder="e.g. K7M-Q2X")
        if message:
            field_error({"code": message}, "code")
        entered = st.form_submit_button("Continue", type="primary")
    if entered:
        typed = str(st.session_state.get("ws_code") or "")
        try:
            workshop_store.workshop_for_code(db, typed)
        except WorkshopAccessError as error:
            st.session_state["ws_code_error"] = str(error)
        else:
            st.session_state.pop("ws_code_error", None)
            st.query_params.clear()
            st.query_params["code"] = normalise_code(typed)
        st.rerun()
    st.stop()


if not code:
    ask_for_code(st.session_state.pop("ws_code_error", None))

try:
    workshop = workshop_store.workshop_for_code(db, code)
except WorkshopAccessError as error:
    st.session_state["ws_code"] = code
    st.query_params.clear()
    ask_for_code(str(error))

participant = None
if token:
    try:
        _, participant = workshop_store.participant_for(db, code, token)
    except WorkshopAccessError as error:
        st.warning(str(error))

if participant is None:
    st.title(markdown_text(workshop.title))
    facilitator = markdown_text(workshop.facilitator)
    st.caption(f"Workshop {display_code(workshop.code)} · facilitated by {facilitator}")
    st.write(
        "Give your name to join. You will rate each risk on your own: nobody sees any vote "
        "until the facilitator reveals them."
    )
    errors: dict[str, str] = st.session_state.get("ws_join_errors", {})
    with st.form("ws_join_form"):
        st.text_input("Your name for this workshop", key="ws_join_name", max_chars=NAME_MAX)
        field_error(errors, "name")
        joined = st.form_submit_button("Join", type="primary")
    if workshop.anonymise_names:
        st.caption("The minutes of this workshop show votes without names.")
    if joined:
        new_errors: dict[str, str] = {}
        try:
            result = workshop_store.join_workshop(
                db, code, JoinInput(name=str(st.session_state.get("ws_join_name") or ""))
            )
        except ValidationError as error:
            new_errors = field_messages(error)
        except FieldErrors as error:
            new_errors = error.errors
        except WorkbenchError as error:
            new_errors = {"name": str(error)}
        else:
            st.session_state.pop("ws_join_errors", None)
            st.query_params["code"] = workshop.code
            st.query_params["token"] = result.token
            flash(f"Welcome, {result.participant.name}.")  # flash shows it literally
            st.rerun()
        st.session_state["ws_join_errors"] = new_errors
        st.rerun()
    st.stop()

assert participant is not None
# The version first, then the state it stands for: a change landing in between makes the
# next poll redraw, never leaves the page behind.
drawn_version = workshop_store.state_version(db, workshop.id)
state = workshop_store.workshop_state(db, workshop.id)
items = {item.risk_id: item for item in workshop_store.workshop_items(db, workshop.id)}


@st.fragment(run_every=POLL_EVERY)
def follow_the_facilitator(workshop_id: int, drawn: int) -> None:
    """Redraw the page when the facilitator opens, reveals, records or closes. Each poll is
    one small query and draws nothing; only a change reruns the page."""
    if workshop_store.state_version(db, workshop_id) != drawn:
        st.rerun()


st.caption(f"{markdown_text(workshop.title)} · you are **{markdown_text(participant.name)}**")
if workshop.anonymise_names:
    people = workshop_store.participants(db, workshop.id)
    pseudonym = shown_names([(p.id, p.name) for p in people], True)[participant.id]
    st.caption(
        f"This workshop is anonymised: the reveal and the minutes show your votes as "
        f"**{pseudonym}**."
    )
show_flash()
follow_the_facilitator(workshop.id, drawn_version)

current = state.current
if current is None:
    st.info(
        "You are in. Waiting for the facilitator to open the first item: this page "
        "updates by itself.",
        icon=":material/hourglass_top:",
    )
    st.stop()

item = items[current.risk_id]
round_number = current.rounds
criteria = workshop_store.round_criteria(db, workshop.id, item.risk_id, round_number)
st.subheader(f"Item {item.position} of {len(items)}: {markdown_text(item.title)}")
st.caption(f"AI system: {markdown_text(item.system_name)}")
if item.description:
    st.markdown(markdown_text(item.description))

mine = workshop_store.own_vote(db, participant.id, item.risk_id, round_number)

if current.phase == PHASE_VOTING:
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
    prefix = f"ws_vote_{workshop.id}_{item.risk_id}_{round_number}_"
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
        st.markdown(TIER_LINES[workshop.tier])
        st.radio(
            "Likelihood",
            [step.value for step in criteria.likelihood],
            format_func=lambda value: (
                f"{value} · {plain(criteria.step('likelihood', value).label)}"
            ),
            captions=[plain(step.description) for step in criteria.likelihood],
            index=None,
            key=prefix + "likelihood",
            help=f"How likely is it that this harm happens, {TIER_HINTS[workshop.tier]}?",
        )
        field_error(vote_errors, "likelihood")
        st.radio(
            "Severity",
            [step.value for step in criteria.severity],
            format_func=lambda value: f"{value} · {plain(criteria.step('severity', value).label)}",
            captions=[plain(step.description) for step in criteria.severity],
            index=None,
            key=prefix + "severity",
            help=f"How bad would it be for the people affected, {TIER_HINTS[workshop.tier]}?",
        )
        field_error(vote_errors, "severity")
        st.radio(
            "Your confidence",
            list(CONFIDENCE),
            format_func=labelled(CONFIDENCE),
            index=None,
            key=prefix + "confidence",
        )
        field_error(vote_errors, "confidence")
        st.text_area(
            "Comment (optional)",
            key=prefix + "comment",
            max_chars=COMMENT_MAX,
            placeholder="Why this rating? The committee sees comments after the reveal.",
        )
        field_error(vote_errors, "comment")
        submitted = st.form_submit_button(
            "Change my vote" if mine else "Submit my vote", type="primary"
        )
    if submitted:
        values = {
            name: st.session_state.get(prefix + name)
            for name in ("likelihood", "severity", "confidence", "comment")
        }
        new_errors = {
            name: f"Choose a {name}." for name in ("likelihood", "severity") if values[name] is None
        }
        if not new_errors:
            try:
                workshop_store.submit_vote(
                    db, code, token, item.risk_id, round_number, VoteInput.model_validate(values)
                )
            except ValidationError as error:
                new_errors = field_messages(error)
            except FieldErrors as error:
                new_errors = error.errors
            except (ConflictError, WorkshopAccessError) as error:
                # Shown whatever the page looks like next (the round may be over by now).
                flash(f"Your vote was not saved: {error}", "error")
            else:
                st.session_state.pop(prefix + "loaded", None)
                flash("Vote received.")
        st.session_state[prefix + "errors"] = new_errors
        st.rerun()
elif current.phase in (PHASE_REVEALED, PHASE_RECORDED):
    revealed = current.last_revealed_round or round_number
    votes = workshop_store.revealed_votes(db, workshop.id, item.risk_id, revealed)
    rules = workshop_store.round_criteria(db, workshop.id, item.risk_id, revealed)
    stats = vote_stats([(vote.likelihood, vote.severity) for vote in votes], rules)
    if current.phase == PHASE_RECORDED:
        outcome = workshop_store.outcomes(db, workshop.id).get(item.risk_id)
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
    mine_revealed = workshop_store.own_vote(db, participant.id, item.risk_id, revealed)
    if mine_revealed:
        st.caption(
            f"Your vote: likelihood {mine_revealed['likelihood']}, severity "
            f"{mine_revealed['severity']}."
        )
    else:
        st.caption("You did not vote in this round.")
