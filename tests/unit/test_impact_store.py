"""Impact assessments in the store: drafts, the workflow, re-assessment, staleness, exports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
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
from assessments.questionnaire.errors import AnswersFileError
from assessments.questionnaire.files import answers_to_json, diff_answers
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
    db: Database, db_path: Path | str, system_id: int
) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    prefilled = store.current_answers(db, response.id)
    outcome = store.save_answer(db, AUTHOR, response.id, "system_legal_effect", "yes")
    assert outcome.value is True and outcome.changed
    again = store.save_answer(db, AUTHOR, response.id, "system_legal_effect", True)
    assert not again.changed
    store.save_answer(db, AUTHOR, response.id, "scope_boundaries", "Only the EU desk.")
    store.save_answer(db, AUTHOR, response.id, "scope_boundaries", "")
    answers = db.query_one("SELECT count(*) FROM impact_answers")[0]
    events = list_events(db, entity="impact_answer")
    assert answers == len(prefilled) + 3 and len(events) == answers
    assert set(events["actor"]) == {AUTHOR}
    db.close()
    reopened = Database(db_path)
    assert store.current_answers(reopened, response.id) == prefilled | {"system_legal_effect": True}
    saved = store.get_response(reopened, response.id)
    assert saved.answered == len(prefilled) + 1
    assert saved.level_rank == 1 and saved.impact_score == 4
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
    del answers["measure_owner"], answers["scope_boundaries"]
    answer_all(db, response.id, answers)
    with pytest.raises(MissingAnswersError) as refused:
        store.submit(db, AUTHOR, response.id)
    assert [item.question_id for item in refused.value.missing] == [
        "scope_boundaries",
        "measure_owner",
    ]
    assert [item.section_id for item in refused.value.missing] == ["scope", "measures"]
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
    assert len(reasons) == 1 and reasons[0].startswith("material change on")
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
    assert any("how severe would it be?" in note and "9 is out" in note for note in outcome.notes)
    assert any(
        "especially sensitive kinds" in note and "does not apply" in note for note in outcome.notes
    )
    stored = store.current_answers(db, response.id)
    assert "harm_worst_severity" not in stored and "data_special" not in stored
    again = store.import_answers(db, AUTHOR, response.id, json.dumps(payload))
    assert again.saved == [] and "system_purpose" in again.unchanged
    with pytest.raises(AnswersFileError, match="not an answer file"):
        store.import_answers(db, AUTHOR, response.id, "[]")


def test_a_suggested_risk_is_added_once_unrated(db: Database, system_id: int) -> None:
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
    # Nobody rated it: the questionnaire's default is only offered as a starting point.
    assert current_ratings(db, risk_id) == {}
    assert db.query_one("SELECT count(*) FROM risk_ratings")[0] == 0
    likelihood, severity, reason = store.suggested_rating(db, risk)
    assert (likelihood, severity) == (3, 4)
    assert "impact questionnaire" in reason and f"#{response.id}" in reason
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


def demo_states(database: Database, today: date) -> dict[str, tuple[str, str, bool, str]]:
    """System -> (status, level, stale, why stale) of its latest demo assessment."""
    frame = store.assessment_status_by_system(database, today=today)
    frame = frame[frame["response_id"].notna()]
    return {
        row["system_name"]: (
            row["status"],
            row["level"],
            bool(row["stale"]),
            str(row["stale_reason"]).split(" ")[0] if row["stale"] else "",
        )
        for _, row in frame.iterrows()
    }


def test_the_demo_shows_the_same_states_whenever_it_is_loaded(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its dates count from the day of loading: three years on, nothing has gone stale that
    was current, and what was stale is stale for the same reason."""
    load_impact_demo(db)
    today = demo_states(db, date.today())
    later = Database(tmp_path / "later.duckdb")
    try:
        future = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=3 * 365)
        monkeypatch.setattr("assessments.store.db.utc_now", lambda: future)
        load_impact_demo(later)
        assert demo_states(later, future.date()) == today
    finally:
        later.close()
    assert sorted(reason for *_, stale, reason in today.values() if stale) == [
        "material",
        "review",
    ]


def test_has_assessment_sees_any_version_of_that_questionnaire(
    db: Database, system_id: int
) -> None:
    def assessed(questionnaire_id: str):
        def work(transaction) -> bool:
            return store.has_assessment(transaction, system_id, questionnaire_id)

        return work

    assert db.write(AUTHOR, assessed("ai_impact_assessment")) is False
    store.start_assessment(db, AUTHOR, system_id)
    assert db.write(AUTHOR, assessed("ai_impact_assessment")) is True
    assert db.write(AUTHOR, assessed("another_questionnaire")) is False


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


def test_suggested_rating_only_for_risks_raised_by_an_impact_answer(
    db: Database, system_id: int
) -> None:
    first = approved_response(db, system_id, failure_exposure="anyone_free_text")
    risk = get_risk(db, store.add_suggested_risk(db, REVIEWER, first.id, "failure_exposure"))
    trigger = get_questionnaire().question("failure_exposure").triggers[0].risk
    assert store.suggested_rating(db, risk)[:2] == (trigger.likelihood, trigger.severity)
    assert store.suggested_rating(db, risk.model_copy(update={"origin": ""})) is None
    gone = risk.model_copy(update={"origin": "impact:999:failure_exposure"})
    assert store.suggested_rating(db, gone) is None
    no_trigger = risk.model_copy(update={"origin": f"impact:{first.id}:failure_exposure:7"})
    assert store.suggested_rating(db, no_trigger) is None
    other_system = risk.model_copy(update={"system_id": system_id + 1})
    assert store.suggested_rating(db, other_system) is None


def test_start_prefills_the_context_the_inventory_already_holds(
    db: Database, system_id: int
) -> None:
    system = get_system(db, system_id)
    response = store.start_assessment(db, AUTHOR, system_id)
    assert store.current_answers(db, response.id) == {
        "scope_lifecycle_stage": system.lifecycle_stage,
        "scope_org_role": system.roles,
        "system_purpose": system.purpose,
        "system_technique": system.ai_technique,
    }, "context questions only: scored questions get a deliberate answer"
    events = list_events(db, entity="impact_answer")
    assert all("from the inventory record" in summary for summary in events["summary"])


def test_a_reassessment_keeps_its_carried_answers_over_the_inventory(
    db: Database, system_id: int
) -> None:
    approved_response(db, system_id, scope_lifecycle_stage="deployment", scope_org_role=None)
    second = store.start_assessment(db, AUTHOR, system_id)
    answers = store.answer_records(db, second.id)
    assert answers["scope_lifecycle_stage"]["value"] == "deployment"
    assert answers["scope_lifecycle_stage"]["carried_from"] is not None
    assert answers["scope_org_role"]["value"] == ["ai_user"], "empty before: filled in now"
    assert answers["scope_org_role"]["carried_from"] is None


def test_answers_that_contradict_the_inventory_are_named(db: Database, system_id: int) -> None:
    response = store.start_assessment(db, AUTHOR, system_id)
    assert store.report_data(db, response.id).inventory_conflicts == []
    store.save_answer(db, AUTHOR, response.id, "system_technique", "generative_llm")
    store.save_answer(db, AUTHOR, response.id, "data_personal", True)
    store.save_answer(db, AUTHOR, response.id, "data_special", ["health"])
    store.save_answer(db, AUTHOR, response.id, "deploy_setting", "customer_facing")
    conflicts = store.report_data(db, response.id).inventory_conflicts
    assert [conflict.question_id for conflict in conflicts] == ["system_technique", "data_special"]
    technique = conflicts[0]
    assert (technique.answer_text, technique.record_text) == (
        "Generative AI or a large language model",
        "Machine learning",
    )
    assert technique.message == (
        '"What kind of AI does the system use?" is answered "Generative AI or a large language '
        'model", but the inventory record says AI technique: "Machine learning".'
    )
    assert "Special-category data" in conflicts[1].message


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("all", {"Never", "Draft", "Approved", "Stale", "Returned"}),
        ("attention", {"Never", "Stale", "Returned"}),
        ("stale", {"Stale"}),
        ("returned", {"Returned"}),
        ("draft", {"Draft"}),
        ("approved", {"Approved"}),
        ("never", {"Never"}),
        ("submitted", set()),
    ],
)
def test_the_list_views_filter_in_the_store(db: Database, view: str, expected: set[str]) -> None:
    ids = {
        name: create_system(db, "Ada", system_input(name=name)).id
        for name in ("Never", "Draft", "Approved", "Stale", "Returned", "Retired")
    }
    store.start_assessment(db, AUTHOR, ids["Draft"])
    approved_response(db, ids["Approved"])
    approved_response(db, ids["Stale"], scope_next_review="2020-01-31")
    returned = store.start_assessment(db, AUTHOR, ids["Returned"])
    answer_all(db, returned.id, complete_answers())
    store.submit(db, AUTHOR, returned.id)
    store.return_for_changes(db, REVIEWER, returned.id, "Say more.")
    retire_system(db, "Ada", ids["Retired"])
    shown = store.assessment_view(db, view)
    assert set(shown["system_name"]) == expected
    if view == "all":
        states = dict(zip(shown["system_name"], shown["state"], strict=True))
        assert states["Never"] == "Never assessed" and states["Draft"] == "Draft"
        assert "Retired" in set(
            store.assessment_view(db, view, include_retired=True)["system_name"]
        )
