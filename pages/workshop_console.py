"""The facilitator's console, fit for the projector: the join code and QR code, who has voted
(live), the reveal with the spread, rounds, the consensus with its dissent, and the minutes.

Opened with ?id=<workshop> (without a usable id it lists the workshops to open). Signed in,
the facilitator role opens the console of any workshop (a colleague can take over one whose
facilitator is away); a person without the role is refused. In local mode a typed name proves
nothing, so the facilitator key decides: it is typed into a password field (or handed over by
the planning page) and kept in this browser session only, never in the address, where it would
stay in the browser's history and show on the projector. The page draws the controls only for
those the store lets in, and every action is checked again by the store: hiding a button is not
access control. Every action records the person acting. The live count is a fragment that
re-queries the store every second (never cached).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from assessments.charts.workshop import qr_png, vote_matrix_figure
from assessments.criteria import RiskCriteria, ScaleName
from assessments.errors import WorkbenchError
from assessments.identity import Actor, Permission, refusal
from assessments.reports.minutes import file_stem, minutes_markdown, minutes_pdf
from assessments.risks import TIERS
from assessments.store import workshop_consensus, workshop_sessions, workshop_votes
from assessments.store.criteria import current_criteria
from assessments.store.db import Database
from assessments.workshops import (
    AGREEMENT_MIN_VOTES_FOR_STRONG,
    AGREEMENT_RULE,
    CONFIDENCE,
    DISSENT_MAX,
    MAX_ROUNDS,
    NOTE_MAX,
    PHASE_RECORDED,
    PHASE_REVEALED,
    PHASE_VOTING,
    PHASE_WAITING,
    RATIONALE_MAX,
    ConsensusInput,
    ItemState,
    NoteInput,
    Outcome,
    Participant,
    VoteRecord,
    VoteStats,
    Workshop,
    WorkshopItem,
    WorkshopState,
    display_code,
    is_local_only,
    join_link,
    markdown_text,
    next_item,
    scale_problems,
    shown_by_name,
    vote_stats,
)
from ui.common import (
    LINK_LIMIT,
    WORKSHOP_CONSOLE,
    WORKSHOP_KEY,
    WORKSHOP_NEW_KEY,
    WORKSHOPS,
    attempt,
    capped_list_note,
    database,
    field_error,
    flash,
    plain,
    record_from_query,
    show_flash,
)
from ui.identity import current_actor, require_actor_notice
from ui.navigation import page_link, run_page

PHASE_LABELS = {
    PHASE_WAITING: "not started",
    PHASE_VOTING: "voting",
    PHASE_REVEALED: "revealed",
    PHASE_RECORDED: "recorded",
}
KEY_FORM = "ws_key_form"
KEY_TYPED = "ws_key_typed"
KEY_ERROR = "ws_key_error"
PROJECTOR = "ws_projector"
REVIEW_ITEM = "ws_review_item"
CLOSE_SURE = "ws_close_sure"


@dataclass(frozen=True)
class Console:
    """What every part of the console reads: the workshop as it stands, and who acts."""

    db: Database
    workshop: Workshop
    key: str
    criteria: RiskCriteria
    items: list[WorkshopItem]
    state: WorkshopState
    recorded: dict[int, Outcome]
    people: list[Participant]
    # Who a dissenting member is shown as: a pseudonym when the workshop is anonymised,
    # exactly as in the minutes and the export.
    shown_name: dict[str, str]
    actor: Actor | None = None
    projector: bool = False

    @property
    def by_id(self) -> dict[int, WorkshopItem]:
        return {item.risk_id: item for item in self.items}

    @property
    def no_actor(self) -> bool:
        return self.actor is None

    @property
    def acting(self) -> Actor:
        """The person behind a facilitator action (its button is disabled without one)."""
        if self.actor is None:
            raise WorkbenchError("Give your name before running the workshop.")
        return self.actor


def main() -> None:
    db = database()
    workshop = record_from_query(
        lambda workshop_id: workshop_sessions.get_workshop(db, workshop_id),
        title="Workshop console",
        noun="workshop",
        hint="Choose the workshop to open its console:",
        alternatives=lambda: workshop_choices(db),
    )
    key = facilitator_key(db, workshop, current_actor())
    console = load_console(db, workshop, key)
    actor = render_header(workshop)
    render_new_key(workshop)
    projector = st.toggle(
        "Projector view",
        key=PROJECTOR,
        help="Hide the agenda, minutes and closing controls, for the screen the room sees.",
    )
    console = replace(console, actor=actor, projector=projector)
    render_join_block(console)
    st.divider()
    render_current_item(console)
    if projector:
        return
    st.divider()
    render_agenda(console)
    st.fragment(participant_list, run_every="3s" if workshop.is_open else None)(db, workshop.id)
    render_minutes(console)
    if workshop.is_open:
        render_closing(console)


def workshop_choices(db: Database) -> None:
    """Without a usable id: the workshops to open, newest open ones first (the first
    LINK_LIMIT; the Workshops page offers them all)."""
    listed = workshop_sessions.list_workshops(db, limit=LINK_LIMIT)
    if listed.empty:
        st.caption("There are no workshops yet: plan one on the Workshops page.")
    for row in listed.itertuples():
        page_link(
            WORKSHOP_CONSOLE,
            label=f"{markdown_text(row.title)} ({row.status}, {row.created_at:%Y-%m-%d})",
            icon=":material/co_present:" if row.status == "open" else ":material/lock:",
            query_params={"id": str(row.id)},
        )
    capped_list_note(len(listed), workshop_sessions.workshop_count(db), "workshops")
    page_link(WORKSHOPS, label="All workshops", icon=":material/arrow_back:")


def facilitator_key(db: Database, workshop: Workshop, actor: Actor | None) -> str:
    """The key this session holds (none is needed signed in). A closed workshop can be reviewed
    by anyone (every round is revealed and nothing can change); an open one steers the votes,
    so it needs the facilitator role when signed in (else the page refuses and stops) and the
    key in local mode (else the page asks for it and stops)."""
    key_slot = WORKSHOP_KEY.format(workshop.id)
    # Addresses made before the key left the URL carried it as ?key=: drop it from the address
    # unused, so the console never teaches anyone to put the key in a link.
    key_in_address = "key" in st.query_params
    if key_in_address:
        del st.query_params["key"]
    key = str(st.session_state.get(key_slot) or "")
    if workshop.is_open and not workshop_sessions.console_access(db, actor, workshop.id, key):
        if actor is not None and actor.verified:
            refuse(workshop, actor)
        ask_for_key(db, workshop, key_slot, key_in_address)
    return key


def refuse(workshop: Workshop, actor: Actor) -> None:
    """Signed in without the facilitator role: no key form, since a key does not stand in for
    the role."""
    st.title(markdown_text(workshop.title))
    st.warning(plain(refusal(actor, Permission.FACILITATE)), icon=":material/lock:")
    page_link(WORKSHOPS, label="All workshops", icon=":material/arrow_back:")
    st.stop()


def ask_for_key(db: Database, workshop: Workshop, key_slot: str, key_in_address: bool) -> None:
    st.title(markdown_text(workshop.title))
    st.warning(
        "This console is for the facilitator: type the facilitator key you kept when you "
        "created the workshop. This browser tab keeps it until it is reloaded or closed; it "
        "is never put in the page's address.",
        icon=":material/lock:",
    )
    if key_in_address:
        st.info("The key in the address was removed from it and not used: type it below.")
    with st.form(KEY_FORM, clear_on_submit=True):
        st.text_input("Facilitator key", type="password", key=KEY_TYPED)
        if st.session_state.get(KEY_ERROR):
            field_error({"key": st.session_state[KEY_ERROR]}, "key")
        opened = st.form_submit_button("Open the console", type="primary")
    if opened:
        typed = str(st.session_state.get(KEY_TYPED) or "").strip()
        if workshop_sessions.is_facilitator(db, workshop.id, typed):
            st.session_state.pop(KEY_ERROR, None)
            st.session_state[key_slot] = typed
        else:
            st.session_state[KEY_ERROR] = "That is not this workshop's facilitator key."
        st.rerun()
    page_link(WORKSHOPS, label="All workshops", icon=":material/arrow_back:")
    st.stop()


def load_console(db: Database, workshop: Workshop, key: str) -> Console:
    people = workshop_sessions.participants(db, workshop.id)
    return Console(
        db=db,
        workshop=workshop,
        key=key,
        criteria=current_criteria(db),
        items=workshop_sessions.workshop_items(db, workshop.id),
        state=workshop_sessions.workshop_state(db, workshop.id),
        recorded=workshop_consensus.outcomes(db, workshop.id),
        people=people,
        shown_name=shown_by_name([(p.id, p.name) for p in people], workshop.anonymise_names),
    )


def act(action: Callable[[], object], success: str) -> None:
    """Run a facilitator action; its refusal (a stale state, a wrong key) shows as a message."""
    _, errors = attempt(action)
    if errors:
        flash(errors.get("form") or "; ".join(errors.values()), "error")
    else:
        flash(success)
    st.rerun()


def step_label(criteria: RiskCriteria, scale: ScaleName) -> Callable[[int], str]:
    return lambda value: f"{value} · {criteria.step(scale, value).label}"


# --- header and projector block ------------------------------------------------------------------


def render_header(workshop: Workshop) -> Actor | None:
    """The title and what the workshop rates; the actor of every facilitator action."""
    page_link(WORKSHOPS, label="All workshops", icon=":material/arrow_back:")
    st.title(markdown_text(workshop.title))
    status = "open" if workshop.is_open else "closed"
    st.caption(
        f"{status.capitalize()} · facilitated by {markdown_text(workshop.facilitator)} · rating "
        f"the {TIERS[workshop.tier].lower()} risk · "
        f"{markdown_text(', '.join(workshop.system_names))}"
    )
    show_flash()
    # Every facilitator action records who did it: the signed-in person, or in local mode the
    # name given in the sidebar, as on every page.
    return require_actor_notice(Permission.FACILITATE) if workshop.is_open else None


def render_new_key(workshop: Workshop) -> None:
    new_key = st.session_state.get(WORKSHOP_NEW_KEY.format(workshop.id))
    if not new_key:
        return
    with st.container(border=True):
        st.warning(
            "Keep the facilitator key: it is shown only now, and it is the only way to run this "
            "workshop from another browser, or from this one after a reload. This browser tab "
            "holds it until the page is reloaded or closed; then the console asks for it again "
            "in a password field. It is never put in the page's address, so the projector and "
            "the browser's history do not show it. Hide this box before the room can see it.",
            icon=":material/key:",
        )
        st.code(new_key, language=None)
        if st.button("I have kept the key"):
            st.session_state.pop(WORKSHOP_NEW_KEY.format(workshop.id), None)
            st.rerun()


def render_join_block(console: Console) -> None:
    workshop = console.workshop
    if not workshop.is_open:
        closed = workshop.closed_at.strftime("%Y-%m-%d %H:%M UTC") if workshop.closed_at else ""
        st.info(
            f"This workshop closed {closed}: its join code no longer works.",
            icon=":material/lock:",
        )
        return
    link = join_link(st.context.url, workshop.code)
    # Large until the first item starts; then compact, so the item and its votes fill the
    # projector while late joiners can still read the code.
    large = console.state.current is None
    code_column, qr_column = st.columns([3, 1] if large else [5, 1], vertical_alignment="center")
    with code_column:
        st.markdown("Join on your phone or laptop with the code")
        # Big enough to read from the back of the room, with no markup of our own.
        (st.title if large else st.header)(plain(display_code(workshop.code)), anchor=False)
        # Inside a link's text no address is linked again, so the colons need no word joiner
        # (which would travel with the address when someone copies the text).
        shown_link = "\\:".join(plain(part) for part in link.split(":"))
        st.markdown(f"or open [{shown_link}]({link})")
        if is_local_only(link):
            st.caption(
                "This address only works on this computer. For phones, open the console "
                "through the machine's network name or IP address, and the link follows."
            )
    with qr_column:
        st.image(qr_png(link), caption="Scan to join", width=220 if large else 120)


# --- live progress -------------------------------------------------------------------------------


@st.fragment(run_every="1s")
def live_progress(db: Database, workshop_id: int, risk_id: int, round_number: int) -> None:
    """Who has voted in the open round (never what), re-read from the database every second."""
    progress = workshop_votes.voting_progress(db, workshop_id, risk_id, round_number)
    joined = progress[progress["joined"]]
    voted = joined[joined["voted"]]
    st.metric("Votes in", f"{len(voted)} of {len(joined)}")
    if len(joined):
        marks = [
            f"{':material/check_circle:' if row.voted else ':material/hourglass_empty:'} "
            f"{markdown_text(row.name)}"
            for row in joined.itertuples()
        ]
        st.markdown(" · ".join(marks))
    else:
        st.caption("Nobody has joined yet.")
    missing = progress[~progress["joined"]]
    if len(missing):
        st.caption(f"Expected, not joined yet: {markdown_text(', '.join(missing['name']))}")


# --- the reveal ----------------------------------------------------------------------------------


def votes_table(votes: list[VoteRecord]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "Member": vote.participant,
                "Likelihood": vote.likelihood,
                "Severity": vote.severity,
                "Level": vote.level,
                "Confidence": CONFIDENCE[vote.confidence].split(":")[0],
                "Comment": vote.comment,
                "Submissions": vote.submissions,
            }
            for vote in votes
        ]
    )


def reveal_panel(
    console: Console, item: WorkshopItem, round_number: int, outcome: Outcome | None
) -> None:
    db, workshop, criteria = console.db, console.workshop, console.criteria
    votes = workshop_votes.revealed_votes(db, workshop.id, item.risk_id, round_number)
    # The round's votes were cast on the criteria version current when it opened.
    rules = workshop_votes.round_criteria(db, workshop.id, item.risk_id, round_number)
    stats = vote_stats([(vote.likelihood, vote.severity) for vote in votes], rules)
    if stats is None:
        st.info("Nobody voted in this round.")
        return
    if rules.version != criteria.version:
        st.caption(
            f"Round {round_number} was rated under criteria version {rules.version} "
            f"({plain(rules.name)}); the criteria have changed since, and the consensus is "
            f"recorded under the current version {criteria.version}."
        )
    consensus = (
        (outcome.likelihood, outcome.severity)
        if outcome is not None and outcome.round == round_number
        else None
    )
    chart, numbers = st.columns([3, 2])
    with chart:
        st.plotly_chart(
            vote_matrix_figure(rules, votes, stats.median_cell, consensus),
            key=f"ws_matrix_{item.risk_id}_{round_number}",
            config={"displayModeBar": False},
        )
    with numbers:
        render_spread(stats)
    if stats.outliers:
        st.markdown("**Outliers** (two or more steps from the median, outside the usual spread)")
        for index in stats.outliers:
            vote = votes[index]
            comment = f": {markdown_text(vote.comment)}" if vote.comment else " (no comment)"
            who = markdown_text(vote.participant)
            st.markdown(f"- {who}: L{vote.likelihood} × S{vote.severity}{comment}")
    with st.expander(f"All {stats.count} votes with comments"):
        st.dataframe(votes_table(votes), hide_index=True, width="stretch")
    render_note(console, item, round_number)


def render_spread(stats: VoteStats) -> None:
    st.metric("Votes", stats.count)
    st.metric(
        "Median",
        f"L{stats.median_cell[0]} × S{stats.median_cell[1]}",
        help="The middle vote on each scale; between two steps it rounds up.",
    )
    st.caption(f"Median level: {plain(stats.median_level or 'off the scale')}")
    st.metric(
        "Interquartile range",
        f"L {stats.likelihood.iqr:g} · S {stats.severity.iqr:g}",
        help="How far apart the middle half of the votes lie, in steps (0 = all together).",
    )
    st.metric(
        "Agreement",
        f"{stats.agreement:.0%} ({stats.agreement_word})",
        help=AGREEMENT_RULE,
    )
    st.caption(
        f"{stats.agreeing} of {stats.count} vote{'s' if stats.count != 1 else ''} give "
        f"{plain(stats.median_level or 'the median level')} and lie within one step of the "
        "median."
        + (
            f" Fewer than {AGREEMENT_MIN_VOTES_FOR_STRONG} votes: never called strong."
            if stats.too_few_for_strong
            else ""
        )
    )


def render_note(console: Console, item: WorkshopItem, round_number: int) -> None:
    workshop = console.workshop
    note_key = f"ws_note_{item.risk_id}_{round_number}"
    saved_note = workshop_consensus.note_for(console.db, workshop.id, item.risk_id, round_number)
    if workshop.is_open and not console.projector:
        if note_key not in st.session_state:
            st.session_state[note_key] = saved_note
        st.text_area(
            f"Discussion note, round {round_number}",
            key=note_key,
            max_chars=NOTE_MAX,
            placeholder="What the committee said about the spread: arguments, evidence, doubts.",
        )
        field_error(st.session_state.get(f"{note_key}_errors", {}), "note")
        if st.button("Save the note", key=f"{note_key}_save", disabled=console.no_actor):
            save_note(console, item, round_number, note_key)
    elif saved_note:
        st.markdown(f"**Discussion:** {markdown_text(saved_note)}")


def save_note(console: Console, item: WorkshopItem, round_number: int, note_key: str) -> None:
    """Validate the note (the message goes beside the field, the text stays) and save it."""
    note, errors = attempt(lambda: NoteInput(note=str(st.session_state.get(note_key) or "")))
    if note is None:
        st.session_state[f"{note_key}_errors"] = errors
        st.rerun()
    st.session_state.pop(f"{note_key}_errors", None)
    act(
        lambda: workshop_consensus.save_note(
            console.db,
            console.acting,
            console.workshop.id,
            console.key,
            item.risk_id,
            round_number,
            note,
        ),
        "Note saved.",
    )


# --- the consensus -------------------------------------------------------------------------------


def consensus_form(console: Console, item: WorkshopItem, round_number: int) -> None:
    db, workshop, criteria = console.db, console.workshop, console.criteria
    votes = workshop_votes.revealed_votes(db, workshop.id, item.risk_id, round_number)
    rules = workshop_votes.round_criteria(db, workshop.id, item.risk_id, round_number)
    stats = vote_stats([(vote.likelihood, vote.severity) for vote in votes], rules)
    prefix = f"ws_consensus_{item.risk_id}_{round_number}_"
    # The median is the default, if it is on today's scales (the criteria may have changed
    # since the round opened, and the consensus is recorded under today's).
    if (
        stats is not None
        and prefix + "likelihood" not in st.session_state
        and not scale_problems(criteria, *stats.median_cell)
    ):
        st.session_state[prefix + "likelihood"] = stats.median_cell[0]
        st.session_state[prefix + "severity"] = stats.median_cell[1]
    errors: dict[str, str] = st.session_state.get(prefix + "errors", {})
    st.subheader("Record the consensus")
    if stats is not None:
        st.caption(
            f"Defaults to the median of round {round_number} (L{stats.median_cell[0]} × "
            f"S{stats.median_cell[1]}). Choosing another rating needs a reason."
        )
    if errors.get("form"):
        st.error(errors["form"])
    with st.form(prefix + "form"):
        consensus_fields(console, prefix, errors)
        submitted = st.form_submit_button(
            "Record the consensus", type="primary", disabled=console.no_actor
        )
    if submitted:
        record(console, item, prefix)


def consensus_fields(console: Console, prefix: str, errors: dict[str, str]) -> None:
    criteria = console.criteria
    left, right = st.columns(2)
    left.selectbox(
        "Likelihood",
        [step.value for step in criteria.likelihood],
        format_func=step_label(criteria, "likelihood"),
        key=prefix + "likelihood",
    )
    with left:
        field_error(errors, "likelihood")
    right.selectbox(
        "Severity",
        [step.value for step in criteria.severity],
        format_func=step_label(criteria, "severity"),
        key=prefix + "severity",
    )
    with right:
        field_error(errors, "severity")
    st.text_area(
        "Rationale *",
        key=prefix + "rationale",
        max_chars=RATIONALE_MAX,
        help="Why the committee settles on this rating; it goes into the risk's history.",
    )
    field_error(errors, "rationale")
    st.text_area(
        "Why not the median? (needed when the rating differs from it)",
        key=prefix + "override_reason",
        max_chars=RATIONALE_MAX,
    )
    field_error(errors, "override_reason")
    st.multiselect(
        "Dissenting members",
        [person.name for person in console.people],
        format_func=lambda name: console.shown_name.get(name, name),
        key=prefix + "dissenting",
        help="Anonymised workshops show members by number here, as in the reveal and the "
        "minutes; each member's own screen tells them their number."
        if console.workshop.anonymise_names
        else "The minutes name them.",
    )
    field_error(errors, "dissenting")
    st.text_area(
        "Dissent",
        key=prefix + "dissent",
        max_chars=DISSENT_MAX,
        help="What the dissenting members think and why, in their own terms.",
    )
    field_error(errors, "dissent")
    st.text_area(
        "Agreed actions (one per line)", key=prefix + "actions", placeholder="Owner: action"
    )
    field_error(errors, "actions")


def record(console: Console, item: WorkshopItem, prefix: str) -> None:
    values = {
        "likelihood": st.session_state.get(prefix + "likelihood"),
        "severity": st.session_state.get(prefix + "severity"),
        "rationale": st.session_state.get(prefix + "rationale") or "",
        "override_reason": st.session_state.get(prefix + "override_reason") or "",
        "dissent": st.session_state.get(prefix + "dissent") or "",
        "dissenting": st.session_state.get(prefix + "dissenting") or [],
        "actions": str(st.session_state.get(prefix + "actions") or "").splitlines(),
    }
    _, new_errors = attempt(
        lambda: workshop_consensus.record_consensus(
            console.db,
            console.acting,
            console.workshop.id,
            console.key,
            item.risk_id,
            ConsensusInput.model_validate(values),
        )
    )
    if not new_errors:
        flash("Consensus recorded in the risk's rating history.")
    if new_errors and "form" not in new_errors:
        new_errors["form"] = "Nothing was recorded: please correct the fields marked below."
    st.session_state[prefix + "errors"] = new_errors
    st.rerun()


def outcome_summary(console: Console, item: WorkshopItem, outcome: Outcome) -> None:
    st.success(
        f"Consensus recorded: L{outcome.likelihood} × S{outcome.severity} = "
        f"{plain(outcome.level)} (by {markdown_text(outcome.recorded_by)}).",
        icon=":material/gavel:",
    )
    st.markdown(f"**Rationale:** {markdown_text(outcome.rationale)}")
    if outcome.override_reason:
        st.markdown(f"**Why not the median:** {markdown_text(outcome.override_reason)}")
    if outcome.dissent:
        names = ", ".join(console.shown_name.get(name, name) for name in outcome.dissenting)
        who = f" ({markdown_text(names)})" if names else ""
        st.markdown(f"**Dissent{who}:** {markdown_text(outcome.dissent)}")
    for action in outcome.actions:
        st.markdown(f"- {markdown_text(action)}")
    st.markdown(f"[Open the risk and its rating history](risk?id={item.risk_id})")


def round_tab(number: int, latest: int) -> str:
    return f"Round {number} (latest)" if number == latest else f"Round {number}"


# --- the current item ----------------------------------------------------------------------------


def render_current_item(console: Console) -> None:
    current = console.state.current
    if not console.workshop.is_open and console.items:
        current = reviewed_item(console, current)
    if current is None:
        render_no_item(console)
    else:
        render_item(console, current)


def reviewed_item(console: Console, current: ItemState | None) -> ItemState | None:
    """Reviewing a closed workshop: any item can be looked at (nothing is shown to anyone
    else)."""
    state, by_id = console.state, console.by_id
    started = [entry.risk_id for entry in console.items if state.items[entry.risk_id].rounds]
    if not started:
        return current
    reviewed = st.selectbox(
        "Item",
        started,
        index=started.index(current.risk_id) if current and current.risk_id in started else 0,
        format_func=lambda risk_id: f"{by_id[risk_id].position}. {by_id[risk_id].title}",
        key=REVIEW_ITEM,
    )
    return state.items[reviewed]


def render_no_item(console: Console) -> None:
    if not console.items:
        st.info("This workshop has no items.")
    elif console.workshop.is_open:
        first = console.items[0]
        st.info(
            "No item is open yet. Starting an item shows it on every participant's screen "
            "and opens its first round of votes.",
            icon=":material/play_circle:",
        )
        if st.button(
            f"Start item 1: {markdown_text(first.title)}",
            type="primary",
            disabled=console.no_actor,
        ):
            act(go_to(console, first.risk_id), "Item 1 is open for votes.")


def go_to(console: Console, risk_id: int) -> Callable[[], None]:
    return lambda: workshop_votes.go_to_item(
        console.db, console.acting, console.workshop.id, console.key, risk_id
    )


def render_item(console: Console, current: ItemState) -> None:
    db, workshop = console.db, console.workshop
    item = console.by_id[current.risk_id]
    outcome = console.recorded.get(item.risk_id)
    st.header(f"Item {item.position} of {len(console.items)}: {markdown_text(item.title)}")
    st.caption(f"AI system: {markdown_text(item.system_name)} · round {current.rounds}")
    if reason := item.out_of_scope():
        st.warning(
            f"{markdown_text(reason)} since the agenda was set: it no longer needs a decision. "
            "A consensus recorded here still goes into the risk's history; move on to the "
            "next item unless the committee wants it on record.",
            icon=":material/info:",
        )
    if item.description:
        st.markdown(markdown_text(item.description))
    if current.phase == PHASE_VOTING and workshop.is_open:
        live_progress(db, workshop.id, item.risk_id, current.rounds)
        if st.button(
            "Reveal the votes",
            type="primary",
            icon=":material/visibility:",
            disabled=console.no_actor,
        ):
            act(
                lambda: workshop_votes.reveal_votes(
                    db, console.acting, workshop.id, console.key, item.risk_id
                ),
                f"Round {current.rounds} revealed.",
            )
    render_rounds(console, item, current, outcome)
    if current.phase == PHASE_REVEALED and workshop.is_open and not console.projector:
        render_after_reveal(console, item, current)
    if outcome is not None:
        outcome_summary(console, item, outcome)
    recorded_here = workshop.is_open and current.phase == PHASE_RECORDED
    following = next_item(console.items, console.state, item.risk_id) if recorded_here else None
    if following is not None and st.button(
        f"Next item: {markdown_text(following.title)}",
        type="primary",
        disabled=console.no_actor,
    ):
        act(go_to(console, following.risk_id), f"Item {following.position} is open.")


def render_rounds(
    console: Console, item: WorkshopItem, current: ItemState, outcome: Outcome | None
) -> None:
    revealed_rounds = sorted(current.revealed)
    if len(revealed_rounds) == 1:
        reveal_panel(console, item, revealed_rounds[0], outcome)
    elif revealed_rounds:
        # The newest round is what the room discusses: its tab opens, and a new reveal (a new
        # set of tabs) opens on it again. Earlier rounds stay a click away, unchanged.
        labels = [round_tab(number, revealed_rounds[-1]) for number in revealed_rounds]
        tabs = st.tabs(labels, default=labels[-1])
        for tab, number in zip(tabs, revealed_rounds, strict=True):
            with tab:
                reveal_panel(console, item, number, outcome)


def render_after_reveal(console: Console, item: WorkshopItem, current: ItemState) -> None:
    if current.rounds < MAX_ROUNDS and st.button(
        f"Start round {current.rounds + 1} on this item",
        help="Everyone rates again after the discussion; this round stays as it is.",
        disabled=console.no_actor,
    ):
        act(
            lambda: workshop_votes.start_new_round(
                console.db, console.acting, console.workshop.id, console.key, item.risk_id
            ),
            f"Round {current.rounds + 1} is open for votes.",
        )
    consensus_form(console, item, current.rounds)


# --- agenda, closing, minutes --------------------------------------------------------------------


def render_agenda(console: Console) -> None:
    state = console.state
    st.subheader("Agenda")
    for entry in console.items:
        entry_state = state.items[entry.risk_id]
        name_column, phase_column, go_column = st.columns([6, 2, 2], vertical_alignment="center")
        marker = "▶ " if entry.risk_id == state.current_risk_id else ""
        title, system = markdown_text(entry.title), markdown_text(entry.system_name)
        name_column.markdown(f"{marker}**{entry.position}. {title}** · {system}")
        label = PHASE_LABELS[entry_state.phase]
        if entry_state.rounds > 1:
            label += f" (round {entry_state.rounds})"
        phase_column.caption(label)
        movable = console.workshop.is_open and entry.risk_id != state.current_risk_id
        if movable and go_column.button(
            "Go to this item", key=f"ws_go_{entry.risk_id}", disabled=console.no_actor
        ):
            act(go_to(console, entry.risk_id), "Everyone now sees that item.")


def participant_list(db: Database, workshop_id: int) -> None:
    """Who has joined so far (a fragment: late joiners appear without a click while the
    workshop runs)."""
    joined = workshop_sessions.participants(db, workshop_id)
    st.subheader("Participants")
    if joined:
        st.markdown(", ".join(markdown_text(person.name) for person in joined))
    else:
        st.caption("Nobody has joined yet.")


def render_minutes(console: Console) -> None:
    db, workshop = console.db, console.workshop
    st.subheader("Minutes")
    st.caption(
        "Attendees, each revealed round's ratings ("
        + ("anonymised" if workshop.anonymise_names else "with names")
        + "), consensus, dissent and actions."
    )
    pdf_column, markdown_column = st.columns(2)
    pdf_column.download_button(
        "Minutes (PDF)",
        data=lambda: minutes_pdf(workshop_consensus.workshop_record(db, workshop.id)),
        file_name=f"{file_stem(workshop.id, workshop.title)}.pdf",
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
    )
    markdown_column.download_button(
        "Minutes (Markdown)",
        data=lambda: minutes_markdown(workshop_consensus.workshop_record(db, workshop.id)),
        file_name=f"{file_stem(workshop.id, workshop.title)}.md",
        mime="text/markdown",
        on_click="ignore",
        icon=":material/description:",
    )


def render_closing(console: Console) -> None:
    with st.expander("Close the workshop"):
        st.write(
            "Closing ends the workshop: the join code stops working and no more votes are "
            "taken. Recorded consensus ratings stay in the risks' histories."
        )
        unrecorded = [e for e in console.items if not console.state.items[e.risk_id].recorded]
        if unrecorded:
            st.warning(f"{len(unrecorded)} item(s) have no recorded consensus.")
        sure = st.checkbox("Yes, close this workshop", key=CLOSE_SURE)
        if st.button("Close the workshop", disabled=not sure or console.no_actor, type="primary"):
            act(
                lambda: workshop_sessions.close_workshop(
                    console.db, console.acting, console.workshop.id, console.key
                ),
                "The workshop is closed.",
            )


run_page(main)
