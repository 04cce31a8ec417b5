"""Impact assessments in the store: drafts, the workflow, re-assessment, staleness, exports."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from assessments.errors import ConflictError
from assessments.impact import (
    AnswerError,
    MissingAnswersError,
    WorkflowError,
    get_questionnaire,
)
from assessments.questionnaire import AnswersFileError, answers_to_json, diff_answers
from assessments.store import impact as store
from assessments.store.audit import list_events
from assessments.store.db import Database
from assessments.store.health import check
from assessments.store.inventory import create_system, get_system, retire_system, update_system
from assessments.store.risks import current_ratings, get_risk
from tests.factories import system_input
from tests.impact_data import complete_answers, grid, load_impact_demo

AUTHOR = "Priya Raman"
REVIEWER = "Nadia Okafor"


def answer_all(db: Database, response_id: int, answers: dict[str, Any]) -> None:
    """Answer in questionnaire order, as the wizard does (conditions see earlier answers)."""
    for question in get_questionnaire().questions:
        if question.id in answers:
            store.save_answer(db, AUTHOR, response_id, question.id, answers[question.id])


def approved_response(db: Database, system_id: int, **overrides: Any):
    response = store.start_assessment(db, AUTHOR, system_id)
    answers = complete_answers(**overrides)
    db.write(AUTHOR, lambda transaction: store.write_answers(transaction, response.id, answers))
    store.submit(db, AUTHOR, response.id)
    return store.approve(db, REVIEWER, response.id, "Fine.")


@pytest.fixture
def system_id(db: Database) -> int:
    return create_system(db, "Ada", system_input()).id


def test_start_creates_a_draft_with_a_create_event(db: Database, system_id: int) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    assert (response.status, response.version_no, response.previous_id) == ("draft", 1, None)
    assert response.questionnaire_id == "ai_impact_assessment"
    assert response.questionnaire_version == get_questionnaire().version
    events = list_events(db, entity="impact_response", entity_id=str(response.id))
    assert list(events["action"]) == ["create"]


def test_each_answer_is_one_write_with_an_audit_event_and_resumes(
    db: Database, db_path: Path, system_id: int
) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    outcome = store.save_answer(db, AUTHOR, response.id, "system_legal_effect", "yes")
    assert outcome.value is True and outcome.changed
    again = store.save_answer(db, AUTHOR, response.id, "system_legal_effect", True)
    assert not again.changed
    store.save_answer(db, AUTHOR, response.id, "scope_boundaries", "Only the EU desk.")
    store.save_answer(db, AUTHOR, response.id, "scope_boundaries", "")
    answers = db.query_one("SELECT count(*) FROM impact_answers")[0]
    events = list_events(db, entity="impact_answer")
    assert answers == 3 and len(events) == 3
    assert set(events["actor"]) == {AUTHOR}
    db.close()
    reopened = Database(db_path)
    assert store.current_answers(reopened, response.id) == {"system_legal_effect": True}
    saved = store.get_response(reopened, response.id)
    assert saved.answered == 1 and saved.level_rank == 1 and saved.impact_score == 4
    reopened.close()


def test_refused_answers_change_nothing(db: Database, system_id: int) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    store.save_answer(db, AUTHOR, response.id, "data_personal", True)
    store.save_answer(db, AUTHOR, response.id, "data_retention_days", 90)
    before = db.query_one("SELECT count(*) FROM audit_events")[0]
    with pytest.raises(AnswerError, match="out of range"):
        store.save_answer(db, AUTHOR, response.id, "data_retention_days", 40000)
    with pytest.raises(AnswerError, match="the limit is 200"):
        store.save_answer(db, AUTHOR, response.id, "deploy_regions", "x" * 201)
    store.save_answer(db, AUTHOR, response.id, "data_personal", False)
    with pytest.raises(AnswerError, match="does not apply"):
        store.save_answer(db, AUTHOR, response.id, "data_special", ["health"])
    assert db.query_one("SELECT count(*) FROM audit_events")[0] == before + 1
    assert store.current_answers(db, response.id)["data_retention_days"] == 90


def test_submit_lists_every_missing_required_answer(db: Database, system_id: int) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    answers = complete_answers()
    del answers["measure_owner"], answers["system_purpose"]
    answer_all(db, response.id, answers)
    with pytest.raises(MissingAnswersError) as refused:
        store.submit(db, AUTHOR, response.id)
    assert [item.question_id for item in refused.value.missing] == [
        "system_purpose",
        "measure_owner",
    ]
    assert [item.section_id for item in refused.value.missing] == ["system", "measures"]
    assert store.get_response(db, response.id).status == "draft"


def test_submit_locks_and_approval_is_by_someone_else(db: Database, system_id: int) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    answer_all(db, response.id, complete_answers())
    submitted = store.submit(db, AUTHOR, response.id)
    assert submitted.status == "submitted" and submitted.submitted_by == AUTHOR
    assert submitted.level == "I" and submitted.review_due == date(2030, 1, 31)
    with pytest.raises(WorkflowError, match="locked"):
        store.save_answer(db, AUTHOR, response.id, "system_autonomy", "none")
    with pytest.raises(WorkflowError, match="someone else"):
        store.approve(db, AUTHOR, response.id)
    approved = store.approve(db, REVIEWER, response.id, "Agreed.")
    assert (approved.status, approved.approved_by, approved.review_comment) == (
        "approved",
        REVIEWER,
        "Agreed.",
    )
    with pytest.raises(WorkflowError, match="locked"):
        store.save_answer(db, REVIEWER, response.id, "system_autonomy", "none")
    with pytest.raises(WorkflowError, match="cannot be returned"):
        store.return_for_changes(db, REVIEWER, response.id, "Too late")
    assert [event["action"] for event in store.history(db, response.id)] == [
        "create",
        "submit",
        "approve",
    ]


def test_return_needs_a_comment_and_reopens_for_editing(db: Database, system_id: int) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    answer_all(db, response.id, complete_answers())
    store.submit(db, AUTHOR, response.id)
    with pytest.raises(WorkflowError, match="needs a comment"):
        store.return_for_changes(db, REVIEWER, response.id, " ")
    returned = store.return_for_changes(db, REVIEWER, response.id, "Describe the misuse.")
    assert returned.status == "returned" and returned.review_comment == "Describe the misuse."
    store.save_answer(db, AUTHOR, response.id, "misuse_foreseeable", ["gaming"])
    with pytest.raises(MissingAnswersError) as refused:
        store.submit(db, AUTHOR, response.id)
    assert [item.question_id for item in refused.value.missing] == ["misuse_details"]
    store.save_answer(db, AUTHOR, response.id, "misuse_details", "Agents could game it.")
    assert store.submit(db, AUTHOR, response.id).status == "submitted"


def test_reassessment_is_prefilled_and_shows_what_changed(db: Database, system_id: int) -> None:
    first = approved_response(db, system_id)
    second = store.start_assessment(db, AUTHOR, system_id)
    with pytest.raises(ConflictError, match="still draft; continue that one"):
        store.start_assessment(db, AUTHOR, system_id)
    assert (second.version_no, second.previous_id, second.status) == (2, first.id, "draft")
    records = store.answer_records(db, second.id)
    assert {key: record["value"] for key, record in records.items()} == store.current_answers(
        db, first.id
    )
    assert all(record["carried_from"] is not None for record in records.values())
    store.save_answer(db, AUTHOR, second.id, "system_autonomy", "none")
    report = store.report_data(db, second.id)
    assert report.previous is not None and report.previous.id == first.id
    changes = diff_answers(
        report.questionnaire, store.current_answers(db, first.id), report.answers
    )
    assert [(c["question_id"], c["old"], c["new"]) for c in changes] == [
        ("system_autonomy", "human_in_the_loop", "none")
    ]
    assert store.current_answers(db, first.id)["system_autonomy"] == "human_in_the_loop"


def test_retired_systems_are_not_assessed(db: Database, system_id: int) -> None:
    retire_system(db, "Ada", system_id)
    with pytest.raises(ConflictError, match="retired"):
        store.start_assessment(db, AUTHOR, system_id)


def test_material_change_after_approval_makes_it_stale(db: Database, system_id: int) -> None:
    approved = approved_response(db, system_id)
    assert store.stale_reasons_for(db, approved) == []
    system = get_system(db, system_id)
    cosmetic = system.as_input().model_copy(update={"description": "Reworded."})
    update_system(db, "Ada", system_id, cosmetic)
    assert store.stale_reasons_for(db, approved) == []
    material = cosmetic.model_copy(update={"autonomy": "none"})
    update_system(db, "Ada", system_id, material)
    reasons = store.stale_reasons_for(db, approved)
    assert len(reasons) == 1 and reasons[0].startswith("material change to the AI system")
    assert store.material_changes_since(db, system_id, approved.approved_at) == ["autonomy"]
    frame = store.assessment_status_by_system(db)
    row = frame[frame["system_id"] == system_id].iloc[0]
    assert bool(row["stale"]) and row["approved_id"] == approved.id
    assert store.status_counts(db)["stale"] == 1


def test_passed_review_date_makes_it_stale(db: Database, system_id: int) -> None:
    approved = approved_response(db, system_id, scope_next_review="2027-01-15")
    assert store.stale_reasons_for(db, approved, today=date(2027, 1, 15)) == []
    assert store.stale_reasons_for(db, approved, today=date(2027, 1, 16)) == [
        "review date 2027-01-15 passed"
    ]
    frame = store.assessment_status_by_system(db, today=date(2027, 2, 1))
    assert frame.loc[0, "stale_reason"] == "review date 2027-01-15 passed"


def test_status_by_system_covers_never_assessed_systems(db: Database, system_id: int) -> None:
    other = create_system(db, "Ada", system_input(name="Queue Sorter")).id
    store.start_assessment(db, AUTHOR, other)
    frame = store.assessment_status_by_system(db)
    assert set(frame.columns) >= {
        "system_id",
        "response_id",
        "status",
        "level",
        "level_rank",
        "stale",
        "stale_reason",
        "approved_id",
    }
    by_system = frame.set_index("system_id")
    assert by_system.loc[system_id, "response_id"] is not None
    assert bool(by_system["response_id"].isna()[system_id])
    assert by_system.loc[other, "status"] == "draft"
    counts = store.status_counts(db)
    assert (counts["never_assessed"], counts["draft"], counts["current"]) == (1, 1, 0)


def test_export_records_have_the_documented_shape(db: Database, system_id: int) -> None:
    approved = approved_response(db, system_id, failure_exposure="anyone_free_text")
    records = store.export_records(db)
    assert len(records) == 1
    record = records[0]
    for name in (
        "id",
        "system_id",
        "questionnaire_id",
        "questionnaire_version",
        "status",
        "impact_score",
        "impact_max",
        "mitigation_score",
        "mitigation_max",
        "level",
        "level_rank",
        "dimension_scores",
        "answers",
        "submitted_by",
        "submitted_at",
        "approved_by",
        "approved_at",
    ):
        assert name in record, name
    assert record["id"] == approved.id and record["status"] == "approved"
    assert record["level_rank"] == 1 and record["approved_by"] == REVIEWER
    assert record["answers"]["failure_exposure"] == "anyone_free_text"
    assert set(record["dimension_scores"]["privacy"]) == {"score", "max"}
    json.dumps(records)


def test_import_answers_keeps_the_good_ones_and_names_the_rest(
    db: Database, system_id: int
) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    questionnaire = get_questionnaire()
    payload = json.loads(answers_to_json(questionnaire, complete_answers()))
    payload["answers"]["harm_worst_severity"] = 9
    payload["answers"]["data_special"] = ["health"]
    outcome = store.import_answers(db, AUTHOR, response.id, json.dumps(payload))
    assert "system_purpose" in outcome.saved
    assert any("harm_worst_severity" in note for note in outcome.notes)
    assert any("data_special" in note and "does not apply" in note for note in outcome.notes)
    stored = store.current_answers(db, response.id)
    assert "harm_worst_severity" not in stored and "data_special" not in stored
    again = store.import_answers(db, AUTHOR, response.id, json.dumps(payload))
    assert again.saved == [] and "system_purpose" in again.unchanged
    with pytest.raises(AnswersFileError, match="not an answer file"):
        store.import_answers(db, AUTHOR, response.id, "[]")


def test_a_suggested_risk_is_added_once_with_its_rating(db: Database, system_id: int) -> None:
    answers = complete_answers(
        harm_grid=grid("none", society__discrimination="high"),
        harm_description="Some groups could be routed to slower queues.",
        failure_exposure="anyone_free_text",
    )
    response = store.start_assessment(db, AUTHOR, system_id)
    answer_all(db, response.id, answers)
    risk_id = store.add_suggested_risk(db, AUTHOR, response.id, "harm_grid", 0)
    assert store.add_suggested_risk(db, AUTHOR, response.id, "harm_grid", 0) == risk_id
    risk = get_risk(db, risk_id)
    system = get_system(db, system_id)
    assert risk.origin == f"impact:{response.id}:harm_grid"
    assert (risk.owner, risk.lifecycle_stage, risk.harm_category) == (
        system.owner,
        system.lifecycle_stage,
        "fairness",
    )
    inherent = current_ratings(db, risk_id)["inherent"]
    assert (inherent["likelihood"], inherent["severity"]) == (3, 4)
    assert db.query_one("SELECT count(*) FROM risks")[0] == 1
    links = store.risk_links(db, store.get_response(db, response.id))
    assert links == {("harm_grid", 0): risk_id}
    with pytest.raises(store.SuggestionError):
        store.add_suggested_risk(db, AUTHOR, response.id, "system_autonomy", 0)


def test_a_reassessment_does_not_suggest_an_added_risk_again(db: Database, system_id: int) -> None:
    first = approved_response(db, system_id, failure_exposure="anyone_free_text")
    risk_id = store.add_suggested_risk(db, REVIEWER, first.id, "failure_exposure")
    second = store.start_assessment(db, AUTHOR, system_id)
    assert store.risk_links(db, second) == {("failure_exposure", 0): risk_id}
    assert store.add_suggested_risk(db, AUTHOR, second.id, "failure_exposure") == risk_id


def test_health_check_sees_every_answer_audited(db: Database, system_id: int) -> None:
    approved_response(db, system_id)
    report = check(db)
    assert report.unaudited["impact_response"] == 0
    assert report.unaudited["impact_answer"] == 0


def test_demo_has_every_state_and_three_levels_and_loads_once(db: Database) -> None:
    assert load_impact_demo(db) >= 5
    assert load_impact_demo(db) == 0
    responses = db.query_df("SELECT status, level FROM impact_responses")
    assert {"draft", "submitted", "approved", "returned"} <= set(responses["status"])
    assert responses["level"].nunique() >= 3
    frame = store.assessment_status_by_system(db)
    assert frame["stale"].sum() >= 1
    assert check(db).ok
    returned = db.query_one(
        "SELECT review_comment FROM impact_responses WHERE status = 'returned'"
    )[0]
    assert returned
    later = store.assessment_status_by_system(db, today=date.today() + timedelta(days=3650))
    assert later[later["approved_id"].notna()]["stale"].all()


def test_a_locked_response_says_when_the_questionnaire_has_changed(
    db: Database, system_id: int
) -> None:
    approved = approved_response(db, system_id)
    assert store.report_data(db, approved.id).version_note == ""
    with db.cursor() as cursor:
        cursor.execute(
            "UPDATE impact_responses SET questionnaire_version = '0.9' WHERE id = ?", [approved.id]
        )
    note = store.report_data(db, approved.id).version_note
    current = get_questionnaire().version
    assert note.startswith(f"Answered on questionnaire version 0.9; shown with version {current}.")
    assert "The level recorded at submission was I." in note
