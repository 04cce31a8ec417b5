"""Impact levels proportionate to the harm: floors that no score or credit goes below, rated
benefits, a likelihood per kind of harm, the split harm column, and questionnaire versions."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments import impact
from assessments.impact import get_questionnaire
from assessments.questionnaire.answers import validate_answer
from assessments.questionnaire.errors import AnswerError, QuestionnaireError
from assessments.questionnaire.files import answers_from_json
from assessments.questionnaire.loading import load_questionnaire
from assessments.questionnaire.model import Questionnaire
from assessments.questionnaire.scoring import score, screening_floors
from assessments.questionnaire.terms import DIMENSIONS
from assessments.questionnaire.visibility import clean_answers, is_visible, missing_required
from assessments.regulatory import ScreeningFacts
from tests.impact_data import GRID_COLUMNS, benefits, complete_answers, grid, likelihoods

REPO = Path(__file__).resolve().parents[2]
ARCHIVED = REPO / "data" / "questionnaires" / "versions" / "ai_impact_assessment-1.0.yaml"


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return get_questionnaire()


def best_measures(questionnaire: Questionnaire) -> dict[str, Any]:
    """The top answer of every mitigation question: the full credit."""
    return {
        q.id: max(q.choices, key=lambda c: c.weight).value if q.choices else True
        for q in questionnaire.questions
        if q.role == "mitigation"
    }


def insulin_controller(**overrides: Any) -> dict[str, Any]:
    """A fully automated insulin-dosing controller: a wrong dose cannot be undone."""
    answers = complete_answers(
        system_function="acts_physically",
        system_decision_areas=["health"],
        system_autonomy="none",
        system_reversibility="cannot",
        deploy_physical="controls_physical",
        data_personal=True,
        data_special=["health"],
        harm_grid=grid("none", individuals__physical_psychological="high"),
        likelihood_physical_psychological="possible",
        harm_description="A wrong dose can put a patient in hospital.",
        harm_worst_severity=5,
        failure_consequence="serious",
    )
    answers.update(overrides)
    return answers


def moderate_profile() -> dict[str, Any]:
    """Points level II before the mitigation credit, I after it (full credit)."""
    return complete_answers(
        harm_grid=grid("low"),
        harm_description="Small delays for some groups.",
        **likelihoods("possible"),
        system_people_reached="up_to_1m",
        system_legal_effect=True,
        system_function="ranks_people",
        data_personal=True,
        data_special=["none"],
        system_decision_areas=["employment"],
    )


# --- The severe-harm floor (answers) -------------------------------------------------------------


def test_an_insulin_dosing_controller_is_at_least_iii_even_with_full_credit(
    questionnaire: Questionnaire,
) -> None:
    result = score(questionnaire, insulin_controller() | best_measures(questionnaire))
    assert result.credit_applied
    assert result.points_level_rank < 3, "the points alone are low: that is the problem"
    assert (result.level.id, result.level_rank) == ("III", 3)
    assert result.raised and not result.stop
    [floor] = result.floors
    assert (floor.id, floor.level, floor.source) == ("severe_harm_without_review", "III", "answers")
    # The reason says which answers triggered it.
    assert "cannot be undone" in floor.rationale
    assert any(line.endswith("→ It cannot be undone") for line in floor.because)
    assert any(line.endswith("→ No person is involved once it runs") for line in floor.because)
    assert any("Physical or psychological harm: High" in line for line in floor.because)
    assert floor.reason.startswith(floor.rationale) and "Triggered by:" in floor.reason
    explanation = impact.level_explanation(result)
    assert explanation.startswith(f"Points alone give level {result.points_level.id}")
    assert "raised to level III because: Severe or irreversible harm" in explanation


@pytest.mark.parametrize(
    "severe",
    [
        {"harm_worst_severity": 5},
        {
            "harm_grid": grid("none", society__public_debate="high"),
            "likelihood_public_debate": "remote",
        },
        {"system_reversibility": "cannot"},
    ],
    ids=["worst-severity-5", "a-grid-cell-high", "irreversible"],
)
@pytest.mark.parametrize("autonomy", ["human_on_the_loop", "human_in_command", "none"])
def test_each_top_rated_or_irreversible_harm_without_review_sets_iii(
    questionnaire: Questionnaire, severe: dict[str, Any], autonomy: str
) -> None:
    answers = complete_answers(system_autonomy=autonomy, harm_description="x") | severe
    result = score(questionnaire, answers)
    assert [floor.id for floor in result.floors] == ["severe_harm_without_review"]
    assert result.level_rank == 3


def test_a_person_deciding_each_case_or_a_lesser_harm_sets_no_floor(
    questionnaire: Questionnaire,
) -> None:
    reviewed = insulin_controller(system_autonomy="human_in_the_loop")
    assert score(questionnaire, reviewed).floors == []
    lesser = insulin_controller(
        system_reversibility="hard",
        harm_worst_severity=4,
        harm_grid=grid("none", individuals__physical_psychological="medium"),
    )
    assert score(questionnaire, lesser).floors == []
    unanswered = {k: v for k, v in insulin_controller().items() if k != "system_autonomy"}
    assert score(questionnaire, unanswered).floors == [], "no answer is not 'no review'"


# --- The screening floors -----------------------------------------------------------------------


def low(questionnaire: Questionnaire, facts: ScreeningFacts | None):
    return score(questionnaire, complete_answers(), facts)


def test_without_screening_facts_the_level_is_the_points_level(
    questionnaire: Questionnaire,
) -> None:
    result = low(questionnaire, None)
    assert (result.level.id, result.points_level.id, result.floors) == ("I", "I", [])
    assert impact.level_explanation(result) == ""
    for harmless in ("minimal_risk", "limited_risk", "out_of_scope"):
        assert low(questionnaire, ScreeningFacts(eu_class=harmless)).floors == []


@pytest.mark.parametrize(
    ("facts", "floor_id", "words"),
    [
        (ScreeningFacts(eu_class="high_risk"), "eu_high_risk", "high-risk under the EU AI Act"),
        (ScreeningFacts(fria_required=True), "fria_required", "fundamental rights impact"),
        (ScreeningFacts(colorado_covered=True), "colorado_covered", "Colorado law"),
    ],
    ids=["eu-high-risk", "fria", "colorado"],
)
def test_regulatory_findings_set_at_least_ii(
    questionnaire: Questionnaire, facts: ScreeningFacts, floor_id: str, words: str
) -> None:
    result = low(questionnaire, facts)
    assert (result.points_level.id, result.level.id, result.level_rank) == ("I", "II", 2)
    [floor] = result.floors
    assert (floor.id, floor.level, floor.source, floor.stop) == (floor_id, "II", "screening", False)
    assert words in floor.reason
    assert "raised to level II" in impact.level_explanation(result)


def test_each_regulatory_finding_is_shown_with_its_own_reason(
    questionnaire: Questionnaire,
) -> None:
    facts = ScreeningFacts(eu_class="high_risk", fria_required=True, colorado_covered=True)
    result = low(questionnaire, facts)
    assert [floor.id for floor in result.floors] == [
        "eu_high_risk",
        "fria_required",
        "colorado_covered",
    ]
    assert result.level.id == "II"


def test_a_prohibited_practice_is_iv_and_says_stop(questionnaire: Questionnaire) -> None:
    result = low(questionnaire, ScreeningFacts(eu_class="prohibited"))
    assert (result.level.id, result.level_rank, result.stop) == ("IV", 4, True)
    [floor] = result.floors
    assert floor.id == "eu_prohibited" and floor.stop
    assert floor.reason.startswith("Stop. The system's regulatory screening finds")
    assert "must not be placed on the market" in floor.reason


def test_floors_only_raise_a_level(questionnaire: Questionnaire) -> None:
    severe = complete_answers(
        system_function="decides",
        system_autonomy="none",
        system_people_reached="over_1m",
        system_legal_effect=True,
        system_reversibility="cannot",
        harm_grid=grid("high"),
        harm_description="x",
        **likelihoods("occurring"),
        harm_worst_severity=5,
        failure_consequence="serious",
        parties_children=True,
        parties_opt_out="no_alternative",
        model_explainability="cannot_explain",
    )
    result = score(questionnaire, severe, ScreeningFacts(eu_class="high_risk"))
    assert result.points_level.id == "IV" and result.level.id == "IV"
    assert {floor.level for floor in result.floors} == {"III", "II"}
    assert not result.raised
    assert "already meets every floor" in impact.level_explanation(result)


def test_the_mitigation_credit_never_crosses_a_floor(questionnaire: Questionnaire) -> None:
    answers = moderate_profile()
    full = answers | best_measures(questionnaire)
    assert score(questionnaire, answers).points_level.id == "II"
    credited = score(questionnaire, full)
    assert credited.credit_applied and credited.level.id == "I", "the credit alone lowers it"
    floored = score(questionnaire, full, ScreeningFacts(eu_class="high_risk"))
    assert floored.credit_applied and floored.points_level.id == "I"
    assert floored.level.id == "II"
    assert "(after the mitigation credit)" in impact.level_explanation(floored)


def test_the_approval_required_follows_the_floored_level(questionnaire: Questionnaire) -> None:
    result = score(questionnaire, insulin_controller() | best_measures(questionnaire))
    assert result.level.requires[0].startswith("Approval: the ethics committee")
    assert "ethics committee" not in result.points_level.requires[0]
    prohibited = low(questionnaire, ScreeningFacts(eu_class="prohibited"))
    assert "executive board" in prohibited.level.requires[0]


def test_screening_floors_alone_depend_only_on_the_facts(questionnaire: Questionnaire) -> None:
    assert screening_floors(questionnaire, None) == []
    found = screening_floors(questionnaire, ScreeningFacts(eu_class="prohibited"))
    assert [(floor.id, floor.level) for floor in found] == [("eu_prohibited", "IV")]


# --- Floor definitions --------------------------------------------------------------------------


def definition(**floor: Any) -> dict[str, Any]:
    """A small scored questionnaire with one floor."""
    levels = [
        {"id": name, "rank": rank, "title": name, "max_share": share, "summary": "S.",
         "requires": [f"Approval: {name}."]}
        for rank, (name, share) in enumerate((("I", 0.5), ("II", 1.0)), start=1)
    ]  # fmt: skip
    return {
        "id": "mini",
        "version": "1.0",
        "title": "Mini",
        "sections": [
            {
                "id": "only",
                "title": "Only",
                "questions": [
                    {
                        "id": "harm",
                        "text": "Harm?",
                        "help": "Scored.",
                        "type": "single_choice",
                        "role": "impact",
                        "choices": [
                            {"value": "low", "label": "Low", "weight": 0},
                            {"value": "high", "label": "High", "weight": 1},
                        ],
                    },
                    {
                        "id": "table",
                        "text": "Table?",
                        "help": "A grid.",
                        "type": "grid",
                        "rows": [{"key": "people", "label": "People"}],
                        "columns": [{"key": "a", "label": "A"}],
                        "cell_choices": [{"value": "none", "label": "None"}],
                    },
                ],
            }
        ],
        "scoring": {
            "levels": levels,
            "floors": [
                {"id": "f", "level": "II", "title": "T", "reason": "R.", **floor},
            ],
        },
    }


def load(tmp_path: Path, data: dict[str, Any]) -> Questionnaire:
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return load_questionnaire(path)


def load_error(tmp_path: Path, data: dict[str, Any]) -> str:
    with pytest.raises(QuestionnaireError) as caught:
        load(tmp_path, data)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_floor_over_the_answers_works_in_any_questionnaire(tmp_path: Path) -> None:
    mini = load(tmp_path, definition(when={"question": "harm", "equals": "high"}))
    assert score(mini, {"harm": "low"}).level.id == "I"
    result = score(mini, {"harm": "high"})
    assert (result.points_level.id, result.level.id) == ("II", "II")
    assert result.floors[0].because == ["Harm? → High"]


@pytest.mark.parametrize(
    ("floor", "message"),
    [
        ({"when": {"question": "harm", "equals": "high"}, "level": "V"}, "names level 'V'"),
        ({}, "exactly one of 'when' (answers) or 'screening'"),
        (
            {"when": {"question": "harm", "equals": "high"}, "screening": {"fria_required": True}},
            "exactly one of 'when'",
        ),
        ({"when": {"question": "nope", "equals": "x"}}, "unknown question 'nope'"),
        ({"when": {"equals": "high"}}, "names no question"),
        ({"when": {"question": "harm", "equals": "medium"}}, "not a possible answer"),
        ({"when": {"question": "table", "at_least": 2}}, "only works on a number or scale"),
        (
            {"screening": {"fria_required": True, "colorado_covered": True}},
            "exactly one of eu_class",
        ),
        ({"screening": {"eu_class": ["dangerous"]}}, "dangerous"),
    ],
)
def test_floor_definitions_are_checked_when_loading(
    tmp_path: Path, floor: dict[str, Any], message: str
) -> None:
    assert message in load_error(tmp_path, definition(**floor))


def test_floor_ids_are_unique(tmp_path: Path) -> None:
    data = definition(screening={"fria_required": True})
    data["scoring"]["floors"].append(deepcopy(data["scoring"]["floors"][0]))
    assert "floor id 'f' is used twice" in load_error(tmp_path, data)


def test_grid_only_settings_are_refused_elsewhere(tmp_path: Path) -> None:
    data = definition(screening={"fria_required": True})
    data["sections"][0]["questions"][0]["column_heading"] = "Kind"
    assert "only grid questions take column_heading" in load_error(tmp_path, data)
    data = definition(screening={"fria_required": True})
    columns = data["sections"][0]["questions"][1]["columns"]
    columns.append({"key": "b", "label": "B", "replaces": ["a"]})
    assert "replaces 'a', which is a column now" in load_error(tmp_path, data)


# --- The split harm column and answers of version 1.0 --------------------------------------------


def test_environment_and_public_debate_are_separate_columns_and_dimensions(
    questionnaire: Questionnaire,
) -> None:
    harm = questionnaire.question("harm_grid")
    columns = {column.key: column for column in harm.columns}
    assert "environment_democracy" not in columns
    assert columns["environment"].dimensions == ["environment"]
    assert columns["public_debate"].dimensions == ["democracy_information"]
    before = score(questionnaire, complete_answers()).dimension_scores
    answers = complete_answers(harm_grid=grid("none", society__environment="high"))
    after = score(questionnaire, answers).dimension_scores
    assert after["environment"]["score"] - before["environment"]["score"] == 3
    assert after["democracy_information"] == before["democracy_information"]


def test_a_rating_of_the_old_combined_column_counts_for_both_new_columns(
    questionnaire: Questionnaire,
) -> None:
    harm = questionnaire.question("harm_grid")
    old = {"society": {"privacy": "low", "environment_democracy": "medium"}}
    assert validate_answer(harm, old) == {
        "society": {"privacy": "low", "environment": "medium", "public_debate": "medium"}
    }
    newer = {"society": {"environment_democracy": "medium", "public_debate": "none"}}
    assert validate_answer(harm, newer) == {
        "society": {"environment": "medium", "public_debate": "none"}
    }, "a rating given to the new column itself wins"
    with pytest.raises(AnswerError, match="unknown column 'democracy'"):
        validate_answer(harm, {"society": {"democracy": "low"}})


def test_an_answer_file_of_version_1_0_still_imports(questionnaire: Questionnaire) -> None:
    old_grid = {row: {"privacy": "low", "environment_democracy": "low"} for row in ("society",)}
    payload = {
        "format": "aims-questionnaire-answers",
        "format_version": 1,
        "questionnaire_id": "ai_impact_assessment",
        "questionnaire_version": "1.0",
        "answers": {"harm_grid": old_grid, "system_autonomy": "none"},
    }
    imported = answers_from_json(questionnaire, json.dumps(payload))
    assert imported["harm_grid"]["society"] == {
        "privacy": "low",
        "environment": "low",
        "public_debate": "low",
    }


def test_version_1_0_is_kept_for_the_responses_that_answered_it() -> None:
    archived = load_questionnaire(ARCHIVED)
    assert (archived.id, archived.version) == ("ai_impact_assessment", "1.0")
    assert archived.scoring is not None and archived.scoring.floors == []
    assert impact.earlier_version("ai_impact_assessment", "1.0") == archived
    assert impact.earlier_version("ai_impact_assessment", "0.1") is None
    columns = [column.key for column in archived.question("harm_grid").columns]
    assert "environment_democracy" in columns


# --- Likelihood per kind of harm -----------------------------------------------------------------


def test_a_likelihood_is_asked_for_each_kind_of_harm_rated(
    questionnaire: Questionnaire,
) -> None:
    for column in GRID_COLUMNS:
        question = questionnaire.question(f"likelihood_{column}")
        assert question.required and question.role == "impact"
        assert "6.8" in (question.source or "")
        assert not is_visible(questionnaire, question.id, {"harm_grid": grid("none")})
        rated = {"harm_grid": grid("none", **{f"groups__{column}": "low"})}
        assert is_visible(questionnaire, question.id, rated)
    answers = complete_answers(
        harm_grid=grid("none", individuals__economic="medium"), harm_description="x"
    )
    missing = [item.question_id for item in missing_required(questionnaire, answers)]
    assert missing == ["likelihood_economic"]


def test_a_harm_already_happening_weighs_more_than_a_foreseeable_one(
    questionnaire: Questionnaire,
) -> None:
    base = complete_answers(harm_grid=grid("none", individuals__privacy="medium"))
    scores = [
        score(questionnaire, base | {"likelihood_privacy": value}).impact_raw
        for value in ("remote", "possible", "likely", "occurring")
    ]
    assert scores == sorted(scores) and len(set(scores)) == 4
    question = questionnaire.question("likelihood_privacy")
    assert "Already happening" in question.choice("occurring").label
    assert question.dimensions == ["privacy"]


def test_harm_lines_pair_each_rated_harm_with_its_likelihood(
    questionnaire: Questionnaire,
) -> None:
    answers = complete_answers(
        harm_grid=grid("none", individuals__economic="medium", groups__economic="medium"),
        likelihood_economic="occurring",
    )
    kept, _ = clean_answers(questionnaire, answers)
    [line] = impact.harm_lines(questionnaire, kept)
    assert (line.kind, line.worst) == ("Loss of money or opportunity", "Medium")
    assert line.who == "Individuals directly affected; Groups and communities"
    assert line.likelihood.startswith("Already happening")


# --- Rated benefits ------------------------------------------------------------------------------


def test_benefits_are_rated_context_and_never_lower_the_score(
    questionnaire: Questionnaire,
) -> None:
    kinds, table = questionnaire.question("benefit_kinds"), questionnaire.question("benefit_grid")
    assert kinds.role == table.role == "context"
    assert kinds.required and table.required
    assert "never lower the impact score" in kinds.help
    assert "do not reduce the impact score" in table.help
    assert [row.key for row in table.rows] == ["individuals", "groups", "society", "organisation"]
    small = score(questionnaire, complete_answers(benefit_grid=benefits("none")))
    large = score(questionnaire, complete_answers(benefit_grid=benefits("large")))
    assert small.model_dump(exclude={"notes"}) == large.model_dump(exclude={"notes"})
    incomplete = complete_answers(benefit_grid={"individuals": {"size": "large"}})
    missing = [item.question_id for item in missing_required(questionnaire, incomplete)]
    assert missing == ["benefit_grid"], "every group is rated"


def test_benefits_are_shown_beside_the_harms(questionnaire: Questionnaire) -> None:
    answers = complete_answers(
        benefit_grid=benefits("small", organisation="large"),
        harm_grid=grid("none", individuals__privacy="high", individuals__economic="high"),
    )
    lines = {line.who: line for line in impact.stakeholder_lines(questionnaire, answers)}
    person = lines["Individuals directly affected"]
    assert (person.benefit, person.worst_harm) == (
        "A little",
        "High (Loss of privacy; Loss of money or opportunity)",
    )
    assert lines["Society at large"].worst_harm == "None"
    assert lines["Our organisation"].benefit == "A great deal"
    assert lines["Our organisation"].worst_harm == "not in the harm table"


def test_every_dimension_still_scores(questionnaire: Questionnaire) -> None:
    covered = {d for q in questionnaire.questions if q.role == "impact" for d in q.dimensions}
    assert covered == set(DIMENSIONS)


# --- Staleness from the screening ----------------------------------------------------------------


def test_a_screening_that_now_requires_more_makes_an_approval_stale(
    questionnaire: Questionnaire,
) -> None:
    values = {
        "approved_at": datetime(2026, 3, 1, 12, 0),
        "material_change_at": None,
        "review_due": date(2027, 3, 1),
        "system_next_review": None,
        "today": date(2026, 6, 1),
    }
    high = screening_floors(questionnaire, ScreeningFacts(eu_class="high_risk"))
    assert impact.stale_reasons(**values, approved_level_rank=1, screening_floors=high) == [
        "screening now requires at least level II (High-risk under the EU AI Act), above the "
        "approved level"
    ]
    assert impact.stale_reasons(**values, approved_level_rank=2, screening_floors=high) == []
    banned = screening_floors(questionnaire, ScreeningFacts(eu_class="prohibited"))
    [reason] = impact.stale_reasons(**values, approved_level_rank=3, screening_floors=banned)
    assert reason.startswith("screening now says stop: requires at least level IV")
