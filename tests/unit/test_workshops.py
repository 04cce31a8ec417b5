"""The workshop rules on their own: codes, keys, links, the round lifecycle and the statistics."""

from __future__ import annotations

import re
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from assessments.criteria import default_criteria
from assessments.errors import ConflictError, field_messages
from assessments.workshops import (
    AGREEMENT_MIN_VOTES_FOR_STRONG,
    CODE_ALPHABET,
    CODE_LENGTH,
    EVENT_CLOSE,
    EVENT_FOCUS,
    EVENT_OPEN_ROUND,
    EVENT_RECORD,
    EVENT_REVEAL,
    MAX_ROUNDS,
    PHASE_RECORDED,
    PHASE_REVEALED,
    PHASE_VOTING,
    PHASE_WAITING,
    WORD_JOINER,
    ConsensusInput,
    Event,
    JoinInput,
    NoteInput,
    VoteInput,
    WorkshopInput,
    WorkshopItem,
    check_focus,
    check_new_round,
    check_record,
    check_reveal,
    consensus_problems,
    derive_state,
    display_code,
    is_local_only,
    is_well_formed_code,
    join_link,
    markdown_text,
    median_confidence,
    median_step,
    new_join_code,
    new_secret,
    next_item,
    normalise_code,
    pseudonyms,
    scale_problems,
    secret_hash,
    secret_matches,
    shown_by_name,
    shown_names,
    spread,
    vote_refusal,
    vote_stats,
)

# --- codes, keys and links -----------------------------------------------------------------------


def test_the_alphabet_has_32_symbols_without_look_alikes() -> None:
    assert len(CODE_ALPHABET) == len(set(CODE_ALPHABET)) == 32
    assert not set("ILOU") & set(CODE_ALPHABET)


def test_join_codes_are_long_enough_and_from_the_alphabet() -> None:
    codes = {new_join_code() for _ in range(500)}
    assert CODE_LENGTH >= 6
    assert all(len(code) == CODE_LENGTH and is_well_formed_code(code) for code in codes)
    # 32**6 codes: 500 draws from a cryptographic source practically never repeat.
    assert len(codes) >= 499


def test_a_typed_code_is_normalised_the_crockford_way() -> None:
    assert normalise_code(" k7m-q2x ") == "K7MQ2X"
    assert normalise_code("io1-l0o") == "101100"
    assert normalise_code(display_code("ABC123")) == "ABC123"
    assert display_code("ABC123") == "ABC-123"


@pytest.mark.parametrize("code", ["", "ABC12", "ABC1234", "ABCU12", "ABC 12!"])
def test_malformed_codes_are_recognised(code: str) -> None:
    assert not is_well_formed_code(normalise_code(code))


def test_secrets_are_random_and_only_their_hash_is_compared() -> None:
    first, second = new_secret(), new_secret()
    assert first != second and len(first) >= 32
    stored = secret_hash(first)
    assert stored != first
    assert secret_matches(first, stored)
    assert not secret_matches(second, stored)
    assert not secret_matches(None, stored)
    assert not secret_matches("", stored)


@pytest.mark.parametrize(
    ("page_url", "expected"),
    [
        (
            "http://10.0.0.5:8501/workshop_console",
            "http://10.0.0.5:8501/workshop_join?code=K7MQ2X",
        ),
        (
            "https://aims.example.org/tools/workshop_console",
            "https://aims.example.org/tools/workshop_join?code=K7MQ2X",
        ),
        (None, "/workshop_join?code=K7MQ2X"),
    ],
)
def test_the_join_link_follows_the_address_the_facilitator_uses(
    page_url: str | None, expected: str
) -> None:
    assert join_link(page_url, "K7MQ2X") == expected


def test_a_localhost_link_is_flagged_as_local_only() -> None:
    assert is_local_only("http://localhost:8501/workshop_join?code=A")
    assert is_local_only("http://127.0.0.1:8501/x")
    assert not is_local_only("http://192.168.1.20:8501/workshop_join?code=A")


# --- inputs --------------------------------------------------------------------------------------


def test_a_name_is_required_and_tidied() -> None:
    with pytest.raises(ValidationError):
        JoinInput(name="   ")
    assert JoinInput(name="  Ada   Park ").name == "Ada Park"


def test_vote_input_checks_confidence_and_comment_length() -> None:
    with pytest.raises(ValidationError, match="confidence"):
        VoteInput(likelihood=3, severity=3, confidence="certain")
    with pytest.raises(ValidationError, match="comment"):
        VoteInput(likelihood=3, severity=3, comment="x" * 1001)


def test_scale_problems_name_the_field_off_the_scale() -> None:
    criteria = default_criteria()
    assert scale_problems(criteria, 3, 4) == {}
    problems = scale_problems(criteria, 0, 6)
    assert set(problems) == {"likelihood", "severity"}
    assert "1 to 5" in problems["severity"]


def test_workshop_input_cleans_expected_names_and_checks_the_tier() -> None:
    data = WorkshopInput(
        title="Review",
        facilitator="Helena",
        system_ids=[1, 1, 2],
        risk_ids=[5, 5],
        expected_participants=["Ada", " Ada ", "", "Bo  Chen"],
    )
    assert data.system_ids == [1, 2] and data.risk_ids == [5]
    assert data.expected_participants == ["Ada", "Bo Chen"]
    with pytest.raises(ValidationError, match="tier"):
        WorkshopInput(title="R", facilitator="H", system_ids=[1], risk_ids=[5], tier="hoped-for")
    with pytest.raises(ValidationError):
        WorkshopInput(title="R", facilitator="H", system_ids=[], risk_ids=[5])


def test_a_workshop_needs_something_to_rate_and_says_so_beside_the_risks() -> None:
    with pytest.raises(ValidationError) as nothing:
        WorkshopInput(title="R", facilitator="H", system_ids=[1])
    assert field_messages(nothing.value) == {
        "risk_ids": "Choose at least one risk to rate, or draft one."
    }


def test_a_note_has_a_length_limit_and_is_trimmed() -> None:
    assert NoteInput(note="  Spread discussed.  ").note == "Spread discussed."
    assert NoteInput(note="").note == ""
    with pytest.raises(ValidationError) as too_long:
        NoteInput(note="x" * 4001)
    assert field_messages(too_long.value) == {"note": "at most 4000 characters, please"}


def test_departing_from_the_median_needs_a_reason() -> None:
    base = {"rationale": "Because."}
    same = ConsensusInput(likelihood=3, severity=4, **base)
    other = ConsensusInput(likelihood=4, severity=4, **base)
    assert consensus_problems(same, (3, 4), []) == {}
    assert "override_reason" in consensus_problems(other, (3, 4), [])
    explained = ConsensusInput(likelihood=4, severity=4, override_reason="New evidence.", **base)
    assert consensus_problems(explained, (3, 4), []) == {}


def test_dissenters_must_have_taken_part_and_their_view_be_noted() -> None:
    stranger = ConsensusInput(
        likelihood=3, severity=4, rationale="R", dissent="Worse.", dissenting=["Zed"]
    )
    assert "dissenting" in consensus_problems(stranger, (3, 4), ["Ada"])
    silent = ConsensusInput(likelihood=3, severity=4, rationale="R", dissenting=["Ada"])
    assert "dissent" in consensus_problems(silent, (3, 4), ["Ada"])


# --- the round lifecycle -------------------------------------------------------------------------


def state_after(*events: Event, recorded: tuple[int, ...] = ()):
    return derive_state([10, 20], list(events), recorded)


def test_a_new_workshop_waits_for_its_first_item() -> None:
    state = state_after()
    assert state.is_open and state.current is None
    assert state.items[10].phase == PHASE_WAITING
    assert vote_refusal(state, 10, 1) is not None


def test_the_state_follows_the_facilitator_through_two_rounds() -> None:
    focus = Event(kind=EVENT_FOCUS, risk_id=10)
    round_one = Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=1)
    state = state_after(focus, round_one)
    assert state.current_risk_id == 10 and state.items[10].phase == PHASE_VOTING
    assert state.voting_open(10, 1) and vote_refusal(state, 10, 1) is None
    assert not state.voting_open(20, 1)

    reveal_one = Event(kind=EVENT_REVEAL, risk_id=10, round=1)
    state = state_after(focus, round_one, reveal_one)
    assert state.items[10].phase == PHASE_REVEALED
    assert "revealed" in (vote_refusal(state, 10, 1) or "")

    round_two = Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=2)
    state = state_after(focus, round_one, reveal_one, round_two)
    assert state.items[10].phase == PHASE_VOTING and state.items[10].rounds == 2
    assert "over" in (vote_refusal(state, 10, 1) or "")
    assert vote_refusal(state, 10, 2) is None

    reveal_two = Event(kind=EVENT_REVEAL, risk_id=10, round=2)
    recorded = Event(kind=EVENT_RECORD, risk_id=10, round=2)
    state = state_after(focus, round_one, reveal_one, round_two, reveal_two, recorded)
    assert state.items[10].phase == PHASE_RECORDED
    assert state.items[10].revealed == {1, 2}
    assert vote_refusal(state, 10, 2) is not None


def test_moving_to_another_item_closes_voting_on_the_first() -> None:
    state = state_after(
        Event(kind=EVENT_FOCUS, risk_id=10),
        Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=1),
        Event(kind=EVENT_FOCUS, risk_id=20),
        Event(kind=EVENT_OPEN_ROUND, risk_id=20, round=1),
    )
    assert "not open" in (vote_refusal(state, 10, 1) or "")
    assert vote_refusal(state, 20, 1) is None
    assert "agenda" in (vote_refusal(state, 99, 1) or "")


def test_a_closed_workshop_takes_no_votes_and_no_actions() -> None:
    state = state_after(
        Event(kind=EVENT_FOCUS, risk_id=10),
        Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=1),
        Event(kind=EVENT_CLOSE),
    )
    assert not state.is_open
    assert "closed" in (vote_refusal(state, 10, 1) or "")
    with pytest.raises(ConflictError, match="closed"):
        check_reveal(state, 10, 3)
    with pytest.raises(ConflictError, match="closed"):
        check_focus(state, 20)


def test_facilitator_steps_are_checked_in_order() -> None:
    focus = Event(kind=EVENT_FOCUS, risk_id=10)
    round_one = Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=1)
    voting = state_after(focus, round_one)
    assert check_focus(state_after(), 10) is True
    assert check_focus(voting, 10) is False
    with pytest.raises(ConflictError, match="Nobody has voted"):
        check_reveal(voting, 10, 0)
    assert check_reveal(voting, 10, 2) == 1
    with pytest.raises(ConflictError, match="Reveal"):
        check_record(voting, 10)
    with pytest.raises(ConflictError, match="after the current one"):
        check_new_round(voting, 10)
    with pytest.raises(ConflictError, match="current item"):
        check_reveal(voting, 20, 2)
    revealed = state_after(focus, round_one, Event(kind=EVENT_REVEAL, risk_id=10, round=1))
    assert check_new_round(revealed, 10) == 2
    assert check_record(revealed, 10) == 1
    with pytest.raises(ConflictError, match="already recorded"):
        check_record(state_after(focus, round_one, recorded=(10,)), 10)


def test_rounds_are_limited() -> None:
    events = [Event(kind=EVENT_FOCUS, risk_id=10)]
    for number in range(1, MAX_ROUNDS + 1):
        events += [
            Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=number),
            Event(kind=EVENT_REVEAL, risk_id=10, round=number),
        ]
    with pytest.raises(ConflictError, match="at most"):
        check_new_round(derive_state([10], events, []), 10)


def agenda(*risk_ids: int) -> list[WorkshopItem]:
    return [
        WorkshopItem(
            risk_id=risk_id,
            position=position,
            title=f"Risk {risk_id}",
            system_id=1,
            system_name="S",
            harm_category="fairness",
        )
        for position, risk_id in enumerate(risk_ids, start=1)
    ]


def test_the_next_item_is_the_first_later_one_not_yet_recorded() -> None:
    items = agenda(10, 20, 30)
    state = derive_state([10, 20, 30], [Event(kind=EVENT_FOCUS, risk_id=10)], [20])
    following = next_item(items, state, 10)
    assert following is not None and following.risk_id == 30  # 20 is recorded already
    assert next_item(items, state, 30) is None  # the end of the agenda
    fresh = derive_state([10, 20, 30], [], [])
    assert next_item(items, fresh, 20) == items[2]
    assert next_item(items, fresh, 99) is None  # not on the agenda
    assert next_item(items, derive_state([10, 20, 30], [], [20, 30]), 10) is None


def test_the_signature_changes_with_what_participants_must_see() -> None:
    focus = Event(kind=EVENT_FOCUS, risk_id=10)
    round_one = Event(kind=EVENT_OPEN_ROUND, risk_id=10, round=1)
    signatures = {
        state_after().signature(),
        state_after(focus, round_one).signature(),
        state_after(focus, round_one, Event(kind=EVENT_REVEAL, risk_id=10, round=1)).signature(),
        state_after(focus, round_one, Event(kind=EVENT_CLOSE)).signature(),
    }
    assert len(signatures) == 4


# --- statistics ----------------------------------------------------------------------------------


def test_stats_of_a_known_round() -> None:
    votes = [(3, 4), (4, 4), (2, 3), (3, 3), (4, 5), (2, 4), (3, 4)]
    stats = vote_stats(votes, default_criteria())
    assert stats is not None
    assert stats.count == 7
    assert stats.median_cell == (3, 4) and stats.median_level == "High"
    assert stats.likelihood.median == 3 and stats.likelihood.iqr == 1.0
    assert stats.severity.q1 == 3.5 and stats.severity.q3 == 4.0
    # Every vote is within one step of the median cell, but the room is split across Medium,
    # High and Critical: only the three votes at High next to the median agree.
    assert stats.agreeing == 3 and stats.agreement_word == "weak"
    assert stats.outliers == ()


def test_two_members_split_across_levels_do_not_agree() -> None:
    """The new-user test: L3 × S3 (Medium) and L4 × S4 (High) was shown as 100 % strong."""
    stats = vote_stats([(3, 3), (4, 4)], default_criteria())
    assert stats is not None
    assert stats.median_cell == (4, 4) and stats.median_level == "High"
    assert stats.agreement == 0.5 and stats.agreement_word == "weak"
    assert stats.agreement_text == "50% (weak)"


def test_a_unanimous_handful_is_not_called_strong() -> None:
    three = vote_stats([(2, 2)] * 3, default_criteria())
    four = vote_stats([(2, 2)] * 4, default_criteria())
    assert three is not None and four is not None
    assert three.agreement == 1.0 and three.agreement_word == "moderate"
    assert three.agreement_text == (
        f"100% (moderate: fewer than {AGREEMENT_MIN_VOTES_FOR_STRONG} votes)"
    )
    assert four.agreement_word == "strong" and four.agreement_text == "100% (strong)"
    assert "fewer than" in three.summary() and "agreement 100% (strong)" in four.summary()


def test_votes_far_from_the_median_do_not_agree_even_at_the_same_level() -> None:
    # L4 × S1 is Low like the median L1 × S1, but three steps away from it. (This used L1 × S4,
    # which the default 5 x 5 now rates Medium: severity 4 is at least Medium.)
    stats = vote_stats([(1, 1)] * 3 + [(4, 1)], default_criteria())
    assert stats is not None
    assert stats.median_level == "Low" and stats.agreeing == 3
    assert stats.agreement_word == "moderate"


def test_a_lone_far_vote_is_an_outlier_and_lowers_agreement() -> None:
    votes = [(2, 3), (2, 3), (2, 3), (3, 3), (2, 2), (2, 3), (5, 3)]
    stats = vote_stats(votes, default_criteria())
    assert stats is not None
    assert stats.median_cell == (2, 3)
    assert stats.outliers == (6,)
    # (2, 2) is Low and (5, 3) High: five of seven give Medium next to the median.
    assert stats.agreement == pytest.approx(5 / 7)


def test_one_step_off_a_unanimous_room_is_not_an_outlier() -> None:
    stats = vote_stats([(3, 3)] * 5 + [(4, 3)], default_criteria())
    assert stats is not None and stats.outliers == ()


def test_a_split_room_has_weak_agreement() -> None:
    stats = vote_stats([(1, 1), (1, 1), (5, 5), (5, 5)], default_criteria())
    assert stats is not None
    assert stats.agreement == 0.0 and stats.agreement_word == "weak"
    assert stats.likelihood.iqr == 4.0


def test_no_votes_no_stats_and_one_vote_is_its_own_median() -> None:
    assert vote_stats([], default_criteria()) is None
    single = vote_stats([(2, 5)], default_criteria())
    assert single is not None
    assert single.median_cell == (2, 5) and single.likelihood.iqr == 0
    with pytest.raises(ValueError):
        spread([])


def test_a_median_between_two_steps_rounds_up() -> None:
    assert median_step([2, 3]) == 3
    assert median_step([1, 2, 4, 5]) == 3
    assert median_step([1, 1, 2]) == 1


votes_strategy = st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=40)


@given(votes_strategy)
def test_stats_stay_within_the_votes(votes: list[tuple[int, int]]) -> None:
    stats = vote_stats(votes, default_criteria())
    assert stats is not None
    likelihoods = [likelihood for likelihood, _ in votes]
    severities = [severity for _, severity in votes]
    assert min(likelihoods) <= stats.median_cell[0] <= max(likelihoods)
    assert min(severities) <= stats.median_cell[1] <= max(severities)
    assert abs(stats.median_cell[0] - statistics.median(likelihoods)) <= 0.5
    assert 0 <= stats.likelihood.iqr <= max(likelihoods) - min(likelihoods)
    assert 0.0 <= stats.agreement <= 1.0
    assert all(0 <= index < len(votes) for index in stats.outliers)
    if len(set(votes)) == 1:
        assert stats.agreement == 1.0 and not stats.outliers
    if stats.agreement_word == "strong":
        assert len(votes) >= AGREEMENT_MIN_VOTES_FOR_STRONG
    # A vote agrees only at the median's level: a room spread over levels cannot be unanimous.
    levels = {default_criteria().level_for(*vote).name for vote in votes}
    if len(levels) > 1:
        assert stats.agreement < 1.0


def test_median_confidence_and_pseudonyms() -> None:
    assert median_confidence(["low", "high", "high"]) == "high"
    assert median_confidence(["low", "high"]) == "low"
    assert median_confidence([]) == "medium"
    assert pseudonyms([7, 3]) == {7: "Member 1", 3: "Member 2"}
    people = [(7, "Ada"), (3, "Bo")]
    assert shown_names(people, anonymise=False) == {7: "Ada", 3: "Bo"}
    assert shown_names(people, anonymise=True) == {7: "Member 1", 3: "Member 2"}
    assert shown_by_name(people, anonymise=False) == {"Ada": "Ada", "Bo": "Bo"}
    assert shown_by_name(people, anonymise=True) == {"Ada": "Member 1", "Bo": "Member 2"}


# --- people's text in Markdown --------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "Review http://x.example/a_b",
        "HTTPS://X.EXAMPLE",
        "see www.example.org today",
        "write to a@b.example",
        "**bold** [link](http://x) :red[alarm] :material/home: 10:30",
    ],
)
def test_text_shows_as_typed_and_never_as_a_link(typed: str) -> None:
    shown = markdown_text(typed)
    # Nothing Markdown could link or style is left bare ...
    for bare in ("://", "www.", "WWW.", "**", "[", ":red", ":material", "10:30"):
        assert not re.search(r"(?<!\\)" + re.escape(bare), shown), bare
    assert not re.search(r"[\w.+-]@", shown)  # an email address needs its name before the @
    # ... and a reader sees exactly what was typed (escapes resolved, word joiners invisible).
    assert re.sub(r"\\(.)", r"\1", shown).replace(WORD_JOINER, "") == typed


# --- the reveal chart ----------------------------------------------------------------------------


def test_the_vote_matrix_has_one_mark_per_voted_cell_sized_by_count() -> None:
    from datetime import datetime

    from assessments.charts.workshop import qr_png, vote_matrix_figure
    from assessments.workshops import VoteRecord

    def cast(name: str, likelihood: int, severity: int, comment: str = "") -> VoteRecord:
        return VoteRecord(
            participant_id=len(name),
            participant=name,
            likelihood=likelihood,
            severity=severity,
            level="High",
            confidence="medium",
            comment=comment,
            submitted_at=datetime(2026, 1, 1),
        )

    votes = [cast("Ada", 3, 4), cast("Bo", 3, 4), cast("Cy", 5, 2, "<b>worst</b> case")]
    figure = vote_matrix_figure(default_criteria(), votes, (3, 4), (3, 4))
    marks = figure.data[-1]
    assert list(zip(marks.y, marks.x, marks.text, strict=True)) == [(3, 4, "2"), (5, 2, "1")]
    assert marks.marker.size[0] > marks.marker.size[1]
    assert "&lt;b&gt;worst&lt;/b&gt;" in marks.customdata[1]  # people's words never become HTML
    assert len(figure.layout.shapes) == 25 + 2  # the grid, the median and consensus outlines
    assert qr_png("http://example.org/workshop_join?code=ABC123").startswith(b"\x89PNG")


def test_every_vote_stays_visible_on_the_matrix() -> None:
    """The new-user test: 7 votes, 6 visible (the consensus star sat on a one-vote bubble),
    and level names under the bubbles."""
    from datetime import datetime

    from assessments.charts.workshop import vote_matrix_figure
    from assessments.workshops import VoteRecord

    cells = [(3, 3), (3, 3), (3, 3), (3, 4), (3, 4), (2, 3), (4, 4)]
    votes = [
        VoteRecord(
            participant_id=number,
            participant=f"Member {number}",
            likelihood=likelihood,
            severity=severity,
            level="Medium",
            confidence="medium",
            submitted_at=datetime(2026, 1, 1),
        )
        for number, (likelihood, severity) in enumerate(cells, start=1)
    ]
    criteria = default_criteria()
    figure = vote_matrix_figure(criteria, votes, median_cell=(3, 3), consensus_cell=(4, 4))
    marks = figure.data[-1]
    # The bubbles are drawn last, over everything; each voted cell has one, with its count.
    assert marks.name.startswith("Votes (7")
    assert dict(zip(zip(marks.y, marks.x, strict=True), marks.text, strict=True)) == {
        (2, 3): "1",
        (3, 3): "3",
        (3, 4): "2",
        (4, 4): "1",
    }
    assert sum(int(count) for count in marks.text) == len(votes)
    # The consensus star sits in its cell's corner, never on a bubble's centre.
    star = next(trace for trace in figure.data if trace.name.startswith("Consensus"))
    spot = (star.y[0], star.x[0])
    assert spot not in set(zip(marks.y, marks.x, strict=True))
    assert abs(spot[0] - 4) < 0.5 and abs(spot[1] - 4) < 0.5
    # Nothing is written inside the cells: the level names are in the legend.
    assert not figure.layout.annotations
    legend = {trace.name for trace in figure.data if trace.showlegend is not False}
    assert set(criteria.level_names()) <= legend
    # The biggest bubble stays inside its cell (a fifth of the plot's height, less margins).
    assert max(marks.marker.size) < (460 - 110) / 5
