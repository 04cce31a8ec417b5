"""A signed-in contributor changes only what belongs to them: AI systems they own, risks and
actions assigned to them or on their systems, impact assessments they started. Admins reach
everything; local mode (typed names) does not restrict."""

from __future__ import annotations

from datetime import date

import pytest

from assessments.identity import PermissionDenied, Role, local_actor, signed_in_actor
from assessments.risks import ActionInput
from assessments.store import impact, screenings
from assessments.store import inventory as inventory_store
from assessments.store import risks as risk_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input


def contributor(name: str, email: str, *roles: Role) -> object:
    claims = {"sub": email, "iss": "https://idp.example", "name": name, "email": email}
    return signed_in_actor(claims, {Role.CONTRIBUTOR, *roles})


ADA = contributor("Ada Park", "ada@example.org")
BEN = contributor("Ben Okoro", "ben@example.org")
CAROL = contributor("Carol Diaz", "carol@example.org")


@pytest.fixture
def world(db: Database) -> dict[str, int]:
    """A system owned by Ada Park, a risk on it assigned to Ben, an action owned by Carol."""
    system = inventory_store.create_system(db, "Setup", system_input(owner="Ada Park"))
    risk = risk_store.create_risk(db, "Setup", risk_input(system.id, owner="ben@example.org"))
    action = risk_store.add_action(
        db,
        "Setup",
        risk.id,
        ActionInput(title="Re-weight", owner="Carol Diaz", due_date=date(2027, 1, 1)),
    )
    return {"system": system.id, "risk": risk.id, "action": int(action)}


def test_the_owner_changes_their_system_and_others_are_refused(db: Database, world) -> None:
    system = inventory_store.get_system(db, world["system"])
    with pytest.raises(PermissionDenied, match="the AI system 'Loan Advisor' belongs to Ada Park"):
        inventory_store.update_system(
            db, BEN, system.id, system_input(owner="Ben Okoro"), expected_revision=system.revision
        )
    updated = inventory_store.update_system(
        db, ADA, system.id, system_input(purpose="Now also for savings."), expected_revision=1
    )
    assert updated.purpose == "Now also for savings."


def test_risks_reach_their_assignee_and_the_systems_owner_only(db: Database, world) -> None:
    risk_store.record_rating(db, BEN, rating_input(world["risk"]))  # assigned by e-mail
    risk_store.record_rating(db, ADA, rating_input(world["risk"], likelihood=2))  # system owner
    with pytest.raises(PermissionDenied, match="the risk 'Unequal error rates"):
        risk_store.record_rating(db, CAROL, rating_input(world["risk"]))
    with pytest.raises(PermissionDenied):
        risk_store.create_risk(db, BEN, risk_input(world["system"], title="Another risk here"))
    assert risk_store.create_risk(db, ADA, risk_input(world["system"], title="Another risk here"))


def test_an_action_reaches_its_owner(db: Database, world) -> None:
    action = ActionInput(title="Re-weight", owner="Carol Diaz", due_date=date(2027, 2, 1))
    risk_store.update_action(db, CAROL, world["action"], action, expected_revision=1)
    outsider = contributor("Dan Lee", "dan@example.org")
    with pytest.raises(PermissionDenied, match="the action 'Re-weight'"):
        risk_store.update_action(db, outsider, world["action"], action, expected_revision=2)


def test_impact_and_screening_reach_the_systems_owner(db: Database, world) -> None:
    with pytest.raises(PermissionDenied, match="Loan Advisor"):
        impact.start_assessment(db, BEN, world["system"])
    with pytest.raises(PermissionDenied, match="Loan Advisor"):
        screenings.record_screening(db, BEN, world["system"], {})
    started = impact.start_assessment(db, ADA, world["system"])
    with pytest.raises(PermissionDenied, match="impact assessment of 'Loan Advisor'"):
        impact.submit(db, BEN, started.id)


def test_admins_and_local_mode_are_not_restricted(db: Database, world) -> None:
    admin = contributor("Eve Admin", "eve@example.org", Role.ADMIN)
    risk_store.record_rating(db, admin, rating_input(world["risk"]))
    typed = local_actor("Someone Else", {Role.CONTRIBUTOR})
    risk_store.record_rating(db, typed, rating_input(world["risk"]))
    assert len(risk_store.rating_history(db, world["risk"])) == 2
