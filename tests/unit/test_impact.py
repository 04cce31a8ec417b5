"""The impact assessment rules: workflow, answers, staleness, suggested risks, display helpers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import yaml

from assessments import impact
from assessments.identity import same_person
from assessments.impact import (
    AnswerError,
    WorkflowError,
    check_editable,
    check_reviewer,
    clean_comment,
    describe_answer,
    dimension_shares,
    get_questionnaire,
    next_status,
    origin_for,
    parse_origin,
    points,
    prepare_answer,
    review_due_from,
    risk_input_for,
    stale_reasons,
    suggestions,
)
from assessments.inventory import AISystem
from assessments.questionnaire.scoring import score
from tests.factories import system_input
from tests.impact_data import complete_answers, grid


@pytest.fixture(scope="module")
def questionnaire():
    return get_questionnaire()


# --- Workflow ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        ("draft", "submit", "submitted"),
        ("returned", "submit", "submitted"),
        ("submitted", "approve", "approved"),
        ("submitted", "return", "returned"),
    ],
)
def test_allowed_transitions(status: str, action: str, target: str) -> None:
    assert next_status(status, action) == target


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "approve"),
        ("draft", "return"),
        ("submitted", "submit"),
        ("approved", "submit"),
        ("approved", "approve"),
        ("approved", "return"),
        ("returned", "approve"),
    ],
)
def test_refused_transitions_say_why(status: str, action: str) -> None:
    with pytest.raises(WorkflowError, match="cannot be"):
        next_status(status, action)


def test_unknown_action_is_refused() -> None:
    with pytest.raises(WorkflowError, match="Unknown"):
        next_status("draft", "publish")


def test_only_drafts_and_returned_responses_take_answers() -> None:
    check_editable("draft")
    check_editable("returned")
    for status in ("submitted", "approved"):
        with pytest.raises(WorkflowError, match="locked"):
            check_editable(status)


def test_four_eyes() -> None:
    check_reviewer("Nadia Okafor", "Priya Raman")
    with pytest.raises(WorkflowError, match="someone else"):
        check_reviewer(" priya raman ", "Priya Raman")
    assert same_person("PRIYA RAMAN", "Priya Raman")
    assert not same_person(None, "Priya Raman")


def test_a_return_needs_a_comment_and_comments_are_limited() -> None:
    assert clean_comment("approve", "  ") == ""
    assert clean_comment("return", " Fix the misuse section. ") == "Fix the misuse section."
    with pytest.raises(WorkflowError, match="needs a comment"):
        clean_comment("return", "   ")
    with pytest.raises(WorkflowError, match="limit is 2000"):
        clean_comment("approve", "x" * 2001)


# --- Answers -----------------------------------------------------------------------------------


def test_prepare_answer_normalises(questionnaire) -> None:
    assert prepare_answer(questionnaire, {}, "system_legal_effect", "yes") is True
    assert prepare_answer(questionnaire, {}, "scope_boundaries", "  text  ") == "text"
    assert prepare_answer(questionnaire, {}, "scope_boundaries", "   ") is None


def test_prepare_answer_refuses_bad_input_with_a_message(questionnaire) -> None:
    personal = {"data_personal": True}
    with pytest.raises(AnswerError, match="out of range: must be at least 0 and at most 36500"):
        prepare_answer(questionnaire, personal, "data_retention_days", 36501)
    with pytest.raises(AnswerError, match="the limit is 4000"):
        prepare_answer(questionnaire, {}, "scope_boundaries", "x" * 4001)
    with pytest.raises(AnswerError, match="does not apply"):
        prepare_answer(questionnaire, {"data_personal": False}, "data_special", ["health"])
    with pytest.raises(AnswerError, match="no such question"):
        prepare_answer(questionnaire, {}, "not_a_question", 1)


def test_review_due_from_answers() -> None:
    assert review_due_from({"scope_next_review": "2027-03-01"}) == date(2027, 3, 1)
    assert review_due_from({}) is None


def test_describe_answer_for_each_type(questionnaire) -> None:
    question = questionnaire.question
    assert describe_answer(question("system_autonomy"), "none") == (
        "No person is involved once it runs"
    )
    assert describe_answer(question("parties_vulnerable"), ["older_people", "disability"]) == (
        "Older people; People with a disability"
    )
    assert describe_answer(question("system_legal_effect"), False) == "No"
    assert describe_answer(question("harm_worst_severity"), 5).startswith("5: Irreversible")
    assert describe_answer(question("data_retention_days"), 90.0) == "90"
    table = describe_answer(question("harm_grid"), {"society": {"privacy": "high"}})
    assert table == "Society at large: Loss of privacy: High"
    assert describe_answer(question("scope_boundaries"), None) == "—"


# --- Staleness ---------------------------------------------------------------------------------

APPROVED = datetime(2026, 3, 1, 12, 0)
TODAY = date(2026, 11, 28)


def reasons(**changes) -> list[str]:
    values = {
        "approved_at": APPROVED,
        "material_change_at": None,
        "review_due": date(2027, 3, 1),
        "system_next_review": date(2027, 3, 1),
        "today": TODAY,
    } | changes
    return stale_reasons(**values)


def test_a_current_approval_is_not_stale() -> None:
    assert reasons() == []
    assert reasons(approved_at=None, material_change_at=datetime(2026, 5, 1)) == []


def test_material_change_after_approval_makes_it_stale() -> None:
    assert reasons(material_change_at=datetime(2026, 2, 1)) == []
    found = reasons(material_change_at=datetime(2026, 5, 2, 9, 0))
    assert found == ["material change on 2026-05-02"]


def test_passed_review_dates_make_it_stale() -> None:
    assert reasons(review_due=date(2026, 9, 30)) == ["review date 2026-09-30 passed"]
    assert reasons(review_due=None, system_next_review=date(2026, 6, 30)) == [
        "the system's review date 2026-06-30 passed"
    ]


def test_an_approval_after_the_system_review_date_counts_as_the_review() -> None:
    assert reasons(review_due=None, system_next_review=date(2026, 2, 1)) == []


# --- Suggested risks ---------------------------------------------------------------------------


def test_origin_round_trip() -> None:
    assert origin_for(12, "system_autonomy") == "impact:12:system_autonomy"
    assert origin_for(12, "harm_grid", 1) == "impact:12:harm_grid:1"
    assert parse_origin("impact:12:system_autonomy") == (12, "system_autonomy", 0)
    assert parse_origin("impact:12:harm_grid:1") == (12, "harm_grid", 1)
    assert parse_origin("library:R-12") is None
    assert parse_origin("") is None


def test_suggestions_know_which_trigger_of_a_question_fired(questionnaire) -> None:
    answers = complete_answers(
        harm_grid=grid("none", individuals__physical_psychological="high"),
        harm_description="A wrong route could delay an urgent safety ticket.",
    )
    found = suggestions(questionnaire, score(questionnaire, answers))
    grid_suggestions = [item for item in found if item.question_id == "harm_grid"]
    assert [item.trigger_index for item in grid_suggestions] == [1]
    assert grid_suggestions[0].origin(7) == "impact:7:harm_grid:1"


def test_risk_input_takes_owner_stage_and_links_back(questionnaire) -> None:
    system = AISystem.model_validate(
        system_input().model_dump()
        | {
            "id": 4,
            "revision": 1,
            "created_at": APPROVED,
            "created_by": "Ada",
            "updated_at": APPROVED,
            "updated_by": "Ada",
        }
    )
    answers = complete_answers(failure_exposure="anyone_free_text")
    suggestion = next(
        item
        for item in suggestions(questionnaire, score(questionnaire, answers))
        if item.question_id == "failure_exposure"
    )
    risk = risk_input_for(suggestion, 9, questionnaire, system)
    assert risk.system_id == 4
    assert risk.owner == system.owner
    assert risk.lifecycle_stage == system.lifecycle_stage
    assert risk.origin == "impact:9:failure_exposure"
    assert risk.harm_category == "security"
    assert "impact assessment #9" in risk.description


# --- Display -----------------------------------------------------------------------------------


def test_dimension_shares_and_points() -> None:
    shares = dimension_shares(
        {"privacy": {"score": 5, "max": 20}, "environment": {"score": 0, "max": 0}}
    )
    assert shares == {"Privacy": 25.0}
    assert points(41.8625) == "41.86"
    assert points(3.0) == "3"
    assert points(None) == "—"


def test_questionnaires_skip_a_broken_file(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "questionnaires"
    folder.mkdir()
    source = get_questionnaire().model_dump(mode="json", by_alias=True, exclude_none=True)
    (folder / "good.yaml").write_text(yaml.safe_dump(source), encoding="utf-8")
    (folder / "broken.yaml").write_text("id: [unclosed", encoding="utf-8")
    monkeypatch.setenv("AIMS_DATA_DIR", str(tmp_path))
    assert list(impact.questionnaires()) == ["ai_impact_assessment"]
    with pytest.raises(impact.QuestionnaireError, match="no questionnaire 'missing'"):
        get_questionnaire("missing")


def stored_system(**overrides) -> AISystem:
    return AISystem.model_validate(
        system_input(**overrides).model_dump()
        | {
            "id": 4,
            "revision": 1,
            "created_at": APPROVED,
            "created_by": "Ada",
            "updated_at": APPROVED,
            "updated_by": "Ada",
        }
    )


def test_prefill_takes_only_what_the_questionnaire_accepts(questionnaire) -> None:
    system = stored_system(roles=["ai_user", "ai_provider"])
    assert impact.inventory_prefill(questionnaire, system) == {
        "scope_lifecycle_stage": "operation_monitoring",
        "scope_org_role": ["ai_provider", "ai_user"],
        "system_purpose": system.purpose,
        "system_technique": "machine_learning",
    }
    unknown = system.model_copy(update={"ai_technique": "quantum_annealing"})
    assert "system_technique" not in impact.inventory_prefill(questionnaire, unknown)


def test_agreeing_answers_and_free_text_are_no_conflict(questionnaire) -> None:
    system = stored_system(personal_data=True, special_category_data=True)
    answers = {
        "scope_org_role": ["ai_user"],
        "system_purpose": "Worded quite differently from the inventory.",
        "data_personal": True,
        "data_special": ["health"],
        "deploy_setting": "customer_facing",
        "system_autonomy": "human_in_the_loop",
    }
    assert impact.inventory_conflicts(questionnaire, answers, system) == []
    differing = answers | {"data_special": ["none"], "scope_org_role": ["ai_provider"]}
    conflicts = impact.inventory_conflicts(questionnaire, differing, system)
    assert [(c.question_id, c.record_text) for c in conflicts] == [
        ("scope_org_role", "AI user"),
        ("data_special", "Yes"),
    ]


def test_state_text_says_where_the_latest_version_stands() -> None:
    assert impact.state_text(None, None, False) == "Never assessed"
    assert impact.state_text("draft", 1, False) == "Draft"
    assert impact.state_text("draft", 2, True) == "Draft (re-assessment, v2)"
    assert impact.state_text("approved", 2, True) == "Approved"
