"""Questionnaire engine: loading and its errors, visibility, answer checks, scoring, files."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.dates import EARLIEST_DAY, latest_plausible_day
from assessments.questionnaire.answers import validate_answer
from assessments.questionnaire.errors import AnswerError, AnswersFileError, QuestionnaireError
from assessments.questionnaire.files import answers_from_json, answers_to_json, diff_answers
from assessments.questionnaire.loading import (
    check_all,
    default_directory,
    load_all,
    load_questionnaire,
    parse_questionnaire,
)
from assessments.questionnaire.model import Question, Questionnaire
from assessments.questionnaire.scoring import level_for_share, score
from assessments.questionnaire.terms import DIMENSIONS
from assessments.questionnaire.visibility import (
    clean_answers,
    is_visible,
    missing_required,
    progress,
    visible_questions,
)
from assessments.questionnaire.weights import answer_weight, max_weight

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "questionnaires"
BUILT_IN = REPO / "data" / "questionnaires" / "ai_impact_assessment.yaml"
TAXONOMY = REPO / "data" / "taxonomy.yaml"


@pytest.fixture(scope="module")
def all_types() -> Questionnaire:
    return load_questionnaire(FIXTURES / "all_types.yaml")


@pytest.fixture(scope="module")
def boundaries() -> Questionnaire:
    return load_questionnaire(FIXTURES / "boundaries.yaml")


@pytest.fixture(scope="module")
def decision() -> Questionnaire:
    return load_questionnaire(FIXTURES / "decision.yaml")


@pytest.fixture(scope="module")
def built_in() -> Questionnaire:
    return load_questionnaire(BUILT_IN)


def visible_ids(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [question.id for question in visible_questions(questionnaire, answers)]


# --- Schema errors -----------------------------------------------------------------------------


def minimal() -> dict[str, Any]:
    """A small valid questionnaire as a dict, for tests that break one thing at a time."""
    return {
        "id": "mini",
        "version": "1.0",
        "title": "Mini",
        "kind": "scored",
        "sections": [
            {
                "id": "first",
                "title": "First",
                "questions": [
                    {
                        "id": "gate",
                        "text": "Gate?",
                        "help": "Opens the next question.",
                        "type": "yes_no",
                    },
                    {
                        "id": "impact",
                        "text": "Impact?",
                        "help": "Scored.",
                        "type": "single_choice",
                        "role": "impact",
                        "visible_if": {"question": "gate", "equals": True},
                        "choices": [
                            {"value": "low", "label": "Low", "weight": 0},
                            {"value": "high", "label": "High", "weight": 2},
                        ],
                    },
                ],
            },
            {
                "id": "second",
                "title": "Second",
                "questions": [
                    {
                        "id": "notes",
                        "text": "Notes",
                        "help": "Free text.",
                        "type": "long_text",
                    }
                ],
            },
        ],
        "scoring": {
            "levels": [
                {
                    "id": "I",
                    "rank": 1,
                    "title": "Low",
                    "max_share": 0.5,
                    "summary": "Low.",
                    "requires": ["Record it."],
                },
                {
                    "id": "II",
                    "rank": 2,
                    "title": "High",
                    "max_share": 1.0,
                    "summary": "High.",
                    "requires": ["Approve it."],
                },
            ]
        },
    }


def question_of(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(
        question
        for section in data["sections"]
        for question in section["questions"]
        if question["id"] == question_id
    )


def write(tmp_path: Path, data: dict[str, Any], name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def load_error(tmp_path: Path, data: dict[str, Any]) -> str:
    with pytest.raises(QuestionnaireError) as caught:
        load_questionnaire(write(tmp_path, data))
    message = str(caught.value)
    assert "\n" not in message, message
    assert "broken.yaml" in message, message
    return message


def test_minimal_questionnaire_is_valid(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, minimal(), "mini.yaml"))
    assert [question.id for question in questionnaire.questions] == ["gate", "impact", "notes"]
    assert questionnaire.section_of("notes").id == "second"


def _drop_help(data: dict[str, Any]) -> None:
    del question_of(data, "impact")["help"]


def _blank_help(data: dict[str, Any]) -> None:
    question_of(data, "impact")["help"] = "   "


def _unknown_type(data: dict[str, Any]) -> None:
    question_of(data, "notes")["type"] = "essay"


def _rule_on_later_question(data: dict[str, Any]) -> None:
    question_of(data, "impact")["visible_if"] = {"question": "notes", "answered": True}


def _rule_on_unknown_question(data: dict[str, Any]) -> None:
    question_of(data, "impact")["visible_if"] = {"question": "ghost", "answered": True}


def _rule_on_itself(data: dict[str, Any]) -> None:
    question_of(data, "impact")["visible_if"] = {"question": "impact", "equals": "low"}


def _nested_rule_on_later_question(data: dict[str, Any]) -> None:
    question_of(data, "impact")["visible_if"] = {
        "all": [
            {"question": "gate", "equals": True},
            {"not": {"question": "notes", "answered": True}},
        ]
    }


def _duplicate_question_id(data: dict[str, Any]) -> None:
    question_of(data, "notes")["id"] = "gate"


def _no_choices(data: dict[str, Any]) -> None:
    question_of(data, "impact")["choices"] = []


def _one_choice(data: dict[str, Any]) -> None:
    question_of(data, "impact")["choices"] = [{"value": "only", "label": "Only", "weight": 1}]


def _duplicate_choice(data: dict[str, Any]) -> None:
    question_of(data, "impact")["choices"][1]["value"] = "low"


def _negative_weight(data: dict[str, Any]) -> None:
    question_of(data, "impact")["choices"][1]["weight"] = -1


def _weights_on_context(data: dict[str, Any]) -> None:
    question_of(data, "impact")["role"] = "context"


def _text_cannot_be_scored(data: dict[str, Any]) -> None:
    question_of(data, "notes")["role"] = "impact"


def _choices_on_text(data: dict[str, Any]) -> None:
    question_of(data, "notes")["choices"] = [{"value": "a", "label": "A"}]


def _includes_on_yes_no(data: dict[str, Any]) -> None:
    question_of(data, "impact")["visible_if"] = {"question": "gate", "includes": "yes"}


def _equals_not_a_choice(data: dict[str, Any]) -> None:
    question_of(data, "notes")["visible_if"] = {"question": "impact", "equals": "medium"}


def _two_operators(data: dict[str, Any]) -> None:
    question_of(data, "impact")["visible_if"] = {
        "question": "gate",
        "equals": True,
        "answered": True,
    }


def _misspelt_field(data: dict[str, Any]) -> None:
    question_of(data, "notes")["requried"] = True


def _bad_dimension(data: dict[str, Any]) -> None:
    question_of(data, "impact")["dimensions"] = ["happiness"]


def _trigger_on_later_question(data: dict[str, Any]) -> None:
    question_of(data, "impact")["triggers"] = [
        {
            "when": {"question": "notes", "answered": True},
            "risk": {
                "title": "T",
                "description": "D",
                "harm_category": "safety",
                "risk_source": "machine_learning",
                "affected_parties": ["individuals"],
                "likelihood": 3,
                "severity": 3,
            },
        }
    ]


def _trigger_severity_out_of_scale(data: dict[str, Any]) -> None:
    _trigger_on_later_question(data)
    trigger = question_of(data, "impact")["triggers"][0]
    trigger["when"] = {"equals": "high"}
    trigger["risk"]["severity"] = 6


def _grid_without_rows(data: dict[str, Any]) -> None:
    question_of(data, "notes").update(
        type="grid",
        columns=[{"key": "harm", "label": "Harm"}],
        cell_choices=[{"value": "none", "label": "None"}],
    )


def _scale_not_whole_steps(data: dict[str, Any]) -> None:
    question_of(data, "notes").update(type="scale", min=0, max=5, step=2)


SCHEMA_ERRORS = [
    (_drop_help, "impact", "help", "required"),
    (_blank_help, "impact", "help", "must not be empty"),
    (_unknown_type, "notes", "type", "essay"),
    (_rule_on_later_question, "impact", "visible_if", "later question"),
    (_rule_on_unknown_question, "impact", "visible_if", "unknown question 'ghost'"),
    (_rule_on_itself, "impact", "visible_if", "this question itself"),
    (_nested_rule_on_later_question, "impact", "visible_if.all[1].not", "later question"),
    (_duplicate_question_id, "gate", "id", "already used in section 'first'"),
    (_no_choices, "impact", "choices", "at least 2 choices"),
    (_one_choice, "impact", "choices", "at least 2 choices"),
    (_duplicate_choice, "impact", "choices", "appears twice"),
    (_negative_weight, "impact", "choices[1].weight", "greater than or equal to 0"),
    (_weights_on_context, "impact", "role", "never count"),
    (_text_cannot_be_scored, "notes", "role", "cannot be scored"),
    (_choices_on_text, "notes", "choices", "only choice questions"),
    (_includes_on_yes_no, "impact", "visible_if", "only works on a multiple_choice"),
    (_equals_not_a_choice, "notes", "visible_if", "not a possible answer"),
    (_two_operators, "impact", "visible_if", "exactly one"),
    (_misspelt_field, "notes", "requried", "not a known field"),
    (_bad_dimension, "impact", "dimensions[0]", "happiness"),
    (_trigger_on_later_question, "impact", "triggers[0].when", "later question"),
    (_trigger_severity_out_of_scale, "impact", "triggers[0].risk.severity", "less than or equal"),
    (_grid_without_rows, "notes", "rows", "at least one entry"),
    (_scale_not_whole_steps, "notes", "step", "whole number of steps"),
]


@pytest.mark.parametrize(
    ("breaker", "question_id", "field", "says"),
    SCHEMA_ERRORS,
    ids=[case[0].__name__.strip("_") for case in SCHEMA_ERRORS],
)
def test_schema_error_is_one_line_naming_file_question_and_field(
    tmp_path: Path, breaker: Any, question_id: str, field: str, says: str
) -> None:
    data = minimal()
    breaker(data)
    message = load_error(tmp_path, data)
    assert f"question '{question_id}'" in message
    assert f"field '{field}'" in message
    assert says in message


def test_schema_error_names_the_section(tmp_path: Path) -> None:
    data = minimal()
    data["sections"][1]["id"] = "first"
    message = load_error(tmp_path, data)
    assert "section 'first'" in message and "field 'id'" in message


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        (lambda d: d.update(version=1.0), "version", 'in quotes, e.g. "1.0"'),
        (lambda d: d.pop("title"), "title", "required"),
        (lambda d: d.pop("scoring"), "scoring", "needs a scoring block"),
        (lambda d: d.update(kind="decision"), "scoring", "remove scoring"),
        (
            lambda d: d["scoring"]["levels"][1].update(max_share=0.4),
            "scoring.levels[1].max_share",
            "must rise",
        ),
        (
            lambda d: d["scoring"]["levels"][1].update(max_share=0.9),
            "scoring.levels[1].max_share",
            "max_share 1.0",
        ),
        (lambda d: d["scoring"]["levels"][1].update(rank=3), "scoring.levels[1].rank", "ranked"),
        (
            lambda d: d["scoring"].update(mitigation={"threshold_share": 0.8, "reduction": 0.15}),
            "scoring.mitigation",
            "no question has role mitigation",
        ),
    ],
)
def test_questionnaire_level_errors_name_the_field(
    tmp_path: Path, change: Any, field: str, says: str
) -> None:
    data = minimal()
    change(data)
    message = load_error(tmp_path, data)
    assert f"field '{field}'" in message and says in message


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nsections: [\n  - oops\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"broken\.yaml: line \d+: not valid YAML"):
        load_questionnaire(path)


def test_duplicate_yaml_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: a\nid: b\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"line 2: .*duplicate key 'id'"):
        load_questionnaire(path)


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="no such file"):
        load_questionnaire(tmp_path / "absent.yaml")
    with pytest.raises(QuestionnaireError, match="expected a mapping"):
        parse_questionnaire("- just\n- a list\n", source="list.yaml")


def test_equals_null_is_refused(tmp_path: Path) -> None:
    data = minimal()
    question_of(data, "impact")["visible_if"] = {"question": "gate", "equals": None}
    assert "use 'is_empty: true'" in load_error(tmp_path, data)


@pytest.mark.parametrize("path", [BUILT_IN, FIXTURES / "all_types.yaml"], ids=lambda p: p.stem)
def test_a_loaded_questionnaire_survives_a_json_round_trip(path: Path) -> None:
    """The store may keep the questionnaire it scored against; reloading it must give the same."""
    questionnaire = load_questionnaire(path)
    dumped = json.loads(questionnaire.model_dump_json())
    assert Questionnaire.model_validate(dumped) == questionnaire


def test_yes_and_no_stay_text_in_yaml() -> None:
    """YAML 1.1 would turn a choice called `no` into False; the loader keeps it as text."""
    questionnaire = load_questionnaire(FIXTURES / "all_types.yaml")
    assert "no" in [choice.value for choice in questionnaire.question("colour").choices]


def test_many_errors_are_counted_in_one_line(tmp_path: Path) -> None:
    data = minimal()
    del question_of(data, "impact")["help"]
    del question_of(data, "notes")["text"]
    message = load_error(tmp_path, data)
    assert "(and 1 more)" in message


# --- Folder loading ----------------------------------------------------------------------------


def test_load_all_and_check_all(tmp_path: Path) -> None:
    for name in ("all_types.yaml", "decision.yaml"):
        (tmp_path / name).write_text((FIXTURES / name).read_text(encoding="utf-8"))
    assert sorted(load_all(tmp_path)) == ["all_types", "decision_demo"]
    assert check_all(tmp_path) == []
    data = minimal()
    del question_of(data, "impact")["help"]
    write(tmp_path, data)
    problems = check_all(tmp_path)
    assert len(problems) == 1 and "broken.yaml" in problems[0] and "'impact'" in problems[0]
    with pytest.raises(QuestionnaireError, match=r"broken\.yaml"):
        load_all(tmp_path)


def test_duplicate_questionnaire_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, minimal(), "a.yaml")
    write(tmp_path, minimal(), "b.yaml")
    assert check_all(tmp_path) == [
        f"{tmp_path / 'b.yaml'}: questionnaire id 'mini' is already used by a.yaml"
    ]
    with pytest.raises(QuestionnaireError, match=r"already used by a\.yaml"):
        load_all(tmp_path)


def test_check_all_on_missing_or_empty_folder(tmp_path: Path) -> None:
    assert "no such folder" in check_all(tmp_path / "absent")[0]
    assert "no questionnaire files" in check_all(tmp_path)[0]


def test_default_directory_follows_aims_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "questionnaires").mkdir()
    write(tmp_path / "questionnaires", minimal(), "mini.yaml")
    monkeypatch.setenv("AIMS_DATA_DIR", str(tmp_path))
    assert default_directory() == tmp_path / "questionnaires"
    assert list(load_all()) == ["mini"]
    assert check_all() == []


def test_shipped_questionnaires_check_clean() -> None:
    assert check_all(REPO / "data" / "questionnaires") == []


# --- Visibility --------------------------------------------------------------------------------


def test_equals_and_chain_through_hidden_question(all_types: Questionnaire) -> None:
    assert not is_visible(all_types, "special", {})
    assert is_visible(all_types, "special", {"personal": True})
    assert is_visible(all_types, "special_detail", {"personal": True, "special": True})
    # special is hidden once personal is no, so a leftover "yes" to it must not open its child
    assert not is_visible(all_types, "special_detail", {"personal": False, "special": True})


def test_in_operator(all_types: Questionnaire) -> None:
    assert is_visible(all_types, "colour_reason", {"colour": "green"})
    assert not is_visible(all_types, "colour_reason", {"colour": "no"})
    assert not is_visible(all_types, "colour_reason", {})


def test_all_not_includes_and_answered(all_types: Questionnaire) -> None:
    assert not is_visible(all_types, "tool_note", {})
    assert is_visible(all_types, "tool_note", {"tools": ["glue"]})
    assert not is_visible(all_types, "tool_note", {"tools": ["none"]})


def test_any_is_empty_and_equals_on_a_list(all_types: Questionnaire) -> None:
    assert is_visible(all_types, "no_tools_note", {})
    assert is_visible(all_types, "no_tools_note", {"tools": []})
    assert is_visible(all_types, "no_tools_note", {"tools": ["none"]})
    assert not is_visible(all_types, "no_tools_note", {"tools": ["saw"]})


def test_in_on_multiple_choice_means_any_chosen(all_types: Questionnaire) -> None:
    assert is_visible(all_types, "sharp_tools", {"tools": ["glue", "saw"]})
    assert not is_visible(all_types, "sharp_tools", {"tools": ["glue"]})


def test_at_least_and_at_most(all_types: Questionnaire) -> None:
    assert is_visible(all_types, "many_people_note", {"people": 100})
    assert not is_visible(all_types, "many_people_note", {"people": 99})
    assert is_visible(all_types, "few_people_note", {"people": 10})
    assert not is_visible(all_types, "few_people_note", {"people": 11})
    assert not is_visible(all_types, "few_people_note", {})


def test_grid_row_rule(all_types: Questionnaire) -> None:
    assert not is_visible(all_types, "society_note", {"grid": {"individuals": {"privacy": "high"}}})
    assert not is_visible(all_types, "society_note", {"grid": {"society": {"privacy": "none"}}})
    assert is_visible(all_types, "society_note", {"grid": {"society": {"other": "low"}}})


def test_invalid_answers_do_not_open_questions(all_types: Questionnaire) -> None:
    assert not is_visible(all_types, "special", {"personal": "perhaps"})
    assert is_visible(all_types, "special", {"personal": "yes"})


def test_visible_questions_keep_order(all_types: Questionnaire) -> None:
    shown = visible_ids(all_types, {"personal": True, "special": True, "tools": ["saw"]})
    expected = [q.id for q in all_types.questions if q.id in shown]
    assert shown == expected
    assert {"special", "special_detail", "tool_note", "sharp_tools"} <= set(shown)
    assert "no_tools_note" not in shown


def test_is_visible_unknown_question(all_types: Questionnaire) -> None:
    with pytest.raises(KeyError, match="ghost"):
        is_visible(all_types, "ghost", {})


# --- Answer validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question_id", "value", "expected"),
    [
        ("colour", "red", "red"),
        ("colour", "", None),
        ("colour", None, None),
        ("tools", ["saw", "hammer", "saw"], ["hammer", "saw"]),
        ("tools", ("glue",), ["glue"]),
        ("tools", [], None),
        ("tools", ["none"], ["none"]),
        ("personal", True, True),
        ("personal", "Yes", True),
        ("personal", "no", False),
        ("severity", 3, 3),
        ("severity", 4.0, 4),
        ("severity", "5", 5),
        ("people", 0, 0),
        ("people", 1000, 1000),
        ("special_detail", "  health data  ", "health data"),
        ("special_detail", "   ", None),
        ("started", "2025-02-28", "2025-02-28"),
        ("started", date(2024, 2, 29), "2024-02-29"),
        ("started", datetime(2024, 3, 1, 12, 30), "2024-03-01"),
        (
            "grid",
            {"society": {"other": "low", "privacy": None}, "individuals": {}},
            {"society": {"other": "low"}},
        ),
        ("grid", {"individuals": {"privacy": ""}}, None),
    ],
)
def test_valid_answers_are_normalised(
    all_types: Questionnaire, question_id: str, value: Any, expected: Any
) -> None:
    assert validate_answer(all_types.question(question_id), value) == expected


@pytest.mark.parametrize(
    ("question_id", "value", "says"),
    [
        ("colour", "blue", "not one of the choices"),
        ("colour", ["red"], "not one of the choices"),
        ("tools", "saw", "expected a list"),
        ("tools", ["saw", "drill"], "'drill' is not one of the choices"),
        ("tools", ["none", "saw"], "cannot be combined"),
        ("personal", "maybe", "expected yes or no"),
        ("personal", 1, "expected yes or no"),
        ("severity", 6, "out of range: must be at least 1 and at most 5"),
        ("severity", 0, "out of range"),
        ("severity", 2.5, "not a step of 1"),
        ("severity", True, "expected a number"),
        ("severity", float("nan"), "expected a number"),
        ("people", -1, "out of range"),
        ("people", 1001, "out of range"),
        ("people", 3.5, "not a step"),
        ("people", "many", "expected a number"),
        ("special_detail", "x" * 201, "201 characters; the limit is 200"),
        ("special_detail", 42, "expected text"),
        ("many_people_note", "y" * 51, "the limit is 50"),
        ("started", "2025-02-30", "YYYY-MM-DD"),
        ("started", "28/02/2025", "YYYY-MM-DD"),
        ("started", "20250228", "YYYY-MM-DD"),
        ("started", "1999-12-31", "from 2000-01-01 to"),
        ("started", "2999-12-31", "not a plausible date"),
        ("grid", ["high"], "expected a table"),
        ("grid", {"aliens": {"privacy": "high"}}, "unknown row 'aliens'"),
        ("grid", {"society": {"weather": "high"}}, "unknown column 'weather'"),
        ("grid", {"society": {"privacy": "extreme"}}, "not a rating"),
        ("grid", {"society": "high"}, "must map columns"),
    ],
)
def test_bad_answers_are_refused_with_a_message(
    all_types: Questionnaire, question_id: str, value: Any, says: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answer(all_types.question(question_id), value)
    assert caught.value.question_id == question_id
    assert says in caught.value.message


def test_long_text_default_limit(built_in: Questionnaire) -> None:
    question = built_in.question("system_purpose")
    assert question.max_length == 4000
    assert validate_answer(question, "a" * 4000) == "a" * 4000
    with pytest.raises(AnswerError, match="the limit is 4000"):
        validate_answer(question, "a" * 4001)
    assert built_in.question("deploy_regions").max_length == 200


# --- Cleaning, missing answers, progress ------------------------------------------------------


def test_clean_answers_drops_hidden_invalid_and_unknown_with_notes(
    all_types: Questionnaire,
) -> None:
    answers = {
        "personal": False,
        "special": True,
        "special_detail": "health",
        "people": 5000,
        "colour": "red",
        "mystery": 1,
    }
    kept, notes = clean_answers(all_types, answers)
    assert kept == {"colour": "red", "personal": False}
    assert "ignored: answer to hidden question special" in notes
    assert "ignored: answer to hidden question special_detail" in notes
    assert "ignored: answer to unknown question mystery" in notes
    assert any(note.startswith("refused: people: 5000 is out of range") for note in notes)
    assert answers["special"] is True, "the caller's answers are never modified"


def test_clean_answers_is_idempotent_and_ordered(all_types: Questionnaire) -> None:
    kept, _ = clean_answers(all_types, {"grid": {"society": {"other": "low"}}, "colour": "red"})
    assert list(kept) == ["colour", "grid"]
    assert clean_answers(all_types, kept) == (kept, [])


def test_missing_required_over_visible_questions(all_types: Questionnaire) -> None:
    def missing(answers: dict[str, Any]) -> list[str]:
        return [item.question_id for item in missing_required(all_types, answers)]

    assert missing({}) == ["colour", "personal", "grid"]
    assert missing({"personal": True}) == ["colour", "special", "grid"]
    assert missing({"personal": True, "special": True}) == ["colour", "special_detail", "grid"]
    full_grid = {
        row: {column: "none" for column in ("discrimination", "privacy", "other")}
        for row in ("individuals", "society")
    }
    partial_grid = copy.deepcopy(full_grid)
    del partial_grid["society"]["other"]
    assert "grid" in missing({"grid": partial_grid}), "a required grid needs every cell rated"
    assert missing({"colour": "red", "personal": False, "grid": full_grid}) == []
    item = missing_required(all_types, {})[0]
    assert (item.section_id, item.text) == ("basics", "Pick a colour.")
    assert "colour" in missing({"colour": "purple"}), "an invalid answer is not an answer"


def test_progress_counts_visible_questions(all_types: Questionnaire) -> None:
    assert progress(all_types, {}) == (0, len(visible_questions(all_types, {})))
    answers = {"personal": True, "special": False, "colour": "red", "people": 5000}
    answered, total = progress(all_types, answers)
    assert total == len(visible_questions(all_types, answers))
    assert answered == 3, "the out-of-range number does not count as answered"


def test_decision_questionnaire_uses_the_same_engine(decision: Questionnaire) -> None:
    assert decision.kind == "decision" and decision.scoring is None
    assert visible_ids(decision, {}) == ["is_ai"]
    assert visible_ids(decision, {"is_ai": True}) == ["is_ai", "prohibited"]
    assert [m.question_id for m in missing_required(decision, {"is_ai": True})] == ["prohibited"]
    with pytest.raises(QuestionnaireError, match="decision questionnaire; it has no score"):
        score(decision, {"is_ai": True})


# --- Scoring -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "share", "level"),
    [
        (0, 0.0, "I"),
        (1, 0.0001, "I"),
        (2499, 0.2499, "I"),
        (2500, 0.25, "I"),
        (2501, 0.2501, "II"),
        (4999, 0.4999, "II"),
        (5000, 0.5, "II"),
        (5001, 0.5001, "III"),
        (7500, 0.75, "III"),
        (7501, 0.7501, "IV"),
        (9000, 0.9, "IV"),
    ],
)
def test_every_level_boundary(
    boundaries: Questionnaire, points: int, share: float, level: str
) -> None:
    result = score(boundaries, {"points": points})
    assert result.impact_max == 10000
    assert result.share == share
    assert result.level.id == level
    assert result.level_rank == ["I", "II", "III", "IV"].index(level) + 1


def test_full_score_is_the_top_level(boundaries: Questionnaire) -> None:
    result = score(boundaries, {"points": 9000, "gate": True, "conditional": "all"})
    assert (result.share, result.level.id) == (1.0, "IV")


def test_level_for_share_uses_declared_thresholds(boundaries: Questionnaire) -> None:
    assert [level_for_share(boundaries, s).id for s in (0, 0.25, 0.2500001, 1)] == [
        "I",
        "I",
        "II",
        "IV",
    ]


def test_hidden_questions_count_in_the_maximum_but_never_score(boundaries: Questionnaire) -> None:
    hidden = score(boundaries, {"points": 100, "gate": False, "conditional": "all"})
    assert hidden.impact_max == 10000
    assert hidden.impact_raw == 100
    assert "ignored: answer to hidden question conditional" in hidden.notes
    shown = score(boundaries, {"points": 100, "gate": True, "conditional": "all"})
    assert shown.impact_max == 10000
    assert shown.impact_raw == 1100


@pytest.mark.parametrize(
    ("mitigation", "credit", "impact_score", "level"),
    [
        (None, False, 5500, "III"),
        (7, False, 5500, "III"),
        (8, True, 4675, "II"),
        (10, True, 4675, "II"),
    ],
)
def test_mitigation_credit_at_its_threshold(
    boundaries: Questionnaire, mitigation: int | None, credit: bool, impact_score: float, level: str
) -> None:
    answers: dict[str, Any] = {"points": 5500}
    if mitigation is not None:
        answers["mitigation"] = mitigation
    result = score(boundaries, answers)
    assert result.mitigation_max == 10
    assert result.mitigation_score == (mitigation or 0)
    assert result.credit_applied is credit
    assert result.impact_raw == 5500
    assert result.impact_score == impact_score
    assert result.level.id == level


def test_question_maxima_and_weights(all_types: Questionnaire) -> None:
    assert max_weight(all_types.question("colour")) == 3
    assert max_weight(all_types.question("tools")) == 3, "sum of the positive weights"
    assert max_weight(all_types.question("personal")) == 2
    assert max_weight(all_types.question("severity")) == 2, "4 steps above the minimum x 0.5"
    assert max_weight(all_types.question("grid")) == 2 * 3 * 3, "rows x columns x top cell"
    assert max_weight(all_types.question("people")) == 0
    tools = all_types.question("tools")
    assert answer_weight(tools, ["hammer", "saw", "glue"]) == 3
    assert answer_weight(tools, ["none"]) == 0
    assert answer_weight(all_types.question("severity"), 1) == 0
    assert answer_weight(all_types.question("severity"), 4) == 1.5
    assert answer_weight(all_types.question("colour"), None) == 0


def test_grid_scoring_and_dimension_breakdown(all_types: Questionnaire) -> None:
    grid = {
        "individuals": {"discrimination": "high", "privacy": "low", "other": "high"},
        "society": {"discrimination": "low"},
    }
    result = score(all_types, {"grid": grid})
    assert result.impact_raw == 8
    assert result.impact_max == 3 + 3 + 2 + 4 + 2 + 18
    dims = result.dimension_scores
    assert set(dims) == set(DIMENSIONS)
    assert dims["equality_non_discrimination"] == {"score": 4, "max": 6}
    assert dims["rights_freedoms"] == {"score": 3, "max": 6}, (
        "an untagged column uses the question's"
    )
    assert dims["privacy"] == {"score": 1, "max": 3 + 3 + 2 + 4 + 6}
    assert dims["economic_interests"] == {"score": 0, "max": 0}


def test_section_scores_add_up(all_types: Questionnaire) -> None:
    answers = {"colour": "green", "tools": ["hammer"], "personal": True, "review": "always"}
    result = score(all_types, answers)
    table = {row["section_id"]: row for row in result.section_scores}
    assert list(table) == ["basics", "details", "harms"]
    assert table["basics"] | {} == {
        "section_id": "basics",
        "title": "Basics",
        "questions": 5,
        "score": 5,
        "max": 14,
        "mitigation_score": 0,
        "mitigation_max": 0,
    }
    assert table["harms"]["mitigation_score"] == 2
    assert sum(row["score"] for row in result.section_scores) == result.impact_raw
    assert sum(row["max"] for row in result.section_scores) == result.impact_max


# --- Triggers ----------------------------------------------------------------------------------


def fired(questionnaire: Questionnaire, answers: dict[str, Any]) -> list[str]:
    return [risk.title for risk in score(questionnaire, answers).triggered_risks]


def test_triggers_fire_only_on_matching_answers(all_types: Questionnaire) -> None:
    assert fired(all_types, {}) == []
    assert fired(all_types, {"colour": "green", "tools": ["hammer"], "severity": 3}) == []
    assert fired(all_types, {"colour": "red", "tools": ["saw"], "severity": 4}) == [
        "Red chosen",
        "Saw in use",
        "Severe harm possible",
    ]


def test_trigger_carries_the_risk_and_the_answer(all_types: Questionnaire) -> None:
    (risk,) = score(all_types, {"tools": ["glue", "saw"]}).triggered_risks
    assert risk.question_id == "tools"
    assert risk.answer == ["saw", "glue"]
    assert (risk.harm_category, risk.risk_source) == ("safety", "hardware")
    assert risk.affected_parties == ["individuals", "groups"]
    assert (risk.likelihood, risk.severity) == (3, 3)


def test_grid_column_trigger(all_types: Questionnaire) -> None:
    assert fired(all_types, {"grid": {"individuals": {"discrimination": "low"}}}) == []
    assert fired(all_types, {"grid": {"society": {"discrimination": "high"}}}) == [
        "Discrimination rated high"
    ]
    assert fired(all_types, {"grid": {"society": {"privacy": "high"}}}) == []


def test_trigger_combining_an_earlier_conditional_answer(all_types: Questionnaire) -> None:
    title = "Special data without review"
    assert title in fired(all_types, {"personal": True, "special": True, "review": "never"})
    assert title not in fired(all_types, {"personal": True, "special": False, "review": "never"})
    assert title not in fired(all_types, {"personal": False, "special": True, "review": "never"})


def test_hidden_questions_never_trigger(built_in: Questionnaire) -> None:
    answers = {"data_personal": False, "data_special": ["biometric"], "data_inferred": True}
    assert fired(built_in, answers) == []
    answers["data_personal"] = True
    assert len(fired(built_in, answers)) == 2


# --- Files and re-assessment -------------------------------------------------------------------


def test_json_round_trip(all_types: Questionnaire) -> None:
    answers = {
        "colour": "red",
        "tools": ["saw", "hammer"],
        "personal": True,
        "special": False,
        "severity": 4,
        "people": 120,
        "many_people_note": "Café, naïve — ünïcode",
        "started": "2025-01-31",
        "grid": {"individuals": {"privacy": "high"}},
    }
    text = answers_to_json(all_types, answers)
    payload = json.loads(text)
    assert (payload["questionnaire_id"], payload["questionnaire_version"]) == ("all_types", "2.1")
    assert answers_from_json(all_types, text) == clean_answers(all_types, answers)[0]


def test_export_leaves_out_answers_that_do_not_count(all_types: Questionnaire) -> None:
    text = answers_to_json(all_types, {"personal": False, "special": True, "people": -5})
    assert json.loads(text)["answers"] == {"personal": False}


def test_import_refuses_another_questionnaire(
    all_types: Questionnaire, boundaries: Questionnaire
) -> None:
    text = answers_to_json(boundaries, {"points": 10})
    with pytest.raises(
        AnswersFileError, match="answers questionnaire 'boundaries', not 'all_types'"
    ):
        answers_from_json(all_types, text)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "not a JSON answer file"),
        ("[1, 2]", "names no questionnaire_id"),
        ('{"questionnaire_id": "all_types"}', "no 'answers' object"),
    ],
)
def test_import_refuses_files_that_are_not_answer_files(
    all_types: Questionnaire, text: str, says: str
) -> None:
    with pytest.raises(AnswersFileError, match=says):
        answers_from_json(all_types, text)


def test_import_reports_bad_answers_by_question_and_keeps_the_rest(
    all_types: Questionnaire,
) -> None:
    text = json.dumps(
        {
            "questionnaire_id": "all_types",
            "questionnaire_version": "1.0",
            "answers": {"colour": "red", "people": 5000, "tools": ["drill"], "ghost": 1},
        }
    )
    with pytest.raises(AnswersFileError) as caught:
        answers_from_json(all_types, text)
    error = caught.value
    assert error.answers == {"colour": "red"}
    assert [problem.split(":")[0] for problem in error.problems] == ["people", "tools", "ghost"]
    assert "ghost: no such question in version 2.1" in error.problems
    assert "3 answer(s) refused, 1 kept" in str(error)


def test_import_of_an_older_version_is_checked_answer_by_answer(all_types: Questionnaire) -> None:
    text = json.dumps(
        {
            "questionnaire_id": "all_types",
            "questionnaire_version": "1.0",
            "answers": {"personal": "yes"},
        }
    )
    assert answers_from_json(all_types, text) == {"personal": True}


def test_diff_answers(all_types: Questionnaire) -> None:
    old = {"colour": "red", "personal": True, "special": True, "tools": ["saw"], "people": 3}
    new = {"colour": "red", "personal": False, "special": True, "tools": ["saw"], "people": 3.0}
    changes = diff_answers(all_types, old, new)
    assert changes == [
        {"question_id": "personal", "text": "Personal data?", "old": True, "new": False},
        {"question_id": "special", "text": "Special categories?", "old": True, "new": None},
    ]
    assert diff_answers(all_types, old, old) == []


# --- The built-in AI system impact assessment --------------------------------------------------


def test_built_in_loads_with_enough_questions(built_in: Questionnaire) -> None:
    # 2.0: rated benefits, a likelihood per kind of harm and the split harm column changed what
    # answers mean, so the version went up (1.0 is kept in versions/ for old responses).
    assert (built_in.id, built_in.version, built_in.kind) == (
        "ai_impact_assessment",
        "2.0",
        "scored",
    )
    assert len(built_in.questions) >= 45
    assert {question.type for question in built_in.questions} == {
        "single_choice",
        "multiple_choice",
        "yes_no",
        "scale",
        "short_text",
        "long_text",
        "number",
        "date",
        "grid",
    }
    roles = {
        role: sum(q.role == role for q in built_in.questions)
        for role in ("impact", "mitigation", "context")
    }
    assert min(roles.values()) >= 10, roles


def test_built_in_follows_iso_42005_clause_6(built_in: Questionnaire) -> None:
    assert [section.id for section in built_in.sections] == [
        "scope",
        "system",
        "intended_uses",
        "unintended_uses",
        "data",
        "model",
        "deployment",
        "affected_parties",
        "benefits_harms",
        "failures",
        "measures",
    ]
    for clause in ("6.2", "6.3", "6.4", "6.5", "6.6", "6.7", "6.8", "6.9"):
        assert any(clause in (q.source or "") for q in built_in.questions), clause


def test_every_built_in_question_is_documented(built_in: Questionnaire) -> None:
    for question in built_in.questions:
        assert question.help and question.source, question.id
        if question.role == "impact":
            assert question.dimensions, question.id
    covered = {d for q in built_in.questions if q.role == "impact" for d in q.dimensions}
    assert covered == set(DIMENSIONS)
    measures = built_in.sections[-1].questions
    assert sum(q.role == "mitigation" for q in measures) >= 7


def test_built_in_grid_covers_individuals_groups_and_society(built_in: Questionnaire) -> None:
    grid = built_in.question("harm_grid")
    assert [row.key for row in grid.rows] == ["individuals", "groups", "society"]
    assert len(grid.columns) >= 5
    column_dimensions = {d for column in grid.columns for d in column.dimensions}
    assert column_dimensions == set(DIMENSIONS)


def test_built_in_levels_and_requirements(built_in: Questionnaire) -> None:
    assert built_in.scoring is not None
    levels = built_in.scoring.levels
    assert [(level.id, level.max_share) for level in levels] == [
        ("I", 0.25),
        ("II", 0.5),
        ("III", 0.75),
        ("IV", 1.0),
    ]
    approvers = ["team lead", "AI governance lead", "ethics committee", "executive board"]
    for level, approver in zip(levels, approvers, strict=True):
        assert 4 <= len(level.requires) <= 7, level.id
        text = " ".join(level.requires)
        for topic in ("Approval", "Notice", "Explanation", "Human involvement", "Review"):
            assert topic in text, (level.id, topic)
        assert approver in level.requires[0], level.id
    mitigation = built_in.scoring.mitigation
    assert mitigation is not None
    assert (mitigation.threshold_share, mitigation.reduction) == (0.8, 0.15)


def test_built_in_triggers_use_the_taxonomy_keys(built_in: Questionnaire) -> None:
    triggers = [t for q in built_in.questions for t in q.triggers]
    assert len(triggers) >= 8
    taxonomy = yaml.safe_load(TAXONOMY.read_text(encoding="utf-8"))
    keys = {
        name: {item["key"] for item in taxonomy[name]}
        for name in ("harm_categories", "risk_sources", "affected_parties")
    }
    for trigger in triggers:
        assert trigger.risk.harm_category in keys["harm_categories"], trigger.risk.title
        assert trigger.risk.risk_source in keys["risk_sources"], trigger.risk.title
        assert set(trigger.risk.affected_parties) <= keys["affected_parties"], trigger.risk.title


def test_built_in_special_category_data_only_with_personal_data(built_in: Questionnaire) -> None:
    assert not is_visible(built_in, "data_special", {})
    assert not is_visible(built_in, "data_special", {"data_personal": False})
    assert is_visible(built_in, "data_special", {"data_personal": True})


def test_built_in_automated_legal_effect_trigger(built_in: Questionnaire) -> None:
    title = "Important decisions made without meaningful human review"
    answers = {"system_legal_effect": True, "system_autonomy": "none"}
    assert title in fired(built_in, answers)
    assert title not in fired(built_in, answers | {"system_autonomy": "human_in_the_loop"})
    assert title not in fired(built_in, answers | {"system_legal_effect": False})


GRID_ROWS = ("individuals", "groups", "society")
GRID_COLUMNS = (
    "discrimination",
    "privacy",
    "physical_psychological",
    "economic",
    "autonomy",
    "environment",
    "public_debate",
)


def test_built_in_low_impact_profile_is_level_i(built_in: Questionnaire) -> None:
    answers = {
        "system_function": "informs",
        "system_decision_areas": ["none"],
        "system_legal_effect": False,
        "system_autonomy": "human_in_the_loop",
        "system_people_reached": "up_to_10k",
        "system_reversibility": "at_once",
        "data_personal": False,
        "parties_children": False,
        "harm_grid": {row: dict.fromkeys(GRID_COLUMNS, "none") for row in GRID_ROWS},
        "harm_worst_severity": 2,
        "failure_consequence": "inconvenience",
    }
    assert score(built_in, answers).level.id == "I"


def test_built_in_severe_profile_is_level_iv_and_measures_lower_it(
    built_in: Questionnaire,
) -> None:
    severe = {
        "system_function": "decides",
        "system_decision_areas": ["public_services", "justice"],
        "system_legal_effect": True,
        "system_autonomy": "none",
        "system_people_reached": "over_1m",
        "system_reversibility": "cannot",
        "data_personal": True,
        "data_special": ["ethnicity", "health"],
        "data_representative": "unknown",
        "model_explainability": "cannot_explain",
        "deploy_setting": "public_sector",
        "parties_non_users": True,
        "parties_children": True,
        "parties_vulnerable": ["low_income", "language_minority"],
        "parties_opt_out": "no_alternative",
        "harm_grid": {row: dict.fromkeys(GRID_COLUMNS, "high") for row in GRID_ROWS},
        "harm_worst_severity": 5,
        "harm_duration": "years",
        "harm_unequal_outcomes": "found",
        "failure_consequence": "serious",
    }
    result = score(built_in, severe)
    assert result.level.id == "IV" and result.points_level.id == "IV"
    assert len(result.triggered_risks) >= 8
    best_measures = {
        q.id: max(q.choices, key=lambda c: c.weight).value if q.choices else True
        for q in built_in.questions
        if q.role == "mitigation"
    }
    with_measures = score(built_in, severe | best_measures)
    assert with_measures.credit_applied
    assert with_measures.impact_score == pytest.approx(result.impact_raw * 0.85)


# --- Properties --------------------------------------------------------------------------------


def valid_answer(question: Question) -> st.SearchStrategy[Any]:
    """Any answer the engine must accept for this question."""
    kind = question.type
    if kind == "single_choice":
        return st.sampled_from([choice.value for choice in question.choices])
    if kind == "multiple_choice":
        plain = [choice.value for choice in question.choices if not choice.exclusive]
        alone = [[choice.value] for choice in question.choices if choice.exclusive]
        some = st.lists(st.sampled_from(plain), unique=True) if plain else st.just([])
        return st.one_of(some, st.sampled_from(alone)) if alone else some
    if kind == "yes_no":
        return st.booleans()
    if kind == "scale":
        low, high, step = question.min or 0, question.max or 0, question.step or 1
        return st.integers(0, round((high - low) / step)).map(lambda k: low + k * step)
    if kind == "number":
        low = int(question.min) if question.min is not None else -(10**6)
        high = int(question.max) if question.max is not None else 10**6
        return st.integers(low, high)
    if kind in ("short_text", "long_text"):
        return st.text(max_size=min(question.max_length or 200, 300))
    if kind == "date":
        return st.dates(EARLIEST_DAY, latest_plausible_day()).map(date.isoformat)
    rows = [row.key for row in question.rows]
    columns = [column.key for column in question.columns]
    cells = [choice.value for choice in question.cell_choices]
    return st.dictionaries(
        st.sampled_from(rows), st.dictionaries(st.sampled_from(columns), st.sampled_from(cells))
    )


def answer_sets(questionnaire: Questionnaire) -> st.SearchStrategy[dict[str, Any]]:
    """Random valid values for a random subset of the questions, visible or not."""
    return st.fixed_dictionaries(
        {}, optional={q.id: valid_answer(q) for q in questionnaire.questions}
    )


BUILT_IN_QUESTIONNAIRE = load_questionnaire(BUILT_IN)
ALL_TYPES_QUESTIONNAIRE = load_questionnaire(FIXTURES / "all_types.yaml")
PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(answers=answer_sets(BUILT_IN_QUESTIONNAIRE))
def test_any_answer_set_gives_exactly_one_level(answers: dict[str, Any]) -> None:
    questionnaire = BUILT_IN_QUESTIONNAIRE
    for question_id, value in answers.items():
        validate_answer(questionnaire.question(question_id), value)
    result = score(questionnaire, answers)
    assert 0 <= result.share <= 1
    assert 0 <= result.impact_score <= result.impact_raw <= result.impact_max
    assert 0 <= result.mitigation_score <= result.mitigation_max
    assert questionnaire.scoring is not None
    matching = [
        level
        for position, level in enumerate(questionnaire.scoring.levels)
        if result.share <= level.max_share
        and (position == 0 or result.share > questionnaire.scoring.levels[position - 1].max_share)
    ]
    # The share gives exactly one points level; floors (v2.0) may only raise it, to the
    # highest floor that holds.
    assert matching == [result.points_level]
    assert result.level_rank == max(
        [result.points_level_rank, *(floor.level_rank for floor in result.floors)]
    )
    assert result.level_rank == result.level.rank >= result.points_level_rank
    for part in result.dimension_scores.values():
        assert 0 <= part["score"] <= part["max"]


@PROPERTY_SETTINGS
@given(answers=answer_sets(BUILT_IN_QUESTIONNAIRE))
def test_hidden_answers_change_nothing(answers: dict[str, Any]) -> None:
    questionnaire = BUILT_IN_QUESTIONNAIRE
    kept, _ = clean_answers(questionnaire, answers)
    assert score(questionnaire, answers).model_dump(exclude={"notes"}) == score(
        questionnaire, kept
    ).model_dump(exclude={"notes"})
    assert set(kept) <= set(visible_ids(questionnaire, answers))
    answered, total = progress(questionnaire, answers)
    assert 0 <= answered <= total


@PROPERTY_SETTINGS
@given(answers=answer_sets(ALL_TYPES_QUESTIONNAIRE))
def test_json_round_trip_keeps_every_answer_that_counts(answers: dict[str, Any]) -> None:
    questionnaire = ALL_TYPES_QUESTIONNAIRE
    kept, _ = clean_answers(questionnaire, answers)
    assert answers_from_json(questionnaire, answers_to_json(questionnaire, answers)) == kept
    assert diff_answers(questionnaire, answers, kept) == []
