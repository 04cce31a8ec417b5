"""The impact assessment counters count each system once, and the next step after a screening
is worded from the assessment's real state."""

from __future__ import annotations

from datetime import datetime

from assessments.impact import ImpactResponse
from assessments.impact_next_step import impact_next_step
from assessments.store import impact as store
from assessments.store.db import Database
from assessments.store.inventory import create_system
from tests.factories import system_input
from tests.impact_data import complete_answers

AUTHOR = "Priya Raman"
REVIEWER = "Nadia Okafor"
# The counters that together cover every system in scope once.
PARTITION = (
    "current",
    "stale",
    "first_submitted",
    "first_returned",
    "first_draft",
    "never_assessed",
)


def approved(db: Database, system_id: int) -> int:
    response = store.start_assessment(db, AUTHOR, system_id)
    answers = complete_answers()
    db.write(AUTHOR, lambda transaction: store.write_answers(transaction, response.id, answers))
    store.submit(db, AUTHOR, response.id)
    return store.approve(db, REVIEWER, response.id, "Fine.").id


def test_a_re_assessment_in_progress_does_not_count_a_system_twice(db: Database) -> None:
    reassessed = create_system(db, "Ada", system_input(name="Reassessed")).id
    drafted = create_system(db, "Ada", system_input(name="Drafted")).id
    create_system(db, "Ada", system_input(name="Never"))
    approved(db, reassessed)
    store.start_assessment(db, AUTHOR, reassessed)
    store.start_assessment(db, AUTHOR, drafted)
    counts = store.status_counts(db)
    assert counts["systems"] == 3
    assert sum(counts[key] for key in PARTITION) == 3
    assert (counts["current"], counts["reassessing_current"]) == (1, 1)
    assert (counts["first_draft"], counts["never_assessed"]) == (1, 1)
    # The work still to do counts both drafts.
    assert counts["draft"] == 2


def test_the_counters_add_up_to_the_systems_in_scope_on_the_demo(demo_db: Database) -> None:
    db = demo_db
    counts = store.status_counts(db)
    assert counts["systems"] > 0
    assert sum(counts[key] for key in PARTITION) == counts["systems"]
    assert counts["reassessing_current"] + counts["reassessing_stale"] >= 1
    assert counts["draft"] + counts["returned"] + counts["awaiting_approval"] > (
        counts["first_draft"] + counts["first_returned"] + counts["first_submitted"]
    ), "the demo holds a re-assessment in progress: the case that was counted twice"


def version(number: int, status: str, **values: object) -> ImpactResponse:
    when = datetime(2026, 5, 1, 10, 0)
    return ImpactResponse.model_validate(
        {
            "id": 10 + number,
            "system_id": 1,
            "questionnaire_id": "ai_impact_assessment",
            "questionnaire_version": "1.0",
            "version_no": number,
            "status": status,
            "created_at": when,
            "created_by": AUTHOR,
            "updated_at": when,
            "updated_by": AUTHOR,
            "level": "II",
            **values,
        }
    )


def test_the_next_step_follows_the_assessment_state() -> None:
    none = impact_next_step([])
    assert (none.state, none.target, none.action) == (
        "none",
        "assessments",
        "Start the impact assessment of this system",
    )
    draft = impact_next_step([version(1, "draft", answered=12, shown=40)])
    assert (draft.state, draft.target, draft.response_id) == ("draft", "wizard", 11)
    assert "12 of 40 questions answered" in draft.text
    returned = impact_next_step([version(1, "returned", returned_by=REVIEWER)])
    assert returned.state == "returned" and f"returned for changes by {REVIEWER}" in returned.text
    waiting = impact_next_step([version(1, "submitted", submitted_by=AUTHOR)])
    assert (waiting.state, waiting.target) == ("submitted", "result")
    assert "waits for sign-off" in waiting.text
    signed = version(1, "approved", approved_at=datetime(2026, 5, 2, 9, 0))
    current = impact_next_step([signed])
    assert (current.state, current.target, current.response_id) == ("approved", "result", 11)
    assert current.text == (
        "The impact assessment is approved and current (version 1, level II, approved on"
        " 2026-05-02)."
    )
    stale = impact_next_step([signed], ["material change on 2026-06-01"])
    assert (stale.state, stale.target) == ("stale", "assessments")
    assert stale.text.endswith("is out of date: material change on 2026-06-01.")
    again = impact_next_step([signed, version(2, "draft", answered=3, shown=40)])
    assert again.state == "draft" and again.response_id == 12
    assert again.text.startswith("A re-assessment (version 2) is a draft")
    assert "version 1, level II, approved on 2026-05-02" in again.text
