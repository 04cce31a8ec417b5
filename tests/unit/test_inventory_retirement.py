"""The inventory store: a duplicate name names the record that exists; retiring counts what is
still under way for the system and says what becomes of it."""

from __future__ import annotations

import pytest

from assessments.errors import ConflictError
from assessments.inventory import RetirementEffects, retirement_notice
from assessments.store import impact as impact_store
from assessments.store import inventory as store
from assessments.store import risks as risk_store
from assessments.store import workshop_sessions as workshop_store
from assessments.store.db import Database
from assessments.workshops import WorkshopInput
from tests.factories import system_input
from tests.risk_factories import risk_input


def test_a_duplicate_name_names_the_existing_record_as_spelled(db: Database) -> None:
    store.create_system(db, "Ada", system_input(name="Card Fraud Sentinel"))
    with pytest.raises(ConflictError) as caught:
        store.create_system(db, "Ada", system_input(name="card fraud SENTINEL"))
    assert caught.value.field == "name"
    assert "'Card Fraud Sentinel' already exists" in str(caught.value)
    assert "SENTINEL" not in str(caught.value)


def test_a_rename_onto_another_name_names_that_record(db: Database) -> None:
    store.create_system(db, "Ada", system_input(name="Card Fraud Sentinel"))
    other = store.create_system(db, "Ada", system_input(name="Loan Advisor"))
    with pytest.raises(ConflictError) as caught:
        store.update_system(db, "Ada", other.id, system_input(name="CARD fraud sentinel"))
    assert "'Card Fraud Sentinel' already exists" in str(caught.value)


def test_retirement_effects_count_open_risks_workshops_and_assessments(db: Database) -> None:
    system = store.create_system(db, "Ada", system_input())
    other = store.create_system(db, "Ada", system_input(name="Other"))
    assert store.retirement_effects(db, system.id) == RetirementEffects(0, 0, 0)

    risks = [
        risk_store.create_risk(db, "Ada", risk_input(system.id, title=f"Risk {n}"))
        for n in range(3)
    ]
    risk_store.create_risk(db, "Ada", risk_input(system.id, title="Closed", status="closed"))
    risk_store.create_risk(db, "Ada", risk_input(other.id, title="Elsewhere"))
    kept = workshop_store.create_workshop(
        db,
        "Helena",
        WorkshopInput(
            title="Still open", facilitator="Helena", system_ids=[system.id], risk_ids=[risks[0].id]
        ),
    )
    closed = workshop_store.create_workshop(
        db,
        "Helena",
        WorkshopInput(
            title="Done", facilitator="Helena", system_ids=[system.id], risk_ids=[risks[1].id]
        ),
    )
    workshop_store.close_workshop(db, "Helena", closed.workshop.id, closed.facilitator_key)
    impact_store.start_assessment(db, "Ada", system.id)
    impact_store.start_assessment(db, "Ada", other.id)

    effects = store.retirement_effects(db, system.id)
    assert effects == RetirementEffects(open_risks=3, open_workshops=1, impact_in_progress=1)
    assert kept.workshop.id != closed.workshop.id

    store.retire_system(db, "Ada", system.id)
    # Retiring closes nothing: the same things are still under way, only out of scope.
    assert store.retirement_effects(db, system.id) == effects


def test_the_notice_says_how_many_and_what_happens_to_them() -> None:
    text = " ".join(retirement_notice(RetirementEffects(2, 1, 1)))
    assert "It has 2 open risks" in text
    assert "leave the register, portfolio and trend figures" in text
    assert "1 impact assessment in progress" in text
    assert "no new assessment" in text
    assert "1 open workshop covers it" in text
    assert "history" in text


def test_the_notice_for_a_system_with_nothing_under_way() -> None:
    lines = retirement_notice(RetirementEffects(0, 0, 0))
    assert lines[-1].startswith("Nothing is under way")
    assert not any("open risk" in line and "It has" in line for line in lines)
