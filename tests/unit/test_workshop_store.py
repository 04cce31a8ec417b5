"""Workshops in the store: access, votes, the blind, rounds, consensus into the risk history,
minutes, export, demo, and 30 concurrent voters on the page's own code path."""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass

import pytest
from pydantic import ValidationError

from assessments.criteria import presets
from assessments.demo import DEMO_STEPS
from assessments.errors import ConflictError, FieldErrors, NotFoundError
from assessments.exports import build_export
from assessments.reports.minutes import minutes_markdown, minutes_pdf
from assessments.store import inventory, workshop_consensus, workshop_sessions, workshop_votes
from assessments.store import risks as risk_store
from assessments.store.criteria import save_criteria
from assessments.store.db import Database
from assessments.store.schema import MIGRATIONS_DIR
from assessments.text import escape_markdown_file_line
from assessments.workshop_demo import load_workshops
from assessments.workshops import (
    AGREEMENT_MIN_VOTES_FOR_STRONG,
    AGREEMENT_RULE,
    ConsensusInput,
    JoinInput,
    NoteInput,
    VoteInput,
    WorkshopAccessError,
    WorkshopInput,
    display_code,
)
from tests.factories import system_input
from tests.risk_factories import risk_input

FACILITATOR = "Helena Brandt"


@dataclass
class Setup:
    db: Database
    workshop_id: int
    code: str
    key: str
    risk_ids: list[int]
    system_id: int


def make_workshop(db: Database, *, anonymise: bool = False, risks: int = 2) -> Setup:
    system = inventory.create_system(db, "Ada", system_input())
    risk_ids = [
        risk_store.create_risk(db, "Ada", risk_input(system.id, title=f"Risk {n}")).id
        for n in range(1, risks + 1)
    ]
    created = workshop_sessions.create_workshop(
        db,
        FACILITATOR,
        WorkshopInput(
            title="Quarterly review",
            facilitator=FACILITATOR,
            system_ids=[system.id],
            risk_ids=risk_ids,
            anonymise_names=anonymise,
            expected_participants=["Ada", "Bo", "Cy", "Absent Person"],
        ),
    )
    return Setup(
        db,
        created.workshop.id,
        created.workshop.code,
        created.facilitator_key,
        risk_ids,
        system.id,
    )


def join(setup: Setup, name: str) -> str:
    return workshop_sessions.join_workshop(setup.db, setup.code, JoinInput(name=name)).token


def vote(setup: Setup, token: str, likelihood: int, severity: int, **extra: object) -> int:
    risk_id = int(extra.pop("risk_id", setup.risk_ids[0]))
    round_number = int(extra.pop("round_number", 1))
    return workshop_votes.submit_vote(
        setup.db,
        setup.code,
        token,
        risk_id,
        round_number,
        VoteInput(likelihood=likelihood, severity=severity, **extra),
    )


def start(setup: Setup, risk_index: int = 0) -> None:
    workshop_votes.go_to_item(
        setup.db, FACILITATOR, setup.workshop_id, setup.key, setup.risk_ids[risk_index]
    )


def count_rows(db: Database, table: str) -> int:
    row = db.query_one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


def submissions(db: Database, workshop_id: int) -> list[dict]:
    """Every submission, oldest first, and whether it is the one that counts: read straight
    from the table, since the store has (and must have) no read that skips the blind."""
    return db.query_records(
        "SELECT v.id, p.name AS participant, v.risk_id, v.round, v.likelihood, v.severity,"
        " v.criteria_version, v.id IN (SELECT max(id) FROM workshop_votes WHERE workshop_id = ?"
        " GROUP BY participant_id, risk_id, round) AS counts"
        " FROM workshop_votes v JOIN workshop_participants p ON p.id = v.participant_id"
        " WHERE v.workshop_id = ? ORDER BY v.id",
        [workshop_id, workshop_id],
    )


def unescaped(markdown: str) -> str:
    """Markdown minutes as a person reads them (escapes and word joiners removed)."""
    return markdown.replace("\\", "").replace("\u2060", "")


# --- creating, joining and access ----------------------------------------------------------------


def test_creating_a_workshop_keeps_only_a_hash_of_the_key(db: Database) -> None:
    setup = make_workshop(db)
    workshop = workshop_sessions.get_workshop(db, setup.workshop_id)
    assert workshop.is_open and len(workshop.code) == 6
    assert [
        item.risk_id for item in workshop_sessions.workshop_items(db, setup.workshop_id)
    ] == setup.risk_ids
    stored = db.query_one("SELECT facilitator_key_hash FROM workshops")
    assert stored is not None and setup.key not in stored[0]
    assert workshop_sessions.is_facilitator(db, setup.workshop_id, setup.key)
    assert not workshop_sessions.is_facilitator(db, setup.workshop_id, "guess")


def test_drafted_risks_are_created_with_the_workshop(db: Database) -> None:
    system = inventory.create_system(db, "Ada", system_input())
    draft = risk_input(system.id, title="Drafted in the room")
    created = workshop_sessions.create_workshop(
        db,
        FACILITATOR,
        WorkshopInput(title="W", facilitator=FACILITATOR, system_ids=[system.id], drafts=[draft]),
    )
    items = workshop_sessions.workshop_items(db, created.workshop.id)
    assert [item.title for item in items] == ["Drafted in the room"]
    assert risk_store.get_risk(db, items[0].risk_id).created_by == FACILITATOR


def test_a_workshop_needs_risks_of_its_own_systems(db: Database) -> None:
    first = inventory.create_system(db, "Ada", system_input())
    other = inventory.create_system(db, "Ada", system_input(name="Other system"))
    foreign = risk_store.create_risk(db, "Ada", risk_input(other.id)).id
    base = {"title": "W", "facilitator": FACILITATOR, "system_ids": [first.id]}
    with pytest.raises(FieldErrors, match="does not cover"):
        workshop_sessions.create_workshop(
            db, FACILITATOR, WorkshopInput(**base, risk_ids=[foreign])
        )
    with pytest.raises(FieldErrors, match="no risk"):
        workshop_sessions.create_workshop(db, FACILITATOR, WorkshopInput(**base, risk_ids=[999]))
    assert count_rows(db, "workshops") == 0


def test_joining_with_a_code_typed_loosely(db: Database) -> None:
    setup = make_workshop(db)
    typed = display_code(setup.code).lower()
    joined = workshop_sessions.join_workshop(db, typed, JoinInput(name="Ada"))
    workshop, participant = workshop_sessions.participant_for(db, setup.code, joined.token)
    assert workshop.id == setup.workshop_id and participant.name == "Ada"
    assert secret_not_stored(db, joined.token)


def secret_not_stored(db: Database, token: str) -> bool:
    rows = db.query_rows("SELECT token_hash FROM workshop_participants")
    return all(token not in row[0] for row in rows)


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "K7M", "not a code"])
def test_a_wrong_code_is_refused_and_nothing_is_written(db: Database, code: str) -> None:
    make_workshop(db)
    before = count_rows(db, "audit_events")
    with pytest.raises(WorkshopAccessError, match="does not match"):
        workshop_sessions.join_workshop(db, code, JoinInput(name="Ada"))
    assert count_rows(db, "workshop_participants") == 0
    assert count_rows(db, "audit_events") == before


def test_an_empty_name_is_refused(db: Database) -> None:
    make_workshop(db)
    with pytest.raises(ValidationError):
        JoinInput(name="  ")
    assert count_rows(db, "workshop_participants") == 0


def test_a_name_already_taken_is_refused_whatever_its_case(db: Database) -> None:
    setup = make_workshop(db)
    join(setup, "Ada Park")
    with pytest.raises(FieldErrors) as taken:
        workshop_sessions.join_workshop(db, setup.code, JoinInput(name="ada park"))
    assert "already joined" in taken.value.errors["name"]
    assert count_rows(db, "workshop_participants") == 1


def test_a_token_works_only_in_its_own_workshop(db: Database) -> None:
    first = make_workshop(db)
    token = join(first, "Ada")
    second_created = workshop_sessions.create_workshop(
        db,
        FACILITATOR,
        WorkshopInput(
            title="Other",
            facilitator=FACILITATOR,
            system_ids=[first.system_id],
            risk_ids=first.risk_ids,
        ),
    )
    second = Setup(
        db,
        second_created.workshop.id,
        second_created.workshop.code,
        second_created.facilitator_key,
        first.risk_ids,
        first.system_id,
    )
    start(second)
    with pytest.raises(WorkshopAccessError, match="does not belong"):
        vote(second, token, 3, 3)
    with pytest.raises(WorkshopAccessError):
        workshop_sessions.participant_for(db, second.code, "made-up-token")
    assert count_rows(db, "workshop_votes") == 0


def test_only_the_facilitator_key_can_run_the_workshop(db: Database) -> None:
    setup = make_workshop(db)
    token = join(setup, "Ada")
    risk = setup.risk_ids[0]
    consensus = ConsensusInput(likelihood=3, severity=3, rationale="R")
    before = count_rows(db, "audit_events")
    for wrong in ("", "guess", None):
        for action in (
            lambda k: workshop_votes.go_to_item(db, "Mallory", setup.workshop_id, k, risk),
            lambda k: workshop_votes.reveal_votes(db, "Mallory", setup.workshop_id, k, risk),
            lambda k: workshop_votes.start_new_round(db, "Mallory", setup.workshop_id, k, risk),
            lambda k: workshop_consensus.save_note(
                db, "Mallory", setup.workshop_id, k, risk, 1, NoteInput(note="x")
            ),
            lambda k: workshop_consensus.record_consensus(
                db, "Mallory", setup.workshop_id, k, risk, consensus
            ),
            lambda k: workshop_sessions.close_workshop(db, "Mallory", setup.workshop_id, k),
        ):
            with pytest.raises(WorkshopAccessError, match="Only the facilitator"):
                action(wrong)
    with pytest.raises(WorkshopAccessError):
        workshop_sessions.facilitator_workshop(db, setup.workshop_id, token)
    assert count_rows(db, "workshop_events") == 0
    assert count_rows(db, "audit_events") == before


# --- votes ---------------------------------------------------------------------------------------


def test_no_vote_before_an_item_is_opened(db: Database) -> None:
    setup = make_workshop(db)
    token = join(setup, "Ada")
    with pytest.raises(ConflictError, match="not open"):
        vote(setup, token, 3, 3)
    assert count_rows(db, "workshop_votes") == 0


def test_no_vote_on_an_item_that_is_not_the_open_one(db: Database) -> None:
    setup = make_workshop(db)
    token = join(setup, "Ada")
    start(setup, 0)
    with pytest.raises(ConflictError, match="not open"):
        vote(setup, token, 3, 3, risk_id=setup.risk_ids[1])
    with pytest.raises(ConflictError, match="agenda"):
        vote(setup, token, 3, 3, risk_id=999)
    with pytest.raises(ConflictError, match="Round 2"):
        vote(setup, token, 3, 3, round_number=2)
    assert count_rows(db, "workshop_votes") == 0


@pytest.mark.parametrize(
    ("likelihood", "severity", "field"), [(0, 3, "likelihood"), (3, 6, "severity")]
)
def test_an_out_of_scale_vote_is_refused(
    db: Database, likelihood: int, severity: int, field: str
) -> None:
    setup = make_workshop(db)
    token = join(setup, "Ada")
    start(setup)
    with pytest.raises(FieldErrors) as refused:
        vote(setup, token, likelihood, severity)
    assert set(refused.value.errors) == {field}
    assert count_rows(db, "workshop_votes") == 0


def test_every_submission_is_kept_and_the_latest_counts(db: Database) -> None:
    setup = make_workshop(db)
    ada, bo = join(setup, "Ada"), join(setup, "Bo")
    start(setup)
    vote(setup, ada, 1, 1)
    vote(setup, ada, 2, 2, comment="second thoughts")
    vote(setup, bo, 4, 4)
    ada_last = vote(setup, ada, 3, 4, confidence="high")
    progress = workshop_votes.voting_progress(db, setup.workshop_id, setup.risk_ids[0], 1)
    assert dict(zip(progress["name"], progress["voted"], strict=True)) == {
        "Ada": True,
        "Bo": True,
        "Cy": False,
        "Absent Person": False,
    }
    assert workshop_votes.count_votes(db, setup.workshop_id, setup.risk_ids[0], 1) == 2
    history = submissions(db, setup.workshop_id)
    assert len(history) == 4
    assert [row["id"] for row in history if row["counts"]] == [history[2]["id"], ada_last]
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, setup.risk_ids[0])
    counted = workshop_votes.revealed_votes(db, setup.workshop_id, setup.risk_ids[0], 1)
    by_name = {entry.participant: entry for entry in counted}
    assert (by_name["Ada"].likelihood, by_name["Ada"].severity) == (3, 4)
    assert by_name["Ada"].confidence == "high" and by_name["Ada"].submissions == 3


def test_votes_stay_blind_until_revealed_and_close_after(db: Database) -> None:
    setup = make_workshop(db)
    ada = join(setup, "Ada")
    start(setup)
    vote(setup, ada, 3, 3)
    with pytest.raises(ConflictError, match="not been revealed"):
        workshop_votes.revealed_votes(db, setup.workshop_id, setup.risk_ids[0], 1)
    record = workshop_consensus.workshop_record(db, setup.workshop_id)
    assert record.items[0].rounds[0].votes == []
    assert json.loads(build_export(db, "workshops", "json"))[0]["votes"] == []
    audit = db.query_rows("SELECT after_state FROM audit_events WHERE entity = 'workshop_vote'")
    assert audit and all("likelihood" not in row[0] for row in audit)
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, setup.risk_ids[0])
    with pytest.raises(ConflictError, match="too late"):
        vote(setup, ada, 4, 4)
    assert count_rows(db, "workshop_votes") == 1


def test_reveal_needs_a_vote(db: Database) -> None:
    setup = make_workshop(db)
    start(setup)
    with pytest.raises(ConflictError, match="Nobody has voted"):
        workshop_votes.reveal_votes(
            db, FACILITATOR, setup.workshop_id, setup.key, setup.risk_ids[0]
        )


def test_a_late_joiner_can_vote_in_the_open_round(db: Database) -> None:
    setup = make_workshop(db)
    start(setup)
    late = join(setup, "Late Comer")
    vote(setup, late, 2, 2)
    assert workshop_votes.count_votes(db, setup.workshop_id, setup.risk_ids[0], 1) == 1


# --- the criteria version of a round ------------------------------------------------------------


def test_a_round_keeps_the_criteria_it_opened_under(db: Database) -> None:
    """The criteria change to 3 x 3 while round 1 runs on 5 x 5: round 1 still takes, levels
    and shows 5 x 5 votes; the next round opens on 3 x 3 and refuses a 5."""
    setup = make_workshop(db)
    ada, bo = join(setup, "Ada"), join(setup, "Bo")
    start(setup)
    risk = setup.risk_ids[0]
    vote(setup, ada, 5, 5)
    five_by_five = workshop_votes.round_criteria(db, setup.workshop_id, risk, 1)
    three_by_three = save_criteria(db, "Ada", presets()["preset_3x3"], "Smaller scales")
    assert three_by_three.version > five_by_five.version
    assert (
        workshop_votes.round_criteria(db, setup.workshop_id, risk, 1).version
        == five_by_five.version
    )
    vote(setup, bo, 4, 5)  # on round 1's scale, though off today's
    with pytest.raises(FieldErrors) as off_scale:
        vote(setup, bo, 6, 5)
    assert set(off_scale.value.errors) == {"likelihood"}
    ada_id = workshop_sessions.participant_for(db, setup.code, ada)[1].id
    assert (
        workshop_votes.own_vote(db, ada_id, risk, 1)["level"] == five_by_five.level_for(5, 5).name
    )
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    revealed = workshop_votes.revealed_votes(db, setup.workshop_id, risk, 1)
    assert [vote.level for vote in revealed] == [
        five_by_five.level_for(5, 5).name,
        five_by_five.level_for(4, 5).name,
    ]
    assert {row["criteria_version"] for row in submissions(db, setup.workshop_id)} == {
        five_by_five.version
    }

    workshop_votes.start_new_round(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    assert (
        workshop_votes.round_criteria(db, setup.workshop_id, risk, 2).version
        == three_by_three.version
    )
    with pytest.raises(FieldErrors) as refused:
        vote(setup, ada, 5, 5, round_number=2)
    assert set(refused.value.errors) == {"likelihood", "severity"}
    assert "1 to 3" in refused.value.errors["likelihood"]
    vote(setup, ada, 3, 3, round_number=2)
    assert (
        workshop_votes.own_vote(db, ada_id, risk, 2)["level"] == three_by_three.level_for(3, 3).name
    )
    assert [row["criteria_version"] for row in submissions(db, setup.workshop_id)][-1] == (
        three_by_three.version
    )


def test_rounds_opened_before_the_migration_get_the_version_of_their_votes(db: Database) -> None:
    """Migration 007 fills workshop_rounds for rounds opened before it existed."""
    setup = make_workshop(db)
    ada = join(setup, "Ada")
    start(setup)
    vote(setup, ada, 2, 2)
    start(setup, 1)  # item 2's round 1: no votes
    expected = db.query_rows(
        "SELECT workshop_id, risk_id, round, criteria_version FROM workshop_rounds ORDER BY risk_id"
    )
    sql = (MIGRATIONS_DIR / "007_workshop_criteria_version.sql").read_text()
    with db.cursor() as cursor:
        cursor.execute("DROP TABLE workshop_rounds")
        cursor.execute(sql)
    assert (
        db.query_rows(
            "SELECT workshop_id, risk_id, round, criteria_version FROM workshop_rounds"
            " ORDER BY risk_id"
        )
        == expected
    )
    assert len(expected) == 2


# --- what a participant's page polls -------------------------------------------------------------


def test_the_state_version_moves_with_every_facilitator_step_and_nothing_else(
    db: Database,
) -> None:
    setup = make_workshop(db)
    risk = setup.risk_ids[0]
    seen = [workshop_sessions.state_version(db, setup.workshop_id)]

    def moved() -> bool:
        seen.append(workshop_sessions.state_version(db, setup.workshop_id))
        return seen[-1] > seen[-2]

    ada = join(setup, "Ada")
    assert not moved()  # a join changes nobody else's screen
    start(setup)
    assert moved()
    vote(setup, ada, 3, 3)
    assert not moved()  # a vote is blind: no other screen changes
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    assert moved()
    workshop_consensus.save_note(
        db, FACILITATOR, setup.workshop_id, setup.key, risk, 1, NoteInput(note="n")
    )
    assert not moved()  # notes stay on the console
    workshop_votes.start_new_round(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    assert moved()
    vote(setup, ada, 3, 3, round_number=2)
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    assert moved()
    workshop_consensus.record_consensus(
        db,
        FACILITATOR,
        setup.workshop_id,
        setup.key,
        risk,
        ConsensusInput(likelihood=3, severity=3, rationale="Agreed."),
    )
    assert moved()
    workshop_sessions.close_workshop(db, FACILITATOR, setup.workshop_id, setup.key)
    assert moved()
    other = workshop_sessions.create_workshop(
        db,
        FACILITATOR,
        WorkshopInput(
            title="Other", facilitator=FACILITATOR, system_ids=[setup.system_id], risk_ids=[risk]
        ),
    )
    workshop_votes.go_to_item(db, FACILITATOR, other.workshop.id, other.facilitator_key, risk)
    assert not moved()  # another workshop's steps do not touch this one


# --- rounds, consensus and the risk history ------------------------------------------------------


def run_two_rounds(setup: Setup) -> dict[str, str]:
    tokens = {name: join(setup, name) for name in ("Ada", "Bo", "Cy")}
    risk = setup.risk_ids[0]
    start(setup)
    for name, (likelihood, severity) in zip(tokens, [(2, 3), (4, 5), (3, 4)], strict=True):
        vote(setup, tokens[name], likelihood, severity, comment=f"{name} round 1")
    workshop_votes.reveal_votes(db := setup.db, FACILITATOR, setup.workshop_id, setup.key, risk)
    for note in ("First draft", "Spread discussed"):
        workshop_consensus.save_note(
            db, FACILITATOR, setup.workshop_id, setup.key, risk, 1, NoteInput(note=note)
        )
    assert workshop_votes.start_new_round(db, FACILITATOR, setup.workshop_id, setup.key, risk) == 2
    for name, (likelihood, severity) in zip(tokens, [(3, 4), (3, 5), (3, 4)], strict=True):
        vote(setup, tokens[name], likelihood, severity, round_number=2)
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    return tokens


def test_a_note_is_validated_by_its_model_and_kept_trimmed(db: Database) -> None:
    setup = make_workshop(db)
    ada = join(setup, "Ada")
    start(setup)
    vote(setup, ada, 3, 3)
    risk = setup.risk_ids[0]
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    with pytest.raises(ValidationError, match="at most 4000"):
        NoteInput(note="x" * 4001)
    workshop_consensus.save_note(
        db, FACILITATOR, setup.workshop_id, setup.key, risk, 1, NoteInput(note="  Spread.  ")
    )
    assert workshop_consensus.note_for(db, setup.workshop_id, risk, 1) == "Spread."


def test_a_second_round_is_kept_apart_from_the_first(db: Database) -> None:
    setup = make_workshop(db)
    run_two_rounds(setup)
    risk = setup.risk_ids[0]
    first = workshop_votes.revealed_votes(db, setup.workshop_id, risk, 1)
    second = workshop_votes.revealed_votes(db, setup.workshop_id, risk, 2)
    assert [(v.likelihood, v.severity) for v in first] == [(2, 3), (4, 5), (3, 4)]
    assert [(v.likelihood, v.severity) for v in second] == [(3, 4), (3, 5), (3, 4)]
    assert workshop_consensus.note_for(db, setup.workshop_id, risk, 1) == "Spread discussed"
    assert workshop_consensus.note_for(db, setup.workshop_id, risk, 2) == ""


def test_recording_the_consensus_writes_a_workshop_rating(db: Database) -> None:
    setup = make_workshop(db)
    run_two_rounds(setup)
    risk = setup.risk_ids[0]
    outcome = workshop_consensus.record_consensus(
        db,
        FACILITATOR,
        setup.workshop_id,
        setup.key,
        risk,
        ConsensusInput(
            likelihood=3,
            severity=4,
            rationale="Converged after the discussion.",
            dissent="Bo sees the harm as severe.",
            dissenting=["Bo"],
            actions=["Ada: check the complaints", ""],
        ),
    )
    assert (outcome.round, outcome.level, outcome.actions) == (
        2,
        "High",
        ["Ada: check the complaints"],
    )
    history = risk_store.rating_history(db, risk)
    assert len(history) == 1
    rating = history.iloc[0]
    assert rating["id"] == outcome.rating_id
    assert rating["method"] == "workshop" and rating["workshop_id"] == setup.workshop_id
    assert list(rating["participants"]) == ["Ada", "Bo", "Cy"]
    assert (rating["likelihood"], rating["severity"], rating["tier"]) == (3, 4, "inherent")
    assert "Dissent: Bo sees the harm as severe." in rating["rationale"]
    assert rating["rated_by"] == FACILITATOR
    assert risk_store.current_ratings(db, risk)["inherent"].id == outcome.rating_id
    with pytest.raises(ConflictError, match="already recorded"):
        workshop_consensus.record_consensus(
            db,
            FACILITATOR,
            setup.workshop_id,
            setup.key,
            risk,
            ConsensusInput(likelihood=3, severity=4, rationale="Again"),
        )
    assert len(risk_store.rating_history(db, risk)) == 1


def test_a_refused_consensus_writes_neither_outcome_nor_rating(db: Database) -> None:
    setup = make_workshop(db)
    run_two_rounds(setup)
    risk = setup.risk_ids[0]
    with pytest.raises(FieldErrors) as refused:
        workshop_consensus.record_consensus(
            db,
            FACILITATOR,
            setup.workshop_id,
            setup.key,
            risk,
            ConsensusInput(likelihood=5, severity=5, rationale="Worst case"),
        )
    assert "override_reason" in refused.value.errors
    with pytest.raises(FieldErrors, match="severity"):
        workshop_consensus.record_consensus(
            db,
            FACILITATOR,
            setup.workshop_id,
            setup.key,
            risk,
            ConsensusInput(likelihood=3, severity=9, rationale="R", override_reason="why not"),
        )
    assert count_rows(db, "workshop_outcomes") == 0
    assert risk_store.rating_history(db, risk).empty


def test_the_facilitator_may_set_another_rating_with_a_reason(db: Database) -> None:
    setup = make_workshop(db)
    run_two_rounds(setup)
    outcome = workshop_consensus.record_consensus(
        db,
        FACILITATOR,
        setup.workshop_id,
        setup.key,
        setup.risk_ids[0],
        ConsensusInput(
            likelihood=4, severity=4, rationale="R", override_reason="New incident data."
        ),
    )
    assert (outcome.median_likelihood, outcome.median_severity) == (3, 4)
    assert outcome.override_reason == "New incident data."


def test_closing_stops_the_code_and_the_votes(db: Database) -> None:
    setup = make_workshop(db)
    ada = join(setup, "Ada")
    start(setup)
    workshop_sessions.close_workshop(db, FACILITATOR, setup.workshop_id, setup.key)
    assert workshop_sessions.get_workshop(db, setup.workshop_id).status == "closed"
    with pytest.raises(WorkshopAccessError, match="closed"):
        workshop_sessions.join_workshop(db, setup.code, JoinInput(name="Bo"))
    with pytest.raises(WorkshopAccessError, match="closed"):
        vote(setup, ada, 3, 3)
    with pytest.raises(ConflictError, match="already closed"):
        workshop_sessions.close_workshop(db, FACILITATOR, setup.workshop_id, setup.key)
    with pytest.raises(ConflictError, match="closed"):
        start(setup, 1)


def test_an_unknown_workshop_is_not_found(db: Database) -> None:
    with pytest.raises(NotFoundError):
        workshop_sessions.get_workshop(db, 42)
    with pytest.raises(NotFoundError):
        workshop_votes.go_to_item(db, FACILITATOR, 42, "key", 1)


# --- minutes and export --------------------------------------------------------------------------


def finished_workshop(db: Database, *, anonymise: bool) -> Setup:
    setup = make_workshop(db, anonymise=anonymise)
    run_two_rounds(setup)
    workshop_consensus.record_consensus(
        db,
        FACILITATOR,
        setup.workshop_id,
        setup.key,
        setup.risk_ids[0],
        ConsensusInput(
            likelihood=3,
            severity=4,
            rationale="Converged.",
            dissent="Sees it as severe.",
            dissenting=["Bo"],
            actions=["Ada: check the complaints"],
        ),
    )
    workshop_sessions.close_workshop(db, FACILITATOR, setup.workshop_id, setup.key)
    return setup


def test_minutes_name_the_voters_when_names_are_shown(db: Database) -> None:
    setup = finished_workshop(db, anonymise=False)
    text = unescaped(minutes_markdown(workshop_consensus.workshop_record(db, setup.workshop_id)))
    assert "## Attendees\n\n- Ada\n- Bo\n- Cy" in text
    assert "Expected but did not join: Absent Person." in text
    assert "### Round 1" in text and "### Round 2" in text
    assert "| Bo | 4 | 5 |" in text
    assert "Discussion: Spread discussed" in text
    assert "Dissent (Bo): Sees it as severe." in text
    assert "- Ada: check the complaints (item: Risk 1)" in text
    assert "Risk 2" in text and "Not discussed." in text


def test_anonymised_minutes_hide_who_voted_what(db: Database) -> None:
    setup = finished_workshop(db, anonymise=True)
    record = workshop_consensus.workshop_record(db, setup.workshop_id)
    text = unescaped(minutes_markdown(record))
    assert "| Member 2 | 4 | 5 |" in text
    assert "| Bo |" not in text
    assert "Dissent (Member 2)" in text
    assert "- Ada\n- Bo\n- Cy" in text  # attendance stays, alphabetical
    exported = json.loads(build_export(db, "workshops", "json"))[0]
    assert {entry["participant"] for entry in exported["votes"]} == {
        "Member 1",
        "Member 2",
        "Member 3",
    }


def test_minutes_state_the_agreement_rule_the_console_uses(db: Database) -> None:
    setup = finished_workshop(db, anonymise=False)
    record = workshop_consensus.workshop_record(db, setup.workshop_id)
    text = unescaped(minutes_markdown(record))
    assert f"- **Agreement:** {AGREEMENT_RULE}" in text
    # Round 1 is split over Medium, High and Critical; round 2 is all High next to the median,
    # but three votes are too few to call that strong.
    assert "agreement 33% (weak)" in text
    assert f"agreement 100% (moderate: fewer than {AGREEMENT_MIN_VOTES_FOR_STRONG} votes)" in text
    first, second = record.items[0].rounds
    assert first.criteria.version == second.criteria.version == 1


@pytest.mark.parametrize("anonymise", [False, True])
def test_the_audit_names_dissenters_as_the_workshop_shows_them(
    db: Database, anonymise: bool
) -> None:
    """The audit log is open to every user: an anonymised workshop's consensus event names
    the dissenting member by pseudonym. The rating's participants (who voted, not what) keep
    their names, like the minutes' attendee list."""
    setup = finished_workshop(db, anonymise=anonymise)
    rows = db.query_rows(
        "SELECT after_state FROM audit_events WHERE entity = 'workshop' AND action = 'record'"
    )
    assert len(rows) == 1
    audited = json.loads(rows[0][0])
    assert audited["dissenting"] == (["Member 2"] if anonymise else ["Bo"])
    assert audited["dissent"] == "Sees it as severe."
    # The outcome itself keeps the real name, so the pseudonym follows the join order.
    outcome = workshop_consensus.outcomes(db, setup.workshop_id)[setup.risk_ids[0]]
    assert outcome.dissenting == ["Bo"]
    history = risk_store.rating_history(db, setup.risk_ids[0])
    assert sorted(history.iloc[0]["participants"]) == ["Ada", "Bo", "Cy"]


def test_markdown_minutes_keep_what_people_typed_literal_and_readable(db: Database) -> None:
    """A Markdown file is read raw as well as rendered: people's text is escaped only where
    Markdown would act on it, our own dates and labels not at all, nothing invisible added."""
    setup = make_workshop(db)
    ada = join(setup, "Ada <b>Park</b>")
    start(setup)
    comment = "**x** <script> [a](b) # h | `code` ~~s~~ snake_case: 2026-11-28 (see www.x.org)"
    vote(setup, ada, 3, 3, comment=comment)
    risk = setup.risk_ids[0]
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, risk)
    note = "1. not a list: - nor this"
    workshop_consensus.save_note(
        db, FACILITATOR, setup.workshop_id, setup.key, risk, 1, NoteInput(note=note)
    )
    record = workshop_consensus.workshop_record(db, setup.workshop_id)
    text = minutes_markdown(record)
    assert escape_markdown_file_line(comment) in text
    assert (
        "\\*\\*x\\*\\* \\<script\\> \\[a\\](b) \\# h \\| \\`code\\` \\~\\~s\\~\\~"
        " snake_case: 2026-11-28 (see www.x.org)"
    ) in text
    assert "Discussion: 1. not a list: - nor this" in text  # not at a line start: as typed
    assert "| Ada \\<b\\>Park\\</b\\> |" in text
    assert "<b>" not in text and "<script>" not in text and "**x**" not in text
    assert f"- **Date:** {record.workshop.created_at:%Y-%m-%d}" in text
    assert "\u2060" not in text
    assert "\\-" not in text and "\\(" not in text and "\\:" not in text
    assert comment in unescaped(text)


def test_minutes_pdf_holds_the_same_content(db: Database, tmp_path) -> None:
    setup = finished_workshop(db, anonymise=False)
    pdf = minutes_pdf(workshop_consensus.workshop_record(db, setup.workshop_id))
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "minutes.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("Minutes: Quarterly review", "Attendees", "Round 2", "Dissent (Bo)"):
        assert expected in text
    assert "Ada: check the complaints" in text


def test_the_export_has_the_promised_shape(db: Database) -> None:
    setup = finished_workshop(db, anonymise=False)
    exported = json.loads(build_export(db, "workshops", "json"))
    assert len(exported) == 1
    workshop = exported[0]
    assert {"id", "title", "status", "participants", "items", "votes", "consensus"} <= set(workshop)
    assert workshop["status"] == "closed" and workshop["participants"] == ["Ada", "Bo", "Cy"]
    assert len(workshop["votes"]) == 6
    assert set(workshop["votes"][0]) == {
        "participant",
        "risk_id",
        "round",
        "likelihood",
        "severity",
        "confidence",
        "comment",
        "submitted_at",
    }
    assert workshop["consensus"] == [
        {
            "risk_id": setup.risk_ids[0],
            "likelihood": 3,
            "severity": 4,
            "level": "High",
            "rationale": "Converged.",
            "dissent": "Sees it as severe.",
            "dissenting": ["Bo"],
            "rating_id": workshop["consensus"][0]["rating_id"],
        }
    ]


# --- concurrency ---------------------------------------------------------------------------------


def test_thirty_concurrent_votes_all_kept_one_counts_each(db: Database) -> None:
    """Ten participants submit three votes each, all 30 at once, through submit_vote (the
    participant page's call): every submission is stored and the latest per person counts."""
    setup = make_workshop(db)
    names = [f"Member {n}" for n in range(10)]
    tokens = {name: join(setup, name) for name in names}
    start(setup)
    barrier = threading.Barrier(30)
    returned: dict[tuple[str, int], int] = {}
    failures: list[BaseException] = []
    lock = threading.Lock()

    def cast(name: str, attempt: int) -> None:
        try:
            barrier.wait(timeout=30)
            vote_id = vote(setup, tokens[name], attempt, (attempt % 5) + 1, comment=str(attempt))
            with lock:
                returned[(name, attempt)] = vote_id
        except BaseException as error:
            with lock:
                failures.append(error)

    threads = [
        threading.Thread(target=cast, args=(name, attempt))
        for name in names
        for attempt in (1, 2, 3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(returned) == 30
    history = submissions(db, setup.workshop_id)
    assert len(history) == 30
    assert sorted(row["id"] for row in history) == sorted(returned.values())
    assert sum(row["counts"] for row in history) == 10
    for name in names:
        mine = [row for row in history if row["participant"] == name]
        assert len(mine) == 3
        assert [row["id"] for row in mine if row["counts"]] == [max(row["id"] for row in mine)]
    assert workshop_votes.count_votes(db, setup.workshop_id, setup.risk_ids[0], 1) == 10
    workshop_votes.reveal_votes(db, FACILITATOR, setup.workshop_id, setup.key, setup.risk_ids[0])
    assert len(workshop_votes.revealed_votes(db, setup.workshop_id, setup.risk_ids[0], 1)) == 10


def test_one_name_joining_twice_at_once_gets_one_seat_and_one_message(db: Database) -> None:
    setup = make_workshop(db)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def join_as_same() -> None:
        barrier.wait(timeout=30)
        try:
            workshop_sessions.join_workshop(db, setup.code, JoinInput(name="Same Name"))
            outcomes.append("joined")
        except FieldErrors as error:
            outcomes.append(error.errors["name"])

    threads = [threading.Thread(target=join_as_same) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes)[-1] == "joined" and outcomes.count("joined") == 1
    assert all("already joined" in outcome for outcome in outcomes if outcome != "joined")
    assert len(workshop_sessions.participants(db, setup.workshop_id)) == 1


def test_two_tabs_recording_one_consensus_record_it_once(db: Database) -> None:
    setup = make_workshop(db)
    run_two_rounds(setup)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record() -> None:
        barrier.wait(timeout=30)
        try:
            workshop_consensus.record_consensus(
                db,
                FACILITATOR,
                setup.workshop_id,
                setup.key,
                setup.risk_ids[0],
                ConsensusInput(likelihood=3, severity=4, rationale="Agreed."),
            )
            outcomes.append("recorded")
        except ConflictError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["The consensus on this item is already recorded.", "recorded"]
    assert len(risk_store.rating_history(db, setup.risk_ids[0])) == 1


# --- demo ----------------------------------------------------------------------------------------


def test_the_demo_workshops_tell_the_whole_story(db: Database) -> None:
    """The workshop step runs after the demo risks and rates them (the other steps are not
    needed here, and loading them all would double this test's time)."""
    names = [name for name, _ in DEMO_STEPS]
    assert names.index("Committee workshops") > names.index("Risks")
    needed = {"AI systems", "Risks", "Committee workshops"}
    for name, step in DEMO_STEPS:
        if name in needed:
            db.write("Demo loader", step)
    assert db.write("Demo loader", again(load_workshops)) == 0
    frame = workshop_sessions.list_workshops(db)
    assert sorted(frame["status"]) == ["closed", "open"]
    closed_id = int(frame[frame["status"] == "closed"]["id"].item())
    record = workshop_consensus.workshop_record(db, closed_id)
    assert len(record.participants) >= 6
    assert any(len(entry.rounds) >= 2 for entry in record.items)
    assert any(entry.outcome and entry.outcome.dissent for entry in record.items)
    for entry in record.items:
        assert entry.outcome is not None
        assert "Talent Match" in entry.item.system_name
        history = risk_store.rating_history(db, entry.item.risk_id)
        ours = history[history["id"] == entry.outcome.rating_id]
        assert ours["method"].item() == "workshop" and ours["workshop_id"].item() == closed_id
        assert len(history) > 1  # the register's own ratings came first
    open_id = int(frame[frame["status"] == "open"]["id"].item())
    assert workshop_sessions.workshop_state(db, open_id).current is not None
    assert workshop_sessions.is_facilitator(db, open_id, "demo-facilitator-key-northwind")


def again(step):
    """A demo step run a second time, which must find nothing to add."""

    def work(transaction):
        count = step(transaction)
        return count

    return work


def test_the_demo_step_drafts_missing_risks_once(db: Database) -> None:
    """Without the demo risk register, the step adds the risks it needs (and only once)."""
    from assessments.demo import load_systems

    db.write("Demo loader", load_systems)
    added = db.write("Demo loader", load_workshops)
    assert added > 0
    risks_after_first = count_rows(db, "risks")
    assert risks_after_first == 5
    assert db.write("Demo loader", again(load_workshops)) == 0
    assert count_rows(db, "risks") == risks_after_first


def test_the_command_line_exports_workshops_as_json(db_path, capsysbinary) -> None:
    from assessments.cli import main

    database = Database(db_path)
    finished_workshop(database, anonymise=False)
    database.close()
    assert main(["export", "workshops", "--format", "json"]) == 0
    exported = json.loads(capsysbinary.readouterr().out)
    assert [entry["status"] for entry in exported] == ["closed"]
    assert len(exported[0]["votes"]) == 6 and exported[0]["consensus"][0]["level"] == "High"
    assert main(["export", "workshops", "--format", "csv"]) == 2


def test_every_workshop_record_has_its_audit_event(db: Database) -> None:
    from assessments.store.health import check

    finished_workshop(db, anonymise=True)
    report = check(db)
    for entity in ("workshop", "workshop_participant", "workshop_vote"):
        assert report.unaudited[entity] == 0
    assert report.row_counts["workshop_votes"] == 6
