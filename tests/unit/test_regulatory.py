"""The screening questionnaire drives the EU AI Act and Colorado procedures."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.errors import FieldErrors
from assessments.questionnaire.errors import QuestionnaireError
from assessments.questionnaire.loading import check_all, load_questionnaire
from assessments.questionnaire.visibility import visible_questions as engine_visible
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
    current_answers,
    evaluate,
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
    """The questions shown for these answers; a system reaches the EU unless the test says
    otherwise (the answer that opens every other EU question)."""
    answers = {"eu_territorial_link": "yes", **answers}
    return [question.id for question in engine_visible(QUESTIONNAIRE, answers)]


def collect(file_answers: dict[str, Any]) -> dict[str, Any]:
    """Answer the questionnaire as a person holding this answer file would: each question shown
    gets the file's answer (a multi-select the file leaves out stays empty), until nothing new
    appears. The Colorado question, absent from EU answer files, is answered no."""
    file_answers = {"colorado_consumers": "no", "eu_territorial_link": "yes", **file_answers}
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
    areas = QUESTIONNAIRE.question("consequential_decision_areas").choices
    assert all(choice.example for choice in areas)


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
        "public_authority",
        "public_service_provider",
        "already_on_market",
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
    fria_keys = {"credit_or_insurance_pricing", "public_authority", "public_service_provider"}
    assert not fria_keys & set(visible(provider))
    deployer = {**provider, "roles": ["deployer"]}
    assert {"credit_or_insurance_pricing", "public_authority"} <= set(visible(deployer))
    # A public authority owes the FRIA anyway: the private-public-service question follows a no.
    assert "public_service_provider" not in visible(deployer)
    assert "public_service_provider" in visible({**deployer, "public_authority": "no"})
    assert "public_service_provider" not in visible({**deployer, "public_authority": "yes"})
    employment = {**deployer, "annex_iii_areas": ["employment"]}
    assert "credit_or_insurance_pricing" not in visible(employment)
    assert "public_authority" in visible(employment)
    critical = {**deployer, "annex_iii_areas": ["critical_infrastructure"]}
    assert "public_authority" not in visible(critical)
    no_area = {"ai_system": "yes", "roles": ["deployer"]}
    assert "public_authority" not in visible(no_area)


def test_already_on_market_is_asked_for_high_risk_routes_and_brings_the_public_question() -> None:
    """Art. 111(2): only a high-risk route makes the question matter; a yes asks whether
    public authorities use the system (their deadline is 2030-08-02), whatever the role."""
    base = {"ai_system": "yes", "roles": ["provider"]}
    assert "already_on_market" not in visible(base)
    product = {**base, "annex_i_product": "yes"}
    assert {"annex_i_section_b", "already_on_market"} <= set(visible(product))
    in_use = {**base, "annex_iii_areas": ["education"], "already_on_market": "yes"}
    assert "public_authority" in visible(in_use)


def test_the_territorial_question_opens_the_rest_and_the_provider_question_follows_roles() -> None:
    """Art. 2(1) first; Art. 22(1) and 54(1) only for providers."""
    outside = visible({"ai_system": "yes", "eu_territorial_link": "no", "roles": ["provider"]})
    assert "prohibited" not in outside and "exclusions" not in outside
    assert "established_outside_eu" not in outside
    assert "established_outside_eu" in visible({"ai_system": "yes", "roles": ["provider"]})
    assert "established_outside_eu" not in visible({"ai_system": "yes", "roles": ["deployer"]})


def test_open_source_weights_only_for_models_without_systemic_risk() -> None:
    """Art. 53(2): the relief never reaches a model with systemic risk."""
    model = {"ai_system": "yes", "roles": ["provider"], "gpai_model_provider": "yes"}
    assert "open_source_weights" in visible({**model, "gpai_systemic_risk": "no"})
    assert "open_source_weights" not in visible({**model, "gpai_systemic_risk": "yes"})


def test_systemic_risk_only_for_general_purpose_model_providers() -> None:
    base = {"ai_system": "yes", "roles": ["provider"]}
    assert "gpai_systemic_risk" not in visible({**base, "gpai_model_provider": "no"})
    assert "gpai_systemic_risk" in visible({**base, "gpai_model_provider": "yes"})


def test_colorado_questions_follow_each_other() -> None:
    """SB 26-189 (C.R.S. 6-1-1701): consumers, then areas, then material influence; the
    small-business question only for deployers whose system materially influences."""
    base = {"ai_system": "yes", "roles": ["deployer"]}
    assert "colorado_consumers" not in visible({"ai_system": "no"})
    assert "consequential_decision_areas" not in visible({**base, "colorado_consumers": "no"})
    applies = {**base, "colorado_consumers": "yes"}
    assert "consequential_decision_areas" in visible(applies)
    assert "materially_influences" not in visible(applies)
    housing = {**applies, "consequential_decision_areas": ["housing"]}
    assert "materially_influences" in visible(housing)
    assert "small_deployer" not in visible(housing)
    assert "small_deployer" in visible({**housing, "materially_influences": "yes"})
    assert "small_deployer" not in visible({**housing, "materially_influences": "no"})
    provider = {**housing, "roles": ["provider"], "materially_influences": "yes"}
    assert "small_deployer" not in visible(provider)


# --- the questionnaire drives the procedure ------------------------------------------------------

FULL = {
    "ai_system": "yes",
    "eu_territorial_link": "yes",
    "roles": ["provider", "deployer"],
    "established_outside_eu": "no",
    "exclusions": [],
    "prohibited": [],
    "annex_i_product": "no",
    "annex_i_section_b": "no",
    "annex_iii_areas": [],
    "already_on_market": "no",
    "art50": [],
    "gpai_model_provider": "no",
    "open_source_weights": "no",
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
        "public_authority": "no",
        "public_service_provider": "no",
    },
    "annex_iii_no_condition": {
        **FULL,
        "annex_iii_areas": ["education"],
        "profiles_natural_persons": "no",
        "art6_3_conditions": [],
        "public_authority": "yes",
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
        "public_authority": "yes",
    },
    "credit_fria": {
        **FULL,
        "roles": ["deployer"],
        "annex_iii_areas": ["essential_services"],
        "profiles_natural_persons": "yes",
        "credit_or_insurance_pricing": "yes",
        "public_authority": "no",
        "public_service_provider": "no",
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
    split = split_answers(
        QUESTIONNAIRE, {"ai_system": "yes", "eu_territorial_link": "yes", "roles": ["deployer"]}
    )
    assert split.eu["prohibited"] == [] and split.eu["art50"] == []
    assert "annex_iii_areas" in split.eu
    assert "profiles_natural_persons" in split.not_asked


def test_unanswered_required_questions_and_bad_answers_are_named() -> None:
    with pytest.raises(FieldErrors) as missing:
        evaluate({"ai_system": "yes"})
    assert missing.value.errors["eu_territorial_link"] == "please answer this question"
    with pytest.raises(FieldErrors) as missing:
        evaluate({"ai_system": "yes", "eu_territorial_link": "yes"})
    assert missing.value.errors["roles"] == "please answer this question"
    assert "annex_i_product" in missing.value.errors
    with pytest.raises(FieldErrors) as bad:
        evaluate({"ai_system": "maybe", "colour": "red"})
    assert "yes or no" in bad.value.errors["ai_system"]
    assert bad.value.errors["colour"] == "not a question of this screening"


# --- the outcome: Colorado, controls, checklist --------------------------------------------------


COLORADO_COVERED = {
    "colorado_consumers": "yes",
    "consequential_decision_areas": ["employment"],
    "materially_influences": "yes",
}


def test_colorado_covered_puts_its_dated_duties_for_both_roles_on_the_checklist() -> None:
    """SB 26-189: provider + deployer carry the 6-1-1702 and 6-1-1703 to 6-1-1705 duties."""
    outcome = evaluate(collect(SCENARIOS["annex_iii_profiling"]) | COLORADO_COVERED)
    assert outcome.colorado is not None and outcome.colorado.covered
    assert outcome.colorado_covered
    colorado_items = [item for item in outcome.checklist if item.regime == "Colorado ADMT law"]
    assert {item.id for item in colorado_items} >= {
        "colorado:point_of_interaction_notice",
        "colorado:adverse_outcome_explanation",
        "colorado:meaningful_human_review",
        "colorado:developer_documentation",
    }
    assert [item.id for item in colorado_items] == [
        f"colorado:{item.id}" for item in outcome.colorado.obligations
    ]
    assert all(item.applies_from == date(2027, 1, 1) for item in colorado_items)
    assert all(item.article.startswith("C.R.S.") for item in colorado_items)
    assert all("SB 26-189" in (item.date_set_by or "") for item in colorado_items)
    explanation = next(
        item for item in colorado_items if item.id == "colorado:adverse_outcome_explanation"
    )
    assert "30 days" in (explanation.frequency or "")
    assert "colorado:impact_assessment" not in outcome.obligation_ids, "SB 24-205 is repealed"
    assert outcome.impact_assessment_suggested  # from the EU AI Act high-risk class


def test_colorado_not_asked_not_in_colorado_and_not_covered() -> None:
    """C.R.S. 6-1-1701: no consumers in Colorado, or no area, means no Colorado duties."""
    assert evaluate(collect(SCENARIOS["not_ai"])).colorado is None
    base = collect(SCENARIOS["minimal"])
    outside = evaluate({**base, "colorado_consumers": "no"})
    assert outside.colorado is not None and not outside.colorado.covered
    assert outside.colorado.basis == "no_colorado_consumers" and not outside.colorado_covered
    no_area = evaluate({**base, "colorado_consumers": "yes"})
    assert no_area.colorado is not None and not no_area.colorado.covered
    assert no_area.colorado.basis == "no_consequential_decision"
    assert not any(item.regime == "Colorado ADMT law" for item in no_area.checklist)
    set_aside = evaluate({**base, **COLORADO_COVERED, "materially_influences": "no"})
    assert set_aside.colorado is not None and set_aside.colorado.basis == "no_material_influence"
    assert not any(item.id.startswith("colorado:") for item in set_aside.checklist)


def test_answers_under_the_sb_24_205_keys_still_screen_under_sb_26_189() -> None:
    old = collect(SCENARIOS["annex_iii_profiling"]) | {
        "colorado_applies": "yes",
        "colorado_areas": ["employment", "legal_services"],
        "colorado_substantial_factor": "yes",
    }
    old.pop("colorado_consumers")
    assert current_answers(old) == collect(SCENARIOS["annex_iii_profiling"]) | COLORADO_COVERED
    outcome = evaluate(old)
    new = evaluate(collect(SCENARIOS["annex_iii_profiling"]) | COLORADO_COVERED)
    assert outcome.colorado is not None and outcome.colorado.covered
    assert outcome.obligation_ids == new.obligation_ids
    reasons = " ".join(outcome.colorado.reasons)
    assert "questions on SB 24-205" in reasons and '"A legal service" was left out' in reasons


def test_an_outcome_stored_under_sb_24_205_still_opens() -> None:
    """A screening saved before SB 26-189: its Colorado result and checklist items load, the
    items named as the repealed law's, the result marked as made under SB 24-205."""
    stored = evaluate(collect(SCENARIOS["annex_iii_profiling"])).model_dump(mode="json")
    stored["colorado"] = {
        "high_risk": True,
        "areas": ["employment"],
        "reasons": ["High-risk under the Colorado AI Act because ..."],
        "deployer_duties": [
            {
                "id": "impact_assessment",
                "title": "Impact assessment",
                "summary": "s",
                "frequency": "f",
            }
        ],
        "developer_duties": [],
        "impact_assessment_elements": [],
    }
    stored["checklist"].append(
        {
            "id": "colorado:impact_assessment",
            "article": "C.R.S. 6-1-1703(3)",
            "title": "Impact assessment",
            "summary": "s",
            "applies_from": "2026-06-30",
            "roles": ["deployer"],
            "source": "Colorado SB 24-205 as amended by SB 25B-004",
            "last_checked": "2026-11-28",
            "regime": "Colorado AI Act",
            "frequency": "yearly",
        }
    )
    outcome = outcome_from_json(stored)
    assert outcome.colorado is not None and outcome.colorado.legacy
    assert outcome.colorado.covered, "the old verdict is kept as it was decided"
    assert not outcome.colorado_covered, "but a repealed law covers nothing (no impact floor)"
    legacy = next(item for item in outcome.checklist if item.id == "colorado:impact_assessment")
    assert legacy.regime == "Colorado AI Act (SB 24-205, repealed)"


def test_high_risk_or_fria_suggests_the_impact_assessment_and_controls() -> None:
    fria = evaluate(collect(SCENARIOS["credit_fria"]))
    assert fria.eu.fria_required and fria.impact_assessment_suggested
    assert {"A.5.4", "A.5.5"} <= set(fria.suggested_controls)
    minimal = evaluate(collect(SCENARIOS["minimal"]))
    assert not minimal.impact_assessment_suggested


def test_the_outcome_round_trips_through_json_with_the_class_key() -> None:
    outcome = evaluate(collect(SCENARIOS["credit_fria"]) | {"colorado_consumers": "no"})
    data = outcome.model_dump(mode="json")
    assert data["eu"]["class"] == "high_risk"
    again = outcome_from_json(data)
    assert again == outcome
    assert again.obligation_ids == [item.id for item in outcome.checklist]


def test_public_deployer_registration_leaves_out_critical_infrastructure() -> None:
    answers = {
        **SCENARIOS["critical_infrastructure_public"],
        "public_authority": "yes",
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
    answers = collect(SCENARIOS["annex_iii_profiling"]) | COLORADO_COVERED
    outcome = evaluate(answers)
    eu_items = [item for item in outcome.checklist if item.regime == "EU AI Act"]
    assert eu_items == outcome.eu.obligations
    stored = outcome.model_dump(mode="json")
    eu_json = stored["checklist"][0]
    assert "regime" not in eu_json and "frequency" not in eu_json, "the EU keys stay fixed"
    colorado_json = next(
        i for i in stored["checklist"] if i["id"] == "colorado:point_of_interaction_notice"
    )
    assert colorado_json["regime"] == "Colorado ADMT law" and colorado_json["frequency"]
    assert colorado_json["applies_from"] == "2027-01-01"
    assert outcome_from_json(stored) == outcome


def test_a_checklist_stored_with_the_old_item_shape_still_loads() -> None:
    """Screenings saved before the two obligation models became one carry `regime` and
    `frequency` on every item."""
    outcome = evaluate(collect(SCENARIOS["annex_iii_profiling"]) | {"colorado_consumers": "no"})
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
