"""Floors in the store: the snapshot keeps the points level, the floors and the screening facts
it was scored with; a draft follows the screening, an approval goes stale when the screening
asks for more; responses answered on version 1.0 still open, report and export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from assessments.impact import get_questionnaire
from assessments.regulatory import ScreeningFacts
from assessments.reports.impact_pdf import build_impact_pdf
from assessments.store import impact as store
from assessments.store.audit import list_events
from assessments.store.db import Database
from assessments.store.inventory import create_system
from assessments.store.schema import MIGRATIONS_DIR
from tests.factories import system_input
from tests.impact_data import GRID_COLUMNS, GRID_ROWS, complete_answers
from tests.support.screening_answers import HIGH_RISK

AUTHOR = "Priya Raman"
REVIEWER = "Nadia Okafor"


class Screenings:
    """Stands in for the screening store: the facts of each system's current screening."""

    def __init__(self) -> None:
        self.facts: dict[int, ScreeningFacts] = {}

    def __call__(self, source: object, system_id: int) -> ScreeningFacts | None:
        return self.facts.get(system_id)

    def by_system(self, database: object) -> dict[int, ScreeningFacts]:
        return dict(self.facts)


@pytest.fixture
def screenings(monkeypatch: pytest.MonkeyPatch) -> Screenings:
    fake = Screenings()
    monkeypatch.setattr(store, "screening_facts", fake)
    monkeypatch.setattr(store, "screening_facts_by_system", fake.by_system)
    return fake


@pytest.fixture
def system_id(db: Database) -> int:
    return create_system(db, "Ada", system_input()).id


def answered(db: Database, system_id: int, **overrides: Any):
    response = store.start_assessment(db, AUTHOR, system_id)
    answers = complete_answers(**overrides)
    db.write(AUTHOR, lambda transaction: store.write_answers(transaction, response.id, answers))
    return store.get_response(db, response.id)


def approved(db: Database, system_id: int, **overrides: Any):
    response = answered(db, system_id, **overrides)
    store.submit(db, AUTHOR, response.id)
    return store.approve(db, REVIEWER, response.id, "Fine.")


def test_the_snapshot_keeps_points_level_floors_and_facts(
    db: Database, system_id: int, screenings: Screenings
) -> None:
    screenings.facts[system_id] = ScreeningFacts(eu_class="high_risk", colorado_covered=True)
    draft = answered(db, system_id)
    assert (draft.level, draft.level_rank, draft.points_level, draft.points_level_rank) == (
        "II",
        2,
        "I",
        1,
    )
    assert [floor.id for floor in draft.floors or []] == ["eu_high_risk", "colorado_covered"]
    assert draft.screening_facts == {
        "eu_class": "high_risk",
        "fria_required": False,
        "colorado_covered": True,
    }
    submitted = store.submit(db, AUTHOR, draft.id)
    assert submitted.level == "II"
    events = list_events(db, entity="impact_response", entity_id=str(draft.id))
    assert any("(level II)" in summary for summary in events["summary"])
    frame = store.assessment_status_by_system(db).set_index("system_id")
    assert (frame.loc[system_id, "level"], frame.loc[system_id, "points_level"]) == ("II", "I")


def test_a_draft_follows_the_screening(
    db: Database, system_id: int, screenings: Screenings
) -> None:
    draft = answered(db, system_id)
    assert (draft.level, draft.floors) == ("I", [])
    screenings.facts[system_id] = ScreeningFacts(eu_class="prohibited")
    report = store.report_data(db, draft.id)
    assert (report.level.id, report.result.stop) == ("IV", True), "the result reads it at once"
    store.save_answer(db, AUTHOR, draft.id, "system_people_reached", "up_to_1m")
    rescored = store.get_response(db, draft.id)
    assert (rescored.level, rescored.points_level) == ("IV", "I")
    assert rescored.floors is not None and rescored.floors[0].stop


def test_an_approval_goes_stale_when_the_screening_raises_its_floor(
    db: Database, system_id: int, screenings: Screenings
) -> None:
    signed = approved(db, system_id)
    assert signed.level == "I" and store.stale_reasons_for(db, signed) == []
    screenings.facts[system_id] = ScreeningFacts(eu_class="minimal_risk")
    assert store.stale_reasons_for(db, signed) == []
    screenings.facts[system_id] = ScreeningFacts(eu_class="high_risk")
    reason = (
        "screening now requires at least level II (High-risk under the EU AI Act), above the "
        "approved level"
    )
    assert store.stale_reasons_for(db, signed) == [reason]
    frame = store.assessment_status_by_system(db).set_index("system_id")
    assert bool(frame.loc[system_id, "stale"]) and frame.loc[system_id, "stale_reason"] == reason
    assert store.status_counts(db)["stale"] == 1
    # The approved result itself is shown as it was signed off, with the reason it is stale.
    report = store.report_data(db, signed.id)
    assert (report.level.id, report.result.floors) == ("I", [])
    assert report.stale_reasons == [reason]
    screenings.facts[system_id] = ScreeningFacts(eu_class="prohibited")
    assert store.stale_reasons_for(db, signed)[0].startswith("screening now says stop")


def test_a_locked_response_keeps_the_floors_it_was_approved_with(
    db: Database, system_id: int, screenings: Screenings
) -> None:
    screenings.facts[system_id] = ScreeningFacts(eu_class="high_risk")
    signed = approved(db, system_id)
    screenings.facts[system_id] = ScreeningFacts(eu_class="minimal_risk")
    report = store.report_data(db, signed.id)
    assert report.level.id == "II"
    assert [floor.id for floor in report.result.floors] == ["eu_high_risk"]
    assert report.stale_reasons == [], "a screening asking for less is no reason to reassess"


def test_the_export_carries_both_levels_and_the_floors(
    db: Database, system_id: int, screenings: Screenings
) -> None:
    screenings.facts[system_id] = ScreeningFacts(fria_required=True)
    approved(db, system_id)
    [record] = store.export_records(db)
    assert (record["level"], record["level_rank"]) == ("II", 2)
    assert (record["points_level"], record["points_level_rank"]) == ("I", 1)
    [floor] = record["floors"]
    assert (floor["id"], floor["level"]) == ("fria_required", "II")
    assert "fundamental rights impact assessment" in floor["reason"]
    assert record["screening_facts"]["fria_required"] is True
    json.dumps(record)


# --- Responses answered on version 1.0 -----------------------------------------------------------

OLD_COLUMNS = [column for column in GRID_COLUMNS if column not in ("environment", "public_debate")]
OLD_GRID = {
    row: dict.fromkeys(OLD_COLUMNS, "none") | {"environment_democracy": "low"} for row in GRID_ROWS
}


def as_version_1_0(db: Database, response_id: int) -> None:
    """Make a stored response look as version 1.0 left it: the combined harm column, no rated
    benefits or likelihoods, scored before floors existed."""
    with db.cursor() as cursor:
        cursor.execute(
            "UPDATE impact_responses SET questionnaire_version = '1.0', floors = NULL,"
            " screening_facts = NULL WHERE id = ?",
            [response_id],
        )
        cursor.execute(
            "UPDATE impact_answers SET value = ? WHERE response_id = ? AND question_id = ?",
            [json.dumps(OLD_GRID), response_id, "harm_grid"],
        )
        cursor.execute(
            "DELETE FROM impact_answers WHERE response_id = ? AND (question_id LIKE 'benefit_%'"
            " OR question_id LIKE 'likelihood_%')",
            [response_id],
        )


def test_an_approved_response_of_version_1_0_opens_reports_and_exports(
    db: Database, system_id: int, tmp_path: Path
) -> None:
    signed = approved(db, system_id)
    as_version_1_0(db, signed.id)
    report = store.report_data(db, signed.id)
    assert report.questionnaire.version == "1.0", "read with the version it answered"
    assert report.level.id == report.result.level.id == signed.level
    assert report.result.floors == [] and report.response.floors is None
    assert report.answers["harm_grid"] == OLD_GRID
    assert "current version is 2.0" in report.version_note
    assert report.benefits == [], "1.0 rated no benefits"
    assert build_impact_pdf(report).startswith(b"%PDF")
    [record] = store.export_records(db)
    assert record["questionnaire_version"] == "1.0" and record["floors"] is None
    assert record["answers"]["harm_grid"] == OLD_GRID


def test_a_reassessment_of_a_1_0_response_moves_to_2_0_carrying_what_fits(
    db: Database, system_id: int
) -> None:
    signed = approved(db, system_id)
    as_version_1_0(db, signed.id)
    again = store.start_assessment(db, AUTHOR, system_id)
    assert again.questionnaire_version == get_questionnaire().version == "2.0"
    carried = store.current_answers(db, again.id)
    assert carried["harm_grid"]["society"]["environment"] == "low"
    assert carried["harm_grid"]["society"]["public_debate"] == "low"
    assert "environment_democracy" not in carried["harm_grid"]["society"]
    with pytest.raises(store.MissingAnswersError) as refused:
        store.submit(db, AUTHOR, again.id)
    missing = {item.question_id for item in refused.value.missing}
    assert {"benefit_kinds", "benefit_grid", "likelihood_environment"} <= missing


def test_a_draft_started_on_1_0_continues_on_2_0(db: Database, system_id: int) -> None:
    draft = answered(db, system_id)
    as_version_1_0(db, draft.id)
    report = store.report_data(db, draft.id)
    assert report.questionnaire.version == "2.0"
    assert report.version_note.startswith("Started on questionnaire version 1.0; it continues")
    assert report.answers["harm_grid"]["groups"]["public_debate"] == "low"
    store.save_answer(db, AUTHOR, draft.id, "benefit_kinds", ["money_time"])
    assert store.get_response(db, draft.id).questionnaire_version == "2.0"
    assert store.report_data(db, draft.id).version_note == ""


def test_migration_008_keeps_the_recorded_level_as_the_points_level() -> None:
    """Rows scored before floors existed: points level = level; floors NULL ("not checked")."""
    connection = duckdb.connect(":memory:")
    try:
        connection.execute((MIGRATIONS_DIR / "003_impact_assessments.sql").read_text())
        connection.execute(
            "INSERT INTO impact_responses (system_id, questionnaire_id, questionnaire_version,"
            " version_no, status, created_at, created_by, updated_at, updated_by, level,"
            " level_rank) VALUES (1, 'ai_impact_assessment', '1.0', 1, 'approved', now(), 'a',"
            " now(), 'a', 'II', 2)"
        )
        connection.execute((MIGRATIONS_DIR / "008_impact_floors.sql").read_text())
        row = connection.execute(
            "SELECT points_level, points_level_rank, floors, screening_facts FROM impact_responses"
        ).fetchone()
    finally:
        connection.close()
    assert row == ("II", 2, None, None)


def test_a_new_screening_can_rescore_the_open_draft_at_once(
    db: Database, system_id: int, screenings: Screenings
) -> None:
    draft = answered(db, system_id)
    screenings.facts[system_id] = ScreeningFacts(eu_class="high_risk")
    rescored = db.write("Screening", lambda transaction: store.rescore_open(transaction, system_id))
    assert rescored is not None and (rescored.level, rescored.points_level) == ("II", "I")
    [event] = [e for e in store.history(db, draft.id) if e["action"] == "update"]
    assert event["summary"].endswith("with its current screening (level I → II)")
    unchanged = db.write(
        "Screening", lambda transaction: store.rescore_open(transaction, system_id)
    )
    assert unchanged is not None and unchanged.level == "II"
    assert [e["action"] for e in store.history(db, draft.id)].count("update") == 1
    store.submit(db, AUTHOR, draft.id)
    signed = db.write("Screening", lambda transaction: store.rescore_open(transaction, system_id))
    assert signed is None, "a submitted response keeps what was signed"


def test_saving_a_screening_rescores_the_open_draft_in_the_same_transaction(
    db: Database, system_id: int
) -> None:
    """No stand-in here: the screening store saves a real screening and calls the impact
    store's rescore, which reads the screening it has just written."""
    from assessments.store import screenings as screening_store

    draft = answered(db, system_id)
    assert (draft.level, draft.floors) == ("I", [])
    screening_store.record_screening(db, "Ada", system_id, HIGH_RISK)
    rescored = store.get_response(db, draft.id)
    assert (rescored.points_level, rescored.level) == ("I", "II")
    assert [floor.id for floor in rescored.floors or []] == ["eu_high_risk"]
    events = list_events(db, entity=store.ENTITY, entity_id=str(draft.id))
    updates = events[events["action"] == "update"]
    assert len(updates) == 1 and "level I → II" in updates["summary"].iloc[0]
    # Screening again with the same result writes nothing more.
    screening_store.record_screening(db, "Ada", system_id, HIGH_RISK)
    events = list_events(db, entity=store.ENTITY, entity_id=str(draft.id))
    assert (events["action"] == "update").sum() == 1
