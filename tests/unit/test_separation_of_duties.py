"""Separation of duties on identity, not on spelling: the submitter of an impact assessment
cannot approve it and the owner of a risk above the appetite cannot accept it, however their
name is typed; a signed-in person is known by their e-mail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from assessments.errors import FieldErrors
from assessments.identity import Role, local_actor, signed_in_actor
from assessments.impact import WorkflowError
from assessments.risks import AcceptanceInput
from assessments.store import impact
from assessments.store import risks as risk_store
from assessments.store.db import Database
from assessments.store.inventory import create_system
from tests.factories import system_input
from tests.impact_data import complete_answers
from tests.risk_factories import rating_input, risk_input

EVERY_ROLE = set(Role)

SPELLINGS_OF_ADA = [
    pytest.param("Ada Love\u200blace", id="zero-width-space-inside"),
    pytest.param("Ada\u200b Lovelace", id="zero-width-space-beside-a-space"),
    pytest.param("A\u200dda Lovelace\u2060", id="zero-width-joiners"),
    pytest.param("Ａｄａ Ｌｏｖｅｌａｃｅ", id="full-width"),
    pytest.param("  Ada   Lovelace ", id="extra-spaces"),
    pytest.param("Ada\u00a0Lovelace", id="non-breaking-space"),
    pytest.param("ada LOVELACE", id="different-case"),
    pytest.param("\u200fAda Lovelace\u200e", id="direction-marks"),
]


@pytest.fixture
def system_id(db: Database) -> int:
    return create_system(db, "Setup", system_input()).id


def submitted_assessment(db: Database, system_id: int, submitter: object) -> int:
    """An impact assessment answered and submitted by `submitter` (an actor or a name)."""
    response = impact.start_assessment(db, submitter, system_id)
    answers = complete_answers()
    db.write(submitter, lambda transaction: impact.write_answers(transaction, response.id, answers))
    assert impact.submit(db, submitter, response.id).status == "submitted"
    return response.id


# --- impact assessments --------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", SPELLINGS_OF_ADA)
def test_the_submitter_cannot_approve_under_another_spelling(
    db: Database, system_id: int, spelling: str
) -> None:
    response_id = submitted_assessment(db, system_id, local_actor("Ada Lovelace", EVERY_ROLE))
    with pytest.raises(WorkflowError, match="someone else must approve"):
        impact.approve(db, local_actor(spelling, EVERY_ROLE), response_id, "Fine.")
    with pytest.raises(WorkflowError, match="someone else must approve"):
        impact.return_for_changes(db, local_actor(spelling, EVERY_ROLE), response_id, "No.")
    with pytest.raises(WorkflowError, match="someone else must approve"):
        impact.approve(db, spelling, response_id, "Typed at the command line.")
    assert impact.get_response(db, response_id).status == "submitted"


def test_a_different_person_approves(db: Database, system_id: int) -> None:
    response_id = submitted_assessment(db, system_id, local_actor("Ada Lovelace", EVERY_ROLE))
    approved = impact.approve(db, local_actor("Ada Lovelace-Byron", EVERY_ROLE), response_id)
    assert (approved.status, approved.submitted_by, approved.approved_by) == (
        "approved",
        "Ada Lovelace",
        "Ada Lovelace-Byron",
    )


def test_a_signed_in_submitter_is_known_by_their_email(db: Database, system_id: int) -> None:
    ada = {"iss": "https://id.example.org", "sub": "ada-1", "email": "ada@example.org"}
    submitter = signed_in_actor({**ada, "name": "Ada Lovelace"}, EVERY_ROLE)
    response_id = submitted_assessment(db, system_id, submitter)
    assert impact.get_response(db, response_id).submitted_by == "Ada Lovelace <ada@example.org>"
    renamed = signed_in_actor({**ada, "name": "Countess of Lovelace"}, EVERY_ROLE)
    with pytest.raises(WorkflowError, match="someone else must approve"):
        impact.approve(db, renamed, response_id)
    # Another account with the same e-mail, say a second provider, is the same person too.
    other_account = signed_in_actor(
        {"iss": "https://other.example.org", "sub": "x", "email": "ADA@example.org", "name": "A"},
        EVERY_ROLE,
    )
    with pytest.raises(WorkflowError, match="someone else must approve"):
        impact.approve(db, other_account, response_id)
    namesake = signed_in_actor(
        {
            "iss": "https://id.example.org",
            "sub": "ada-2",
            "email": "ada.l@example.org",
            "name": "Ada Lovelace",
        },
        EVERY_ROLE,
    )
    approved = impact.approve(db, namesake, response_id)
    assert approved.approved_by == "Ada Lovelace <ada.l@example.org>"


# --- risk acceptance -----------------------------------------------------------------------------


def residual_risk(db: Database, system_id: int, likelihood: int, severity: int) -> int:
    """A fairness risk owned by Ada Park (fairness tolerance: Low) with this residual rating."""
    risk = risk_store.create_risk(db, "Setup", risk_input(system_id))
    risk_store.record_rating(
        db, "Setup", rating_input(risk.id, "residual", likelihood=likelihood, severity=severity)
    )
    return risk.id


def acceptance(risk_id: int) -> AcceptanceInput:
    return AcceptanceInput(
        risk_id=risk_id,
        approved_at=date.today(),
        rationale="The benefit outweighs it; monitored monthly.",
        valid_until=date.today() + timedelta(days=180),
    )


def acceptance_count(db: Database, risk_id: int) -> int:
    return len(risk_store.acceptances_for(db, risk_id))


@pytest.mark.parametrize(
    "owner_spelling",
    ["Ada Park", "ada  park", "ADA PARK", "Ada\u200b Park", "Ａｄａ Park", "Ada\u00a0Park"],
)
def test_the_owner_cannot_accept_a_risk_above_the_appetite(
    db: Database, system_id: int, owner_spelling: str
) -> None:
    risk_id = residual_risk(db, system_id, likelihood=4, severity=4)
    with pytest.raises(FieldErrors, match="someone other than the owner must accept it"):
        risk_store.record_acceptance(
            db, local_actor(owner_spelling, EVERY_ROLE), acceptance(risk_id)
        )
    with pytest.raises(FieldErrors, match="someone other than the owner"):
        risk_store.record_acceptance(db, owner_spelling, acceptance(risk_id))
    assert acceptance_count(db, risk_id) == 0


def test_someone_else_accepts_a_risk_above_the_appetite(db: Database, system_id: int) -> None:
    risk_id = residual_risk(db, system_id, likelihood=4, severity=4)
    chief = local_actor("Chief Risk Officer", EVERY_ROLE)
    risk_store.record_acceptance(db, chief, acceptance(risk_id))
    accepted = risk_store.acceptances_for(db, risk_id)
    assert accepted["approved_by"].tolist() == ["Chief Risk Officer"]
    assert accepted["level"].tolist() == ["High"]


def test_the_owner_may_accept_a_risk_within_the_appetite(db: Database, system_id: int) -> None:
    risk_id = residual_risk(db, system_id, likelihood=1, severity=1)
    risk_store.record_acceptance(db, local_actor("ada  park", EVERY_ROLE), acceptance(risk_id))
    accepted = risk_store.acceptances_for(db, risk_id)
    assert accepted["approved_by"].tolist() == ["ada park"]
    assert accepted["level"].tolist() == ["Low"]


def test_a_signed_in_owner_is_recognised_by_name_or_email(db: Database, system_id: int) -> None:
    risk_id = residual_risk(db, system_id, likelihood=4, severity=4)
    owner = signed_in_actor(
        {"sub": "p-1", "email": "ada.park@example.org", "name": "Ada Park"}, EVERY_ROLE
    )
    with pytest.raises(FieldErrors, match="someone other than the owner"):
        risk_store.record_acceptance(db, owner, acceptance(risk_id))
    risk_store.update_risk(
        db, "Setup", risk_id, risk_input(system_id, owner="ada.park@example.org")
    )
    renamed = signed_in_actor(
        {"sub": "p-1", "email": "ada.park@example.org", "name": "A. Park"}, EVERY_ROLE
    )
    with pytest.raises(FieldErrors, match="someone other than the owner"):
        risk_store.record_acceptance(db, renamed, acceptance(risk_id))
    assert acceptance_count(db, risk_id) == 0


def test_approved_by_is_the_acting_person_and_cannot_be_typed(db: Database, system_id: int) -> None:
    assert "approved_by" not in AcceptanceInput.model_fields
    risk_id = residual_risk(db, system_id, likelihood=4, severity=4)
    chief = signed_in_actor(
        {"sub": "c-1", "email": "cro@example.org", "name": "Chief Risk Officer"}, EVERY_ROLE
    )
    risk_store.record_acceptance(db, chief, acceptance(risk_id))
    accepted = risk_store.acceptances_for(db, risk_id)
    assert accepted["approved_by"].tolist() == ["Chief Risk Officer <cro@example.org>"]
