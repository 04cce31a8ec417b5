"""The screening questionnaire drives the EU AI Act and Colorado procedures."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.errors import FieldErrors
from assessments.questionnaire import QuestionnaireError, check_all, load_questionnaire
from assessments.questionnaire import visible_questions as engine_visible
from assessments.regulatory import (
    CLASS_ORDER,
    CLOSED_STATUSES,
    COLORADO_KEYS,
    NOT_SCREENED,
    OBLIGATION_STATUSES,
    ObligationUpdate,
    checklist_progress,
    class_filter_options,
    class_label,
    evaluate,
    impact_section_titles,
    is_stale,
    outcome_from_json,
    screening_questionnaire,
    screening_questionnaire_file,
    split_answers,
)
from assessments.screening import (
    ANSWER_KEYS,
    MULTI_SELECT_OPTIONS,
    eu_ai_act_reference,
    parse_answers,
    screen_eu_ai_act,
)

QUESTIONNAIRE = screening_questionnaire()


def visible(answers: dict[str, Any]) -> list[str]:
    return [question.id for question in engine_visible(QUESTIONNAIRE, answers)]


def collect(file_answers: dict[str, Any]) -> dict[str, Any]:
    """Answer the questionnaire as a person holding this answer file would: each question shown
    gets the file's answer (a multi-select the file leaves out stays empty), until nothing new
    appears. The Colorado question, absent from EU answer files, is answered no."""
    file_answers = {"colorado_applies": "no", **file_answers}
    answers: dict[str, Any] = {}
    while True:
        shown = visible(answers)
        updated = {key: file_answers[key] for key in shown if key in file_answers}
        if updated == answers:
            return answers
        answers = updated


def essentials(result: Any) -> dict[str, Any]:
    return {
        "class": result.risk_class,
        "basis": result.basis,
        "transparency": list(result.transparency_duties),
        "gpai": result.gpai,
        "fria": result.fria_required,
        "obligations": [obligation.id for obligation in result.obligations],
    }


# --- the questionnaire file ----------------------------------------------------------------------


def test_the_questionnaire_passes_the_engine_checks_and_is_a_decision_questionnaire() -> None:
    assert check_all(screening_questionnaire_file().parent) == []
    raw = load_questionnaire(screening_questionnaire_file())
    assert raw.kind == "decision" and raw.scoring is None
    assert sorted(q.id for q in raw.questions if q.id not in COLORADO_KEYS) == sorted(ANSWER_KEYS)


def test_question_ids_and_choice_values_are_the_stable_answer_keys_and_values() -> None:
    for key, options in MULTI_SELECT_OPTIONS.items():
        question = QUESTIONNAIRE.question(key)
        assert question.type == "multiple_choice"
        assert [choice.value for choice in question.choices] == list(options)


def test_every_question_says_why_we_ask() -> None:
    for question in QUESTIONNAIRE.questions:
        assert question.help.startswith("Why we ask:"), question.id
        assert question.source, question.id


def test_examples_come_from_the_regulation_file_only() -> None:
    raw = yaml.safe_load(screening_questionnaire_file().read_text(encoding="utf-8"))
    in_file = [
        choice
        for section in raw["sections"]
        for question in section["questions"]
        for choice in question.get("choices", [])
        if "example" in choice
    ]
    assert in_file == [], "examples must stay in data/regulation/, not be copied here"
    reference = eu_ai_act_reference()["questions"]
    for key in ("prohibited", "annex_iii_areas"):
        for choice in QUESTIONNAIRE.question(key).choices:
            examples = reference[key]["options"][choice.value]["examples"]
            assert examples and choice.example
            assert all(example.rstrip(".") in choice.example for example in examples)
    assert all(choice.example for choice in QUESTIONNAIRE.question("colorado_areas").choices)


def test_a_questionnaire_that_drifts_from_the_procedure_is_refused(tmp_path: Path) -> None:
    text = screening_questionnaire_file().read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text.replace("value: deep_fake,", "value: deepfake,"), encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="art50"):
        screening_questionnaire(renamed)
    with_example = tmp_path / "with_example.yaml"
    with_example.write_text(
        text.replace(
            '{value: housing, label: "Housing"}',
            '{value: housing, label: "Housing", example: "A flat"}',
        ),
        encoding="utf-8",
    )
    with pytest.raises(QuestionnaireError, match="examples live in data/regulation"):
        screening_questionnaire(with_example)


# --- visibility: questions appear only when they matter ------------------------------------------


def test_not_an_ai_system_asks_nothing_more() -> None:
    assert visible({"ai_system": "no"}) == ["ai_system"]
    assert visible({}) == ["ai_system"]


def test_an_exclusion_stops_the_questions_about_the_system() -> None:
    for exclusion in ("military_defence_national_security", "scientific_research_only"):
        shown = visible({"ai_system": "yes", "roles": ["deployer"], "exclusions": [exclusion]})
        assert "prohibited" not in shown and "annex_iii_areas" not in shown
    research = visible({"ai_system": "yes", "exclusions": ["scientific_research_only"]})
    assert "gpai_model_provider" not in research
    military = visible({"ai_system": "yes", "exclusions": ["military_defence_national_security"]})
    assert "gpai_model_provider" in military


def test_personal_use_excludes_only_when_the_organisation_supplies_nothing() -> None:
    private = {
        "ai_system": "yes",
        "roles": ["deployer"],
        "exclusions": ["personal_non_professional"],
    }
    assert "prohibited" not in visible(private)
    supplier = {**private, "roles": ["provider"]}
    assert "prohibited" in visible(supplier)


def test_open_source_does_not_stop_the_questions() -> None:
    shown = visible({"ai_system": "yes", "roles": ["provider"], "exclusions": ["free_open_source"]})
    assert {"prohibited", "annex_iii_areas", "art50"} <= set(shown)


def test_no_high_risk_or_transparency_questions_once_a_practice_is_prohibited() -> None:
    shown = visible({"ai_system": "yes", "roles": ["deployer"], "prohibited": ["social_scoring"]})
    for hidden in (
        "annex_i_product",
        "annex_iii_areas",
        "profiles_natural_persons",
        "art6_3_conditions",
        "significant_risk_of_harm",
        "art50",
        "credit_or_insurance_pricing",
        "public_body_or_public_service",
    ):
        assert hidden not in shown
    assert "gpai_model_provider" in shown


def test_art6_3_only_for_annex_iii_uses_that_do_not_profile() -> None:
    base = {"ai_system": "yes", "roles": ["provider"]}
    assert "profiles_natural_persons" not in visible(base)
    in_area = {**base, "annex_iii_areas": ["education"]}
    assert "profiles_natural_persons" in visible(in_area)
    assert "art6_3_conditions" not in visible({**in_area, "profiles_natural_persons": "yes"})
    not_profiling = {**in_area, "profiles_natural_persons": "no"}
    assert "art6_3_conditions" in visible(not_profiling)
    assert "significant_risk_of_harm" not in visible(not_profiling)
    with_condition = {**not_profiling, "art6_3_conditions": ["preparatory_task"]}
    assert "significant_risk_of_harm" in visible(with_condition)


def test_fria_questions_only_for_deployers_of_an_annex_iii_use() -> None:
    provider = {
        "ai_system": "yes",
        "roles": ["provider"],
        "annex_iii_areas": ["essential_services"],
    }
    assert not {"credit_or_insurance_pricing", "public_body_or_public_service"} & set(
        visible(provider)
    )
    deployer = {**provider, "roles": ["deployer"]}
    assert {"credit_or_insurance_pricing", "public_body_or_public_service"} <= set(
        visible(deployer)
    )
    employment = {**deployer, "annex_iii_areas": ["employment"]}
    assert "credit_or_insurance_pricing" not in visible(employment)
    assert "public_body_or_public_service" in visible(employment)
    critical = {**deployer, "annex_iii_areas": ["critical_infrastructure"]}
    assert "public_body_or_public_service" not in visible(critical)
    no_area = {"ai_system": "yes", "roles": ["deployer"]}
    assert "public_body_or_public_service" not in visible(no_area)


def test_systemic_risk_only_for_general_purpose_model_providers() -> None:
    base = {"ai_system": "yes", "roles": ["provider"]}
    assert "gpai_systemic_risk" not in visible({**base, "gpai_model_provider": "no"})
    assert "gpai_systemic_risk" in visible({**base, "gpai_model_provider": "yes"})


def test_colorado_questions_follow_each_other() -> None:
    base = {"ai_system": "yes", "roles": ["deployer"]}
    assert "colorado_areas" not in visible({**base, "colorado_applies": "no"})
    applies = {**base, "colorado_applies": "yes"}
    assert "colorado_areas" in visible(applies)
    assert "colorado_substantial_factor" not in visible(applies)
    assert "colorado_substantial_factor" in visible({**applies, "colorado_areas": ["housing"]})


# --- the questionnaire drives the procedure ------------------------------------------------------

FULL = {
    "ai_system": "yes",
    "roles": ["provider", "deployer"],
    "exclusions": [],
    "prohibited": [],
    "annex_i_product": "no",
    "annex_iii_areas": [],
    "art50": [],
    "gpai_model_provider": "no",
}
SCENARIOS: dict[str, dict[str, Any]] = {
    "not_ai": {"ai_system": "no"},
    "military": {**FULL, "exclusions": ["military_defence_national_security"]},
    "research_gpai": {
        **FULL,
        "exclusions": ["scientific_research_only"],
        "gpai_model_provider": "yes",
    },
    "personal_supplier": {
        **FULL,
        "roles": ["provider"],
        "exclusions": ["personal_non_professional"],
    },
    "open_source_minimal": {**FULL, "exclusions": ["free_open_source"]},
    "open_source_chatbot": {
        **FULL,
        "exclusions": ["free_open_source"],
        "art50": ["interacts_with_people"],
    },
    "prohibited": {**FULL, "prohibited": ["emotion_recognition_work_education"]},
    "prohibited_with_gpai": {
        **FULL,
        "prohibited": ["social_scoring"],
        "gpai_model_provider": "yes",
        "gpai_systemic_risk": "yes",
    },
    "annex_i": {**FULL, "annex_i_product": "yes"},
    "annex_iii_profiling": {
        **FULL,
        "annex_iii_areas": ["employment"],
        "profiles_natural_persons": "yes",
        "public_body_or_public_service": "no",
    },
    "annex_iii_no_condition": {
        **FULL,
        "annex_iii_areas": ["education"],
        "profiles_natural_persons": "no",
        "art6_3_conditions": [],
        "public_body_or_public_service": "yes",
    },
    "exempted": {
        **FULL,
        "roles": ["provider"],
        "annex_iii_areas": ["migration_border"],
        "profiles_natural_persons": "no",
        "art6_3_conditions": ["preparatory_task"],
        "significant_risk_of_harm": "no",
    },
    "exempted_but_significant": {
        **FULL,
        "annex_iii_areas": ["justice_democracy"],
        "profiles_natural_persons": "no",
        "art6_3_conditions": ["narrow_procedural_task"],
        "significant_risk_of_harm": "yes",
        "public_body_or_public_service": "yes",
    },
    "credit_fria": {
        **FULL,
        "roles": ["deployer"],
        "annex_iii_areas": ["essential_services"],
        "profiles_natural_persons": "yes",
        "credit_or_insurance_pricing": "yes",
        "public_body_or_public_service": "no",
    },
    "critical_infrastructure_public": {
        **FULL,
        "roles": ["deployer"],
        "annex_iii_areas": ["critical_infrastructure"],
        "profiles_natural_persons": "no",
        "art6_3_conditions": [],
    },
    "limited_deep_fake": {**FULL, "art50": ["deep_fake", "generates_synthetic_content"]},
    "minimal": dict(FULL),
    "gpai_systemic": {**FULL, "gpai_model_provider": "yes", "gpai_systemic_risk": "yes"},
    "importer_high_risk": {
        **FULL,
        "roles": ["importer", "distributor"],
        "annex_iii_areas": ["biometrics"],
        "profiles_natural_persons": "yes",
    },
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_answers_collected_through_the_questionnaire_give_the_file_s_result(name: str) -> None:
    file_answers = SCENARIOS[name]
    from_file = screen_eu_ai_act(parse_answers(file_answers))
    collected = collect(file_answers)
    outcome = evaluate(collected)
    assert essentials(outcome.eu) == essentials(from_file)


def test_the_scenarios_cover_every_class() -> None:
    classes = {screen_eu_ai_act(parse_answers(a)).risk_class for a in SCENARIOS.values()}
    assert classes == {"out_of_scope", "prohibited", "high_risk", "limited_risk", "minimal_risk"}


def test_questions_hidden_by_the_questionnaire_are_not_reported_as_unanswered() -> None:
    answers = collect(SCENARIOS["annex_iii_profiling"] | {"roles": ["provider"]})
    outcome = evaluate(answers)
    assert outcome.risk_class == "high_risk"
    assert not any(reason.startswith("Not answered") for reason in outcome.eu.reasons)


def test_a_multi_select_seen_and_left_empty_means_none_of_these() -> None:
    split = split_answers(QUESTIONNAIRE, {"ai_system": "yes", "roles": ["deployer"]})
    assert split.eu["prohibited"] == [] and split.eu["art50"] == []
    assert "annex_iii_areas" in split.eu
    assert "profiles_natural_persons" in split.not_asked


def test_unanswered_required_questions_and_bad_answers_are_named() -> None:
    with pytest.raises(FieldErrors) as missing:
        evaluate({"ai_system": "yes"})
    assert missing.value.errors["roles"] == "please answer this question"
    assert "annex_i_product" in missing.value.errors
    with pytest.raises(FieldErrors) as bad:
        evaluate({"ai_system": "maybe", "colour": "red"})
    assert "yes or no" in bad.value.errors["ai_system"]
    assert bad.value.errors["colour"] == "not a question of this screening"


# --- the outcome: Colorado, controls, checklist --------------------------------------------------


def test_colorado_high_risk_gives_deployer_duties_mapped_to_the_impact_sections() -> None:
    answers = collect(SCENARIOS["annex_iii_profiling"])
    answers |= {
        "colorado_applies": "yes",
        "colorado_areas": ["employment"],
        "colorado_substantial_factor": "yes",
    }
    outcome = evaluate(answers)
    assert outcome.colorado is not None and outcome.colorado.high_risk
    colorado_items = [item for item in outcome.checklist if item.regime == "Colorado AI Act"]
    assert {item.id for item in colorado_items} >= {
        "colorado:impact_assessment",
        "colorado:consumer_notice",
        "colorado:documentation_for_deployers",
    }
    assert all(item.applies_from == date(2026, 6, 30) for item in colorado_items)
    assert all(item.article.startswith("C.R.S.") for item in colorado_items)
    impact = next(item for item in colorado_items if item.id == "colorado:impact_assessment")
    assert "90 days" in (impact.frequency or "")
    titles = impact_section_titles()
    for element in outcome.colorado.impact_assessment_elements:
        assert element.maps_to_section in titles
    assert outcome.impact_assessment_suggested


def test_colorado_not_applicable_and_not_high_risk() -> None:
    base = collect(SCENARIOS["minimal"])
    assert evaluate({**base, "colorado_applies": "no"}).colorado is None
    no_area = evaluate({**base, "colorado_applies": "yes"})
    assert no_area.colorado is not None and not no_area.colorado.high_risk
    assert not any(item.regime == "Colorado AI Act" for item in no_area.checklist)


def test_high_risk_or_fria_suggests_the_impact_assessment_and_controls() -> None:
    fria = evaluate(collect(SCENARIOS["credit_fria"]))
    assert fria.eu.fria_required and fria.impact_assessment_suggested
    assert {"A.5.4", "A.5.5"} <= set(fria.suggested_controls)
    minimal = evaluate(collect(SCENARIOS["minimal"]))
    assert not minimal.impact_assessment_suggested


def test_the_outcome_round_trips_through_json_with_the_class_key() -> None:
    outcome = evaluate(collect(SCENARIOS["credit_fria"]) | {"colorado_applies": "no"})
    data = outcome.model_dump(mode="json")
    assert data["eu"]["class"] == "high_risk"
    again = outcome_from_json(data)
    assert again == outcome
    assert again.obligation_ids == [item.id for item in outcome.checklist]


def test_public_deployer_registration_leaves_out_critical_infrastructure() -> None:
    answers = {
        **SCENARIOS["critical_infrastructure_public"],
        "public_body_or_public_service": "yes",
    }
    ids = {o.id for o in screen_eu_ai_act(parse_answers(answers)).obligations}
    assert "deployer_registration" not in ids
    answers["annex_iii_areas"] = ["critical_infrastructure", "education"]
    ids = {o.id for o in screen_eu_ai_act(parse_answers(answers)).obligations}
    assert "deployer_registration" in ids


def test_an_obligation_marked_done_needs_its_evidence() -> None:
    with pytest.raises(ValueError, match="evidence"):
        ObligationUpdate(status="done")
    assert ObligationUpdate(status="done", evidence="Policy P-1").status == "done"
    with pytest.raises(ValueError):
        ObligationUpdate(status="finished")


def test_staleness_is_a_change_after_the_screening() -> None:
    screened = datetime(2026, 5, 1, 12, 0)
    assert not is_stale(screened, None)
    assert not is_stale(screened, datetime(2026, 4, 30))
    assert is_stale(screened, datetime(2026, 5, 2))


# --- one obligation model, the class filter, the checklist's progress --------------------------


def test_the_checklist_holds_the_eu_obligations_themselves_and_colorado_duties_as_well() -> None:
    answers = collect(SCENARIOS["annex_iii_profiling"]) | {
        "colorado_applies": "yes",
        "colorado_areas": ["employment"],
        "colorado_substantial_factor": "yes",
    }
    outcome = evaluate(answers)
    eu_items = [item for item in outcome.checklist if item.regime == "EU AI Act"]
    assert eu_items == outcome.eu.obligations
    stored = outcome.model_dump(mode="json")
    eu_json = stored["checklist"][0]
    assert "regime" not in eu_json and "frequency" not in eu_json, "the EU keys stay fixed"
    colorado_json = next(i for i in stored["checklist"] if i["id"] == "colorado:impact_assessment")
    assert colorado_json["regime"] == "Colorado AI Act" and colorado_json["frequency"]
    assert outcome_from_json(stored) == outcome


def test_a_checklist_stored_with_the_old_item_shape_still_loads() -> None:
    """Screenings saved before the two obligation models became one carry `regime` and
    `frequency` on every item."""
    outcome = evaluate(collect(SCENARIOS["annex_iii_profiling"]) | {"colorado_applies": "no"})
    stored = outcome.model_dump(mode="json")
    for item in stored["checklist"]:
        item.update(regime="EU AI Act", frequency=None)
    assert outcome_from_json(stored) == outcome


def test_transparency_and_fria_are_assessed_except_for_prohibited_or_out_of_scope() -> None:
    outcomes = {
        name: screen_eu_ai_act(parse_answers(answers)) for name, answers in SCENARIOS.items()
    }
    for name, result in outcomes.items():
        expected = result.risk_class not in ("prohibited", "out_of_scope")
        assert result.duties_assessed is expected, name
    assert {result.duties_assessed for result in outcomes.values()} == {True, False}


def test_the_class_filter_offers_every_class_in_order_then_not_screened() -> None:
    options = class_filter_options()
    assert list(options) == [*CLASS_ORDER, NOT_SCREENED]
    assert options[NOT_SCREENED] == "Not screened"
    assert all(options[key] == class_label(key) for key in options)


def test_checklist_progress_counts_done_and_set_aside_as_closed() -> None:
    progress = checklist_progress(["done", "not_applicable", "in_progress", "to_do"])
    assert (progress.closed, progress.total, progress.share) == (2, 4, 0.5)
    assert {status for status in OBLIGATION_STATUSES if checklist_progress([status]).closed} == set(
        CLOSED_STATUSES
    )
    empty = checklist_progress([])
    assert (empty.closed, empty.total, empty.share) == (0, 0, 0.0)
