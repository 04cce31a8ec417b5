"""A stored rating is a typed, frozen `Rating` wherever store/risks hands it out: the rating just
recorded, the current rating of each tier, and the audit event that records it."""

from __future__ import annotations

import pydantic
import pytest

from assessments.risks import Rating
from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input


def test_a_recorded_rating_is_the_current_rating_of_its_tier(db: Database) -> None:
    system = inventory_store.create_system(db, "Ada", system_input())
    risk = store.create_risk(db, "Ada", risk_input(system.id))
    saved = store.record_rating(db, "Ben", rating_input(risk.id, "residual", likelihood=4))
    assert isinstance(saved, Rating)
    assert (saved.risk_id, saved.tier, saved.likelihood, saved.rated_by) == (
        risk.id,
        "residual",
        4,
        "Ben",
    )
    assert saved.level_rank >= 1 and saved.criteria_version == 1
    assert store.current_ratings(db, risk.id) == {"residual": saved}
    with pytest.raises(pydantic.ValidationError):
        saved.level = "Low"  # type: ignore[misc]  # a stored rating is never changed


def test_the_audit_event_carries_the_whole_rating(db: Database) -> None:
    system = inventory_store.create_system(db, "Ada", system_input())
    risk = store.create_risk(db, "Ada", risk_input(system.id))
    saved = store.record_rating(db, "Ben", rating_input(risk.id))
    event = audit_store.entity_history(db, "risk", risk.id)[-1]
    assert event["action"] == "rate"
    assert set(event["after"]) == set(Rating.model_fields)
    assert event["after"]["rated_at"] == saved.rated_at.isoformat()
    assert Rating.model_validate(event["after"]) == saved
