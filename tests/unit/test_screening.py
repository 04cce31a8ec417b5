"""Unit tests of the EU AI Act screening: one test per branch at least (Colorado: test_colorado)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.screening import (
    ANSWER_KEYS,
    MULTI_SELECT_OPTIONS,
    YES_NO_KEYS,
    EuAiActResult,
    ScreeningInputError,
    eu_ai_act_file,
    eu_ai_act_reference,
    load_answers_file,
    load_eu_ai_act_reference,
    needs_impact_assessment,
    parse_answers,
    screen_eu_ai_act,
    suggested_controls,
)

ANNEX_A_CONTROLS = {
    "A.2.2", "A.2.3", "A.2.4", "A.3.2", "A.3.3", "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5", "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4",
    "A.6.2.5", "A.6.2.6", "A.6.2.7", "A.6.2.8", "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5", "A.9.2", "A.9.3", "A.9.4", "A.10.2", "A.10.3", "A.10.4",
}  # fmt: skip
PROVIDER_ONLY_DUTIES = {
    "risk_management_system",
    "data_governance",
    "technical_documentation",
    "record_keeping",
    "instructions_for_deployers",
    "human_oversight_design",
    "accuracy_robustness_cybersecurity",
    "quality_management_system",
    "conformity_assessment",
    "declaration_and_ce_marking",
    "provider_registration",
    "corrective_actions",
    "post_market_monitoring",
    "serious_incident_reporting",
}
HIGH_RISK_PROVIDER_ARTICLES = {
    "9",
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "17",
    "43",
    "49",
    "72",
    "73",
}


def answers(**overrides: Any) -> dict[str, Any]:
    """A fully answered, plainly minimal-risk system; each test changes what it is about."""
    base: dict[str, Any] = {
        "ai_system": "yes",
        "roles": ["provider", "deployer"],
        "exclusions": [],
        "prohibited": [],
        "annex_i_product": "no",
        "annex_iii_areas": [],
        "profiles_natural_persons": "no",
        "art6_3_conditions": [],
        "significant_risk_of_harm": "no",
        "art50": [],
        "gpai_model_provider": "no",
        "gpai_systemic_risk": "no",
        "public_authority": "no",
        "public_service_provider": "no",
        "credit_or_insurance_pricing": "no",
        "eu_territorial_link": "yes",
        "established_outside_eu": "no",
        "annex_i_section_b": "no",
        "open_source_weights": "no",
        "already_on_market": "no",
    }
    base.update(overrides)
    return base


def screen(**overrides: Any) -> EuAiActResult:
    return screen_eu_ai_act(answers(**overrides))


def obligation_ids(result: EuAiActResult) -> set[str]:
    return {obligation.id for obligation in result.obligations}


def reasons_text(result: EuAiActResult) -> str:
    return " ".join(result.reasons)


EXEMPT_EMPLOYMENT = {
    "annex_iii_areas": ["employment"],
    "art6_3_conditions": ["preparatory_task"],
    "profiles_natural_persons": "no",
    "significant_risk_of_harm": "no",
}


# --- parsing answers -----------------------------------------------------------------------------


def test_yes_no_accepts_booleans_and_words_and_normalises_them() -> None:
    parsed = parse_answers(
        {"ai_system": "Yes", "annex_i_product": False, "gpai_model_provider": " no "}
    )
    assert parsed.ai_system is True
    assert parsed.annex_i_product is False
    assert parsed.gpai_model_provider is False


def test_missing_keys_are_not_answered_and_default_to_no_or_empty() -> None:
    parsed = parse_answers({"ai_system": True, "roles": None})
    assert parsed.answered("ai_system")
    assert not parsed.answered("roles")
    assert not parsed.answered("annex_i_product")
    assert parsed.roles == ()
    assert parsed.annex_i_product is False


def test_multi_selects_are_deduplicated_in_a_stable_order() -> None:
    parsed = parse_answers({"roles": ["deployer", "provider", "deployer"], "art50": "deep_fake"})
    assert parsed.roles == ("provider", "deployer")
    assert parsed.art50 == ("deep_fake",)


def test_unknown_keys_and_values_are_refused_all_at_once_naming_each() -> None:
    with pytest.raises(ScreeningInputError) as caught:
        parse_answers(
            {
                "ai_systems": "yes",
                "roles": ["provider", "operator"],
                "annex_iii_areas": ["employment", "sports"],
                "annex_i_product": "maybe",
                "prohibited": 3,
            }
        )
    message = str(caught.value)
    for named in ("ai_systems", "operator", "sports", "maybe", "prohibited"):
        assert named in message
    assert len(caught.value.problems) == 5


def test_a_number_is_not_a_yes_or_no() -> None:
    with pytest.raises(ScreeningInputError, match="ai_system"):
        parse_answers({"ai_system": 1})


def test_answers_that_are_not_a_mapping_are_refused() -> None:
    with pytest.raises(ScreeningInputError, match="mapping"):
        parse_answers(["ai_system"])  # type: ignore[arg-type]


def test_answers_round_trip_through_the_file_format() -> None:
    parsed = parse_answers(answers(roles=["deployer"], art50=["deep_fake"]))
    assert parse_answers(parsed.to_file_dict()) == parsed
    assert parsed.to_file_dict()["ai_system"] == "yes"


def test_load_answers_file_reads_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "answers.yaml"
    yaml_file.write_text("ai_system: yes\nroles: [deployer]\nannex_iii_areas: [employment]\n")
    json_file = tmp_path / "answers.json"
    json_file.write_text(json.dumps({"ai_system": "yes", "roles": ["deployer"]}))
    json_without_extension = tmp_path / "answers"
    json_without_extension.write_text('{"ai_system": "no"}')

    assert load_answers_file(yaml_file).annex_iii_areas == ("employment",)
    assert load_answers_file(json_file).roles == ("deployer",)
    assert load_answers_file(json_without_extension).ai_system is False


def test_load_answers_file_reports_unreadable_or_bad_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"ai_system": ')
    wrong_value = tmp_path / "wrong.yaml"
    wrong_value.write_text("roles: [owner]\n")
    with pytest.raises(ScreeningInputError, match="not valid JSON"):
        load_answers_file(broken)
    with pytest.raises(ScreeningInputError, match="owner"):
        load_answers_file(wrong_value)
    with pytest.raises(ScreeningInputError, match="cannot read"):
        load_answers_file(tmp_path / "missing.yaml")


# --- scope ---------------------------------------------------------------------------------------


def test_not_an_ai_system_is_out_of_scope() -> None:
    result = screen(ai_system="no", annex_iii_areas=["employment"], prohibited=["manipulation"])
    assert result.risk_class == "out_of_scope"
    assert result.obligations == []
    assert 'you answered no to "Is it an AI system?"' in result.reasons[0]


def test_a_missing_ai_system_answer_is_recorded_in_the_reasons() -> None:
    result = screen_eu_ai_act({"roles": ["provider"]})
    assert result.risk_class == "out_of_scope"
    assert '"Is it an AI system?" was not answered' in reasons_text(result)


@pytest.mark.parametrize(
    "exclusion",
    ["military_defence_national_security", "scientific_research_only", "personal_non_professional"],
)
def test_scope_exclusions_take_the_system_out_even_with_prohibited_or_high_risk_answers(
    exclusion: str,
) -> None:
    result = screen(
        roles=["deployer"],
        exclusions=[exclusion],
        prohibited=["social_scoring"],
        annex_iii_areas=["employment"],
        art50=["interacts_with_people"],
    )
    assert result.risk_class == "out_of_scope"
    assert result.transparency_duties == []
    assert result.obligations == []
    label = load_eu_ai_act_reference().questions["exclusions"].options[exclusion].label
    assert f'exclusion "{label}"' in result.reasons[0]


def test_personal_use_exclusion_does_not_relieve_a_provider() -> None:
    result = screen(roles=["provider"], exclusions=["personal_non_professional"])
    assert result.risk_class == "minimal_risk"
    assert "exclusion for private, non-professional use is ignored" in reasons_text(result)


def test_open_source_takes_a_plain_minimal_system_out_of_scope() -> None:
    result = screen(exclusions=["free_open_source"])
    assert result.risk_class == "out_of_scope"
    assert "free and open-source licence" in reasons_text(result)


def test_open_source_takes_an_exempted_annex_iii_system_out_of_scope() -> None:
    result = screen(exclusions=["free_open_source"], **EXEMPT_EMPLOYMENT)
    assert result.risk_class == "out_of_scope"
    assert result.basis is None
    assert "document_exemption_and_register" not in obligation_ids(result)


@pytest.mark.parametrize(
    ("overrides", "expected_class"),
    [
        ({"prohibited": ["facial_scraping"]}, "prohibited"),
        ({"annex_iii_areas": ["education"]}, "high_risk"),
        ({"annex_i_product": "yes"}, "high_risk"),
        ({"art50": ["generates_synthetic_content"]}, "limited_risk"),
    ],
)
def test_open_source_does_not_exclude_prohibited_high_risk_or_art50_systems(
    overrides: dict[str, Any], expected_class: str
) -> None:
    result = screen(exclusions=["free_open_source"], **overrides)
    assert result.risk_class == expected_class
    assert result.obligations


# --- prohibited ----------------------------------------------------------------------------------


def test_a_prohibited_practice_wins_over_annex_i_annex_iii_art50_and_open_source() -> None:
    result = screen(
        exclusions=["free_open_source"],
        prohibited=["emotion_recognition_work_education"],
        annex_i_product="yes",
        annex_iii_areas=["employment"],
        profiles_natural_persons="yes",
        art50=["interacts_with_people", "deep_fake"],
        public_authority="yes",
    )
    assert result.risk_class == "prohibited"
    assert result.basis is None
    assert result.transparency_duties == []
    assert result.fria_required is False
    assert "stop_prohibited_practice" in obligation_ids(result)
    assert not obligation_ids(result) & PROVIDER_ONLY_DUTIES
    assert '"Infers emotions of people at work or in education"' in result.reasons[0]
    assert "wins over" in result.reasons[0]


def test_the_duty_to_stop_a_prohibited_practice_binds_every_role() -> None:
    result = screen(roles=["distributor"], prohibited=["manipulation"])
    stop = next(o for o in result.obligations if o.id == "stop_prohibited_practice")
    assert stop.roles == ["distributor"]
    assert stop.applies_from == date(2025, 2, 2)


# --- high risk -----------------------------------------------------------------------------------


def test_an_annex_i_product_is_high_risk_and_dated_from_the_annex_i_milestone() -> None:
    """Art. 113(c) as amended by the Digital Omnibus on AI: Annex I products from 2028-08-02."""
    result = screen(annex_i_product="yes")
    assert (result.risk_class, result.basis) == ("high_risk", "annex_i")
    risk_management = next(o for o in result.obligations if o.id == "risk_management_system")
    assert risk_management.applies_from == date(2028, 8, 2)
    assert risk_management.replaced_date == date(2027, 8, 2)
    assert risk_management.date_set_by == "Digital Omnibus on AI (2026), in force"
    assert "product under Annex I law" in result.reasons[0]


def test_annex_iii_plus_profiling_is_high_risk_and_the_exemption_is_impossible() -> None:
    result = screen(**{**EXEMPT_EMPLOYMENT, "profiles_natural_persons": "yes"})
    assert (result.risk_class, result.basis) == ("high_risk", "annex_iii")
    assert "profiles people" in result.reasons[0]
    assert "exemption cannot apply" in result.reasons[0]
    assert 'area "Employment and workers management"' in result.reasons[0]


def test_annex_iii_without_any_art6_3_condition_is_high_risk() -> None:
    result = screen(annex_iii_areas=["law_enforcement"])
    assert (result.risk_class, result.basis) == ("high_risk", "annex_iii")
    assert "none of the Art. 6(3) conditions was chosen" in result.reasons[0]
    risk_management = next(o for o in result.obligations if o.id == "risk_management_system")
    assert risk_management.applies_from == date(2027, 12, 2)
    assert risk_management.replaced_date == date(2026, 8, 2)


def test_annex_iii_with_a_condition_but_significant_risk_is_high_risk() -> None:
    result = screen(**{**EXEMPT_EMPLOYMENT, "significant_risk_of_harm": "yes"})
    assert (result.risk_class, result.basis) == ("high_risk", "annex_iii")
    assert "could pose a significant risk of harm" in result.reasons[0]
    assert 'condition "Performs a task that only prepares' in result.reasons[0]
    assert "does not exempt it" in result.reasons[0]


def test_the_exemption_needs_explicit_answers_on_profiling_and_significant_risk() -> None:
    raw = answers(**EXEMPT_EMPLOYMENT)
    del raw["significant_risk_of_harm"]
    result = screen_eu_ai_act(raw)
    assert result.risk_class == "high_risk"
    assert '"Could the system pose a significant risk of harm' in result.reasons[0]
    assert "was not answered" in result.reasons[0]


def test_the_art6_3_exemption_gives_minimal_risk_with_the_document_and_register_duty() -> None:
    result = screen(**EXEMPT_EMPLOYMENT)
    assert (result.risk_class, result.basis) == ("minimal_risk", "art6_3_exemption")
    assert "document_exemption_and_register" in obligation_ids(result)
    duty = next(o for o in result.obligations if o.id == "document_exemption_and_register")
    assert "Art. 6(4)" in duty.article and "Art. 49(2)" in duty.article
    assert 'meets the Art. 6(3) condition "Performs a task that only prepares' in result.reasons[0]
    assert needs_impact_assessment(result) is False


def test_the_art6_3_exemption_with_art50_gives_limited_risk() -> None:
    result = screen(**EXEMPT_EMPLOYMENT, art50=["interacts_with_people"])
    assert (result.risk_class, result.basis) == ("limited_risk", "art6_3_exemption")
    assert result.transparency_duties == ["interacts_with_people"]


def test_the_exemption_duty_falls_on_the_provider_not_the_deployer() -> None:
    result = screen(roles=["deployer"], **EXEMPT_EMPLOYMENT)
    assert result.basis == "art6_3_exemption"
    assert "document_exemption_and_register" not in obligation_ids(result)


def test_annex_i_wins_over_an_exempted_annex_iii_use() -> None:
    result = screen(annex_i_product="yes", **EXEMPT_EMPLOYMENT)
    assert (result.risk_class, result.basis) == ("high_risk", "annex_i")


def test_annex_i_and_annex_iii_together_take_the_earlier_annex_iii_date() -> None:
    result = screen(annex_i_product="yes", annex_iii_areas=["employment"])
    assert result.basis == "annex_i"
    risk_management = next(o for o in result.obligations if o.id == "risk_management_system")
    assert risk_management.applies_from == date(2027, 12, 2)


def test_a_high_risk_provider_gets_the_full_set_of_provider_duties() -> None:
    result = screen(roles=["provider"], annex_iii_areas=["employment"])
    articles = {
        number for o in result.obligations for number in re.findall(r"Art\. (\d+)", o.article)
    }
    assert articles >= HIGH_RISK_PROVIDER_ARTICLES
    assert "ai_literacy" in obligation_ids(result)
    assert needs_impact_assessment(result) is True


# --- transparency --------------------------------------------------------------------------------


def test_transparency_duties_stack_on_high_risk() -> None:
    result = screen(annex_iii_areas=["education"], art50=["interacts_with_people", "deep_fake"])
    assert result.risk_class == "high_risk"
    assert result.transparency_duties == ["interacts_with_people", "deep_fake"]
    assert {"inform_people_of_ai_interaction", "disclose_deep_fakes"} <= obligation_ids(result)
    assert "stack on top of high risk" in reasons_text(result)


def test_art50_alone_gives_limited_risk() -> None:
    result = screen(art50=["generates_synthetic_content"])
    assert (result.risk_class, result.basis) == ("limited_risk", None)
    assert result.transparency_duties == ["generates_synthetic_content"]
    assert 'situation "Generates synthetic audio, images, video or text"' in result.reasons[0]
    assert "mark_synthetic_content" in obligation_ids(result)


def test_nothing_triggered_gives_minimal_risk_with_ai_literacy_only() -> None:
    result = screen()
    assert (result.risk_class, result.basis) == ("minimal_risk", None)
    assert result.transparency_duties == []
    assert obligation_ids(result) == {"ai_literacy"}


def test_emotion_recognition_trigger_without_biometrics_area_is_flagged() -> None:
    result = screen(art50=["emotion_recognition_or_biometric_categorisation"])
    assert "Annex III uses (point 1)" in reasons_text(result)


# --- roles ---------------------------------------------------------------------------------------


def test_a_pure_deployer_gets_no_provider_only_duties() -> None:
    result = screen(
        roles=["deployer"],
        annex_iii_areas=["employment"],
        art50=["interacts_with_people", "deep_fake"],
    )
    ids = obligation_ids(result)
    assert not ids & PROVIDER_ONLY_DUTIES
    assert "inform_people_of_ai_interaction" not in ids
    assert {"deployer_duties", "right_to_explanation", "disclose_deep_fakes"} <= ids
    assert all(o.roles == ["deployer"] for o in result.obligations)


@pytest.mark.parametrize(
    ("role", "duty"), [("importer", "importer_duties"), ("distributor", "distributor_duties")]
)
def test_importers_and_distributors_get_their_own_duties_only(role: str, duty: str) -> None:
    result = screen(roles=[role], annex_iii_areas=["employment"])
    assert obligation_ids(result) == {duty}


def test_a_product_manufacturer_carries_provider_duties_for_annex_i_products() -> None:
    result = screen(roles=["product_manufacturer"], annex_i_product="yes")
    assert PROVIDER_ONLY_DUTIES - {"provider_registration"} <= obligation_ids(result)
    assert all(o.roles == ["product_manufacturer"] for o in result.obligations)


def test_a_product_manufacturer_does_not_carry_provider_duties_for_annex_iii() -> None:
    result = screen(roles=["product_manufacturer"], annex_iii_areas=["employment"])
    assert not obligation_ids(result) & PROVIDER_ONLY_DUTIES
    assert "only for Annex I products" in reasons_text(result)


def test_without_roles_only_role_independent_duties_are_listed() -> None:
    result = screen(roles=[], annex_iii_areas=["employment"])
    assert result.obligations == []
    assert "no role was chosen" in reasons_text(result)


# --- FRIA ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "required"),
    [
        ({"public_authority": "yes"}, True),
        ({"credit_or_insurance_pricing": "yes"}, True),
        ({}, False),
        ({"public_authority": "yes", "roles": ["provider"]}, False),
    ],
)
def test_fria_for_high_risk_annex_iii_with_public_body_or_credit_insurance_pricing(
    overrides: dict[str, Any], required: bool
) -> None:
    result = screen(annex_iii_areas=["essential_services"], **overrides)
    assert result.risk_class == "high_risk"
    assert result.fria_required is required
    assert ("fundamental_rights_impact_assessment" in obligation_ids(result)) is required
    assert "fundamental rights impact assessment" in reasons_text(result).lower()


@pytest.mark.parametrize(
    "overrides",
    [
        {"art50": ["interacts_with_people"]},
        {},
        {**EXEMPT_EMPLOYMENT},
        {"annex_i_product": "yes"},
        {"annex_iii_areas": ["critical_infrastructure"]},
    ],
    ids=["limited", "minimal", "exempted", "annex_i_only", "critical_infrastructure_only"],
)
def test_no_fria_outside_annex_iii_high_risk(overrides: dict[str, Any]) -> None:
    result = screen(public_authority="yes", **overrides)
    assert result.fria_required is False
    assert needs_impact_assessment(result) is (result.risk_class == "high_risk")


def test_credit_or_insurance_pricing_counts_as_the_essential_services_area() -> None:
    result = screen(roles=["deployer"], credit_or_insurance_pricing="yes")
    assert (result.risk_class, result.basis, result.fria_required) == (
        "high_risk",
        "annex_iii",
        True,
    )
    assert '"Access to essential private and public services"' in result.reasons[0]


def test_public_deployers_register_their_use() -> None:
    result = screen(roles=["deployer"], annex_iii_areas=["education"], public_authority="yes")
    assert "deployer_registration" in obligation_ids(result)


# --- GPAI ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "systemic", "level", "duties"),
    [
        ("no", "no", "none", set()),
        ("no", "yes", "none", set()),
        (
            "yes",
            "no",
            "gpai",
            {"gpai_technical_documentation", "gpai_copyright_and_training_summary"},
        ),
        (
            "yes",
            "yes",
            "gpai_systemic",
            {"gpai_systemic_notification", "gpai_systemic_risk_duties"},
        ),
    ],
)
def test_gpai_flags(provider: str, systemic: str, level: str, duties: set[str]) -> None:
    result = screen(roles=["deployer"], gpai_model_provider=provider, gpai_systemic_risk=systemic)
    assert result.gpai == level
    gpai_ids = {o.id for o in result.obligations if o.id.startswith("gpai")}
    assert duties <= gpai_ids
    if level == "none":
        assert gpai_ids == set()
    else:
        assert "you provide" in reasons_text(result)
        assert all(o.applies_from == date(2025, 8, 2) for o in result.obligations if o.id in duties)


def test_gpai_model_duties_hold_even_when_the_system_is_out_of_scope() -> None:
    result = screen(exclusions=["free_open_source"], gpai_model_provider="yes")
    assert (result.risk_class, result.gpai) == ("out_of_scope", "gpai")
    assert "gpai_technical_documentation" in obligation_ids(result)


def test_research_only_exclusion_also_covers_the_model() -> None:
    result = screen(exclusions=["scientific_research_only"], gpai_model_provider="yes")
    assert (result.risk_class, result.gpai) == ("out_of_scope", "none")


# --- reasons -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "decisive"),
    [
        ({"ai_system": "no"}, "Is it an AI system?"),
        ({"exclusions": ["military_defence_national_security"]}, "military, defence"),
        ({"exclusions": ["free_open_source"]}, "free and open-source licence"),
        ({"prohibited": ["crime_prediction_profiling"]}, "Predicts that a person will commit"),
        ({"annex_i_product": "yes"}, "Annex I law"),
        (
            {"annex_iii_areas": ["migration_border"], "profiles_natural_persons": "yes"},
            "the system profiles people",
        ),
        (EXEMPT_EMPLOYMENT, "only prepares an assessment"),
        ({"art50": ["public_interest_text"]}, "Generates or manipulates text published"),
        ({}, "no transparency situation"),
    ],
)
def test_every_reason_list_is_non_empty_and_names_the_decisive_answer(
    overrides: dict[str, Any], decisive: str
) -> None:
    result = screen(**overrides)
    assert result.reasons
    assert all(reason.strip() for reason in result.reasons)
    assert decisive in reasons_text(result)


def test_unanswered_questions_on_the_way_are_listed() -> None:
    result = screen_eu_ai_act({"ai_system": "yes", "roles": ["provider"]})
    assert result.risk_class == "minimal_risk"
    unanswered = next(r for r in result.reasons if r.startswith("Not answered"))
    questions = load_eu_ai_act_reference().questions
    for key in ("prohibited", "annex_i_product", "annex_iii_areas", "art50"):
        assert f'"{questions[key].label}"' in unanswered
    assert unanswered.endswith("Answer them to confirm this result.")


@pytest.mark.parametrize(
    "overrides",
    [
        {"ai_system": "no"},
        {"exclusions": ["personal_non_professional"], "roles": ["provider"]},
        {"exclusions": ["free_open_source"], "art50": ["deep_fake"]},
        {"prohibited": ["social_scoring"], "annex_i_product": "yes", "art50": ["deep_fake"]},
        {"annex_iii_areas": ["employment", "education"], "profiles_natural_persons": "yes"},
        {**EXEMPT_EMPLOYMENT, "significant_risk_of_harm": "yes"},
        {**EXEMPT_EMPLOYMENT, "annex_i_product": "yes"},
        {"credit_or_insurance_pricing": "yes", "roles": ["provider"]},
        {"annex_iii_areas": ["education"], "public_body_or_public_service": "yes"},
        {"art50": ["emotion_recognition_or_biometric_categorisation"], "roles": []},
        {"gpai_model_provider": "yes", "gpai_systemic_risk": "yes"},
        {"gpai_model_provider": "no", "gpai_systemic_risk": "yes"},
        {"roles": ["product_manufacturer"], "annex_iii_areas": ["employment"]},
    ],
)
def test_reasons_are_plain_words_without_answer_keys(overrides: dict[str, Any]) -> None:
    """People read the reasons: questions and options by their labels, proper plurals."""
    for reason in screen(**overrides).reasons:
        assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", reason), reason
        assert "(s)" not in reason and "'yes'" not in reason, reason


def test_one_obligation_is_counted_in_the_singular() -> None:
    result = screen(roles=["deployer"])
    assert obligation_ids(result) == {"ai_literacy"}
    assert "1 obligation follows for your role (deployer)" in reasons_text(result)


# --- result shape --------------------------------------------------------------------------------


def test_the_result_serialises_with_exactly_the_fixed_keys() -> None:
    result = screen(annex_iii_areas=["employment"], art50=["deep_fake"])
    dumped = result.model_dump(by_alias=True)
    assert set(dumped) == {
        "class",
        "basis",
        "transparency_duties",
        "gpai",
        "fria_required",
        "obligations",
        "reasons",
    }
    assert set(dumped["obligations"][0]) == {
        "id",
        "article",
        "title",
        "summary",
        "applies_from",
        "roles",
        "source",
        "last_checked",
        "date_set_by",
    }
    moved = next(item for item in dumped["obligations"] if item["id"] == "deployer_duties")
    assert {"date_set_by", "replaced_date"} <= set(moved)
    assert "condition" not in moved
    as_json = json.loads(result.model_dump_json())
    assert as_json["class"] == "high_risk"
    assert date.fromisoformat(as_json["obligations"][0]["applies_from"])
    assert EuAiActResult.model_validate(as_json) == result


# --- dates and obligations as data ---------------------------------------------------------------

EVERY_DUTY_SCENARIOS = [
    answers(prohibited=["manipulation"]),
    answers(
        roles=["provider", "deployer", "importer", "distributor", "authorised_representative"],
        annex_iii_areas=["essential_services"],
        art50=list(MULTI_SELECT_OPTIONS["art50"]),
        public_authority="yes",
        established_outside_eu="yes",
        gpai_model_provider="yes",
        gpai_systemic_risk="yes",
    ),
    answers(**EXEMPT_EMPLOYMENT),
]


def test_every_obligation_has_an_article_a_resolvable_date_a_source_and_last_checked() -> None:
    reference = eu_ai_act_reference()
    milestone_dates = {milestone["date"] for milestone in reference["milestones"].values()}
    seen: set[str] = set()
    for scenario in EVERY_DUTY_SCENARIOS:
        for obligation in screen_eu_ai_act(scenario).obligations:
            seen.add(obligation.id)
            assert obligation.article.startswith("Art. ")
            assert obligation.applies_from in milestone_dates
            assert obligation.source.startswith("Regulation (EU) 2024/1689")
            assert obligation.last_checked == date(2026, 12, 7)
            assert obligation.date_set_by
            assert obligation.title and obligation.summary and obligation.roles
    assert seen == {spec["id"] for spec in reference["obligations"]}


def test_the_milestones_carry_the_amended_dates_their_act_and_the_original_dates() -> None:
    """Art. 113 as amended by the Digital Omnibus on AI (2026); the 2024 dates kept as history."""
    milestones = eu_ai_act_reference()["milestones"]
    expected = {
        "entry_into_force": (date(2024, 8, 1), "regulation_2024_1689", None),
        "prohibitions_and_ai_literacy": (date(2025, 2, 2), "regulation_2024_1689", None),
        "gpai": (date(2025, 8, 2), "regulation_2024_1689", None),
        "general_application": (date(2026, 8, 2), "regulation_2024_1689", None),
        "intimate_imagery_prohibition": (date(2026, 12, 2), "digital_omnibus_on_ai", None),
        "annex_iii_high_risk": (date(2027, 12, 2), "digital_omnibus_on_ai", date(2026, 8, 2)),
        "annex_i_high_risk": (date(2028, 8, 2), "digital_omnibus_on_ai", date(2027, 8, 2)),
        "legacy_public_authority_systems": (date(2030, 8, 2), "regulation_2024_1689", None),
    }
    for key, (day, act, original) in expected.items():
        assert milestones[key]["date"] == day
        assert milestones[key]["set_by"] == act
        assert milestones[key]["source"].startswith("Regulation (EU) 2024/1689, Art. ")
        assert milestones[key]["last_checked"] == date(2026, 12, 7)
        history = [earlier["date"] for earlier in milestones[key]["history"]]
        assert history == ([original] if original else [])


def test_changing_a_milestone_date_moves_every_obligation_that_uses_it(tmp_path: Path) -> None:
    data = yaml.safe_load(eu_ai_act_file().read_text(encoding="utf-8"))
    data["milestones"]["annex_iii_high_risk"]["date"] = date(2027, 12, 2)
    moved_file = tmp_path / "eu_ai_act.yaml"
    moved_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    moved = load_eu_ai_act_reference(moved_file)

    result = screen_eu_ai_act(answers(annex_iii_areas=["employment"]), reference=moved)
    by_id = {o.id: o.applies_from for o in result.obligations}
    uses_it = {s.id for s in moved.obligations if s.milestone == "annex_iii_high_risk"}
    assert uses_it & set(by_id)
    assert all(by_id[key] == date(2027, 12, 2) for key in uses_it & set(by_id))
    assert by_id["ai_literacy"] == date(2025, 2, 2)


def test_a_data_file_naming_an_unknown_milestone_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(eu_ai_act_file().read_text(encoding="utf-8"))
    data["obligations"][0]["milestone"] = "someday"
    bad_file = tmp_path / "eu_ai_act.yaml"
    bad_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError, match="someday"):
        load_eu_ai_act_reference(bad_file)


def test_the_reference_labels_every_key_and_option_and_gives_examples() -> None:
    reference = eu_ai_act_reference()
    questions = reference["questions"]
    assert set(questions) == set(ANSWER_KEYS)
    for key in ANSWER_KEYS:
        assert questions[key]["label"]
        expected_kind = "yes_no" if key in YES_NO_KEYS else "multi"
        assert questions[key]["kind"] == expected_kind
    for key, options in MULTI_SELECT_OPTIONS.items():
        assert set(questions[key]["options"]) == set(options)
        assert all(questions[key]["options"][option]["label"] for option in options)
    for key in ("annex_iii_areas", "prohibited", "art50"):
        for option in questions[key]["options"].values():
            assert 1 <= len(option["examples"]) <= 2
            assert option["article"]
    for risk_class in ("out_of_scope", "prohibited", "high_risk", "limited_risk", "minimal_risk"):
        assert reference["classes"][risk_class]["explanation"]


# --- controls ------------------------------------------------------------------------------------


def test_suggested_controls_serve_the_duties_of_the_result() -> None:
    high_risk = screen(annex_iii_areas=["employment"])
    expected = {
        "A.5.2",
        "A.5.3",
        "A.5.4",
        "A.6.2.4",
        "A.6.2.6",
        "A.6.2.8",
        "A.7.4",
        "A.8.2",
        "A.9.2",
    }
    assert expected <= set(suggested_controls(high_risk))
    with_fria = screen(annex_iii_areas=["employment"], public_authority="yes")
    assert {"A.5.4", "A.5.5"} <= set(suggested_controls(with_fria))
    limited = screen(art50=["deep_fake"])
    assert {"A.8.2", "A.8.5"} <= set(suggested_controls(limited))
    assert suggested_controls(screen(ai_system="no")) == []


def test_every_suggested_control_is_an_annex_a_control_in_order() -> None:
    for scenario in EVERY_DUTY_SCENARIOS:
        controls = suggested_controls(screen_eu_ai_act(scenario))
        assert set(controls) <= ANNEX_A_CONTROLS
        assert len(controls) == len(set(controls))
    suggestions = eu_ai_act_reference()["control_suggestions"]
    assert {c for group in suggestions.values() for c in group} <= ANNEX_A_CONTROLS


# --- properties over any valid answers -----------------------------------------------------------

yes_no = st.sampled_from(["yes", "no", True, False])
any_answers = st.fixed_dictionaries(
    {},
    optional={
        **{key: yes_no for key in YES_NO_KEYS},
        **{
            key: st.lists(st.sampled_from(options)) for key, options in MULTI_SELECT_OPTIONS.items()
        },
    },
)


@settings(max_examples=300, deadline=None)
@given(any_answers)
def test_any_valid_answers_give_a_coherent_result(raw: dict[str, Any]) -> None:
    parsed = parse_answers(raw)
    result = screen_eu_ai_act(parsed)
    assert result.reasons
    if result.risk_class in ("out_of_scope", "prohibited"):
        assert result.transparency_duties == []
        assert result.basis is None
    if result.risk_class == "limited_risk":
        assert result.transparency_duties
    if result.risk_class == "high_risk":
        assert result.basis in ("annex_i", "annex_iii", "annex_i_section_b")
    if result.basis == "annex_i_section_b":
        # Art. 2(2): none of the Act's own duties, only the model provider's.
        assert result.transparency_duties == [] and not result.fria_required
        assert all(item.id.startswith("gpai") for item in result.obligations)
    if result.fria_required:
        assert result.risk_class == "high_risk" and "deployer" in parsed.roles
    if result.basis == "art6_3_exemption":
        assert not parsed.profiles_natural_persons and not parsed.significant_risk_of_harm
    for obligation in result.obligations:
        if not obligation.id.startswith(("gpai", "stop_prohibited")):
            assert set(obligation.roles) <= set(parsed.roles)


def test_screening_does_not_import_streamlit() -> None:
    source = Path(__file__).resolve().parents[2].joinpath("assessments", "screening.py").read_text()
    assert "streamlit" not in source
