"""The EU AI Act as amended by the Digital Omnibus on AI (2026): one test per rule, with the
article it implements in its name or docstring."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from assessments.screening import EuAiActResult, load_eu_ai_act_reference, screen_eu_ai_act

ANNEX_III = date(2027, 12, 2)
ANNEX_I = date(2028, 8, 2)
# The articles of the high-risk regime whose duties are dated from the system's route.
HIGH_RISK_ARTICLES = {*range(8, 28), 43, 47, 48, 49, 72, 73, 86}


def answers(**overrides: Any) -> dict[str, Any]:
    """A fully answered minimal-risk system of a provider and deployer in the EU."""
    yes_no = {key: "no" for key in load_eu_ai_act_reference().questions}
    return {
        **yes_no,
        "ai_system": "yes",
        "eu_territorial_link": "yes",
        "roles": ["provider", "deployer"],
        "exclusions": [],
        "prohibited": [],
        "annex_iii_areas": [],
        "art6_3_conditions": [],
        "art50": [],
        **overrides,
    }


def screen(**overrides: Any) -> EuAiActResult:
    return screen_eu_ai_act(answers(**overrides))


def obligation_ids(result: EuAiActResult) -> set[str]:
    return {item.id for item in result.obligations}


def reasons_text(result: EuAiActResult) -> str:
    return " ".join(result.reasons)


def by_id(result: EuAiActResult) -> dict[str, Any]:
    return {item.id: item for item in result.obligations}


def articles_of(article: str) -> set[int]:
    return {int(number) for number in re.findall(r"Art\. (\d+)", article)}


# --- Art. 5: the new prohibited practice ---------------------------------------------------------


def test_intimate_imagery_generation_is_prohibited_from_2_december_2026() -> None:
    """Art. 5 as amended: non-consensual intimate imagery and child sexual abuse material."""
    result = screen(prohibited=["non_consensual_intimate_imagery"])
    assert result.risk_class == "prohibited"
    stop = by_id(result)["stop_prohibited_practice"]
    assert stop.applies_from == date(2026, 12, 2)
    assert stop.date_set_by == "Digital Omnibus on AI (2026), in force"
    assert "applies from 2026-12-02" in reasons_text(result)


def test_with_an_older_ban_too_the_duty_to_stop_runs_from_the_earlier_date() -> None:
    result = screen(prohibited=["manipulation", "non_consensual_intimate_imagery"])
    assert by_id(result)["stop_prohibited_practice"].applies_from == date(2025, 2, 2)


def test_the_new_practice_is_an_answer_of_the_prohibited_question() -> None:
    options = load_eu_ai_act_reference().questions["prohibited"].options
    assert options["non_consensual_intimate_imagery"].milestone == "intimate_imagery_prohibition"


# --- dates of the high-risk duties ---------------------------------------------------------------


def test_every_high_risk_duty_carries_the_annex_iii_date_for_an_annex_iii_system() -> None:
    """Art. 8-27, 43, 47-49, 72, 73 and 86 from 2027-12-02 (Art. 113 as amended)."""
    result = screen(
        roles=["provider", "deployer", "importer", "distributor", "authorised_representative"],
        annex_iii_areas=["employment"],
        public_authority="yes",
        established_outside_eu="yes",
    )
    high_risk = [
        item for item in result.obligations if articles_of(item.article) & HIGH_RISK_ARTICLES
    ]
    assert len(high_risk) >= 20
    assert {item.applies_from for item in high_risk} == {ANNEX_III}
    assert {item.replaced_date for item in high_risk} == {date(2026, 8, 2)}


def test_every_high_risk_duty_carries_the_annex_i_date_for_an_annex_i_product() -> None:
    """Art. 6(1) systems from 2028-08-02 (Art. 113(c) as amended)."""
    result = screen(
        roles=["provider", "deployer", "importer", "distributor"], annex_i_product="yes"
    )
    high_risk = [
        item for item in result.obligations if articles_of(item.article) & HIGH_RISK_ARTICLES
    ]
    assert len(high_risk) >= 15
    assert {item.applies_from for item in high_risk} == {ANNEX_I}
    assert by_id(result)["ai_literacy"].applies_from == date(2025, 2, 2)


def test_the_reasons_say_which_act_moved_the_high_risk_date() -> None:
    text = reasons_text(screen(annex_iii_areas=["education"]))
    assert "apply from 2027-12-02, the date set by the Digital Omnibus on AI (2026)" in text
    assert "it was 2026-08-02 before the amendment" in text


# --- Art. 26(8), Art. 49(3), Art. 27: public authorities and public services --------------------


def test_registration_of_use_is_only_for_public_authorities() -> None:
    """Art. 26(8) and Art. 49(3): public authorities, EU bodies and those acting for them."""
    authority = screen(roles=["deployer"], annex_iii_areas=["education"], public_authority="yes")
    assert {"deployer_registration", "fundamental_rights_impact_assessment"} <= obligation_ids(
        authority
    )
    private = screen(
        roles=["deployer"], annex_iii_areas=["education"], public_service_provider="yes"
    )
    assert private.fria_required is True
    assert "deployer_registration" not in obligation_ids(private)


def test_the_old_combined_key_is_still_read_and_asks_for_the_split_answer() -> None:
    raw = answers(roles=["deployer"], annex_iii_areas=["education"])
    del raw["public_authority"], raw["public_service_provider"]
    said_yes = screen_eu_ai_act({**raw, "public_body_or_public_service": "yes"})
    assert said_yes.fria_required is True
    assert "deployer_registration" not in obligation_ids(said_yes)
    assert '"Is the system used by a public authority' in reasons_text(said_yes)
    said_no = screen_eu_ai_act({**raw, "public_body_or_public_service": "no"})
    assert said_no.fria_required is False


def test_critical_infrastructure_alone_neither_registers_use_nor_owes_an_explanation() -> None:
    """Art. 49(3) and Art. 86(1) leave out Annex III point 2."""
    critical = screen(
        roles=["deployer"], annex_iii_areas=["critical_infrastructure"], public_authority="yes"
    )
    assert critical.risk_class == "high_risk"
    assert not {"right_to_explanation", "deployer_registration"} & obligation_ids(critical)
    mixed = screen(roles=["deployer"], annex_iii_areas=["critical_infrastructure", "employment"])
    assert "right_to_explanation" in obligation_ids(mixed)


# --- Art. 53(2), Art. 54: open-source models and third-country providers ------------------------


def test_an_open_source_model_without_systemic_risk_keeps_only_copyright_and_summary() -> None:
    """Art. 53(2) and Art. 54(6)."""
    result = screen(
        gpai_model_provider="yes", open_source_weights="yes", established_outside_eu="yes"
    )
    gpai = {item for item in obligation_ids(result) if item.startswith("gpai")}
    assert gpai == {"gpai_copyright_and_training_summary"}
    assert "spared the technical documentation" in reasons_text(result)


def test_open_source_does_not_lighten_a_model_with_systemic_risk() -> None:
    result = screen(
        gpai_model_provider="yes",
        gpai_systemic_risk="yes",
        open_source_weights="yes",
        established_outside_eu="yes",
    )
    assert {
        "gpai_technical_documentation",
        "gpai_copyright_and_training_summary",
        "gpai_authorised_representative",
        "gpai_systemic_risk_duties",
    } <= obligation_ids(result)


def test_only_a_model_provider_outside_the_eu_appoints_a_representative() -> None:
    """Art. 54(1)."""
    inside = screen(gpai_model_provider="yes")
    outside = screen(gpai_model_provider="yes", established_outside_eu="yes")
    assert "gpai_authorised_representative" not in obligation_ids(inside)
    assert "gpai_authorised_representative" in obligation_ids(outside)


# --- Art. 22: authorised representatives ---------------------------------------------------------


def test_a_high_risk_provider_outside_the_eu_appoints_a_representative() -> None:
    """Art. 22(1)."""
    result = screen(roles=["provider"], annex_iii_areas=["education"], established_outside_eu="yes")
    assert by_id(result)["appoint_authorised_representative"].applies_from == ANNEX_III
    inside = screen(roles=["provider"], annex_iii_areas=["education"])
    assert "appoint_authorised_representative" not in obligation_ids(inside)


def test_the_authorised_representative_role_carries_its_own_tasks() -> None:
    """Art. 22(3)."""
    result = screen(roles=["authorised_representative"], annex_iii_areas=["education"])
    assert obligation_ids(result) == {"authorised_representative_tasks"}
    assert by_id(result)["authorised_representative_tasks"].roles == ["authorised_representative"]


# --- Art. 2: scope -------------------------------------------------------------------------------


def test_a_system_that_does_not_reach_the_eu_is_out_of_scope() -> None:
    """Art. 2(1)."""
    result = screen(eu_territorial_link="no", annex_iii_areas=["employment"])
    assert (result.risk_class, result.obligations) == ("out_of_scope", [])
    assert "(Art. 2(1))" in result.reasons[0]


def test_an_older_answer_file_without_the_territorial_question_assumes_the_eu() -> None:
    raw = answers(annex_iii_areas=["employment"])
    del raw["eu_territorial_link"]
    result = screen_eu_ai_act(raw)
    assert result.risk_class == "high_risk"
    assert "assumes the system reaches the EU" in result.reasons[0]


def test_an_annex_i_section_b_product_is_high_risk_with_none_of_the_acts_duties() -> None:
    """Art. 2(2): only Art. 6(1), 102-109 and 112 apply to Section B products."""
    result = screen(annex_i_product="yes", annex_i_section_b="yes", art50=["interacts_with_people"])
    assert (result.risk_class, result.basis) == ("high_risk", "annex_i_section_b")
    assert result.obligations == []
    assert result.transparency_duties == []
    assert "Art. 102-109" in reasons_text(result)


def test_a_section_b_product_provider_still_carries_its_model_duties() -> None:
    result = screen(annex_i_product="yes", annex_i_section_b="yes", gpai_model_provider="yes")
    assert "gpai_copyright_and_training_summary" in obligation_ids(result)


# --- Art. 111(2): systems already on the market --------------------------------------------------


def test_a_high_risk_system_already_on_the_market_binds_only_after_a_significant_change() -> None:
    """Art. 111(2), first sentence."""
    result = screen(roles=["deployer"], annex_iii_areas=["employment"], already_on_market="yes")
    duties = by_id(result)
    assert duties["deployer_duties"].applies_from == ANNEX_III
    assert "design changes significantly" in (duties["deployer_duties"].condition or "")
    assert duties["ai_literacy"].condition is None


def test_public_authorities_bring_systems_already_in_use_into_line_by_2030() -> None:
    """Art. 111(2), second sentence."""
    result = screen(
        roles=["deployer"],
        annex_iii_areas=["employment"],
        already_on_market="yes",
        public_authority="yes",
    )
    assert by_id(result)["deployer_duties"].applies_from == date(2030, 8, 2)
    assert "by 2030-08-02 at the latest" in reasons_text(result)


# --- wording of the prohibited practices ---------------------------------------------------------


def test_the_prohibited_practices_say_what_the_articles_say() -> None:
    """Art. 5(1)(c), (f) and (g), and Recital 18."""
    options = load_eu_ai_act_reference().questions["prohibited"].options
    assert "unjustified or disproportionate" in options["social_scoring"].label
    sensitive = options["biometric_categorisation_sensitive"].label
    assert "philosophical beliefs" in sensitive and "sexual orientation" in sensitive
    note = options["emotion_recognition_work_education"].note or ""
    assert "panic" in note
    assert "Fatigue and pain are physical states, not emotions" in note


def test_a_model_providers_representative_carries_the_art_54_tasks() -> None:
    """Art. 54(3)-(5): tasks of the authorised representative of a model provider."""
    result = screen(roles=["authorised_representative"], gpai_model_provider="yes")
    duties = by_id(result)
    assert duties["gpai_authorised_representative_tasks"].roles == ["authorised_representative"]
    assert duties["gpai_technical_documentation"].roles == ["provider"]
    assert "EU authorised representative of the model's provider" in reasons_text(result)
    open_source = screen(
        roles=["authorised_representative"], gpai_model_provider="yes", open_source_weights="yes"
    )
    assert "gpai_authorised_representative_tasks" not in obligation_ids(open_source)


def test_the_art_111_relief_is_only_for_high_risk_duties() -> None:
    """Art. 111(2) concerns high-risk systems: an Art. 6(3)-exempt system keeps its dates."""
    exempt = screen(
        roles=["provider"],
        annex_iii_areas=["migration_border"],
        art6_3_conditions=["preparatory_task"],
        already_on_market="yes",
    )
    assert exempt.basis == "art6_3_exemption"
    assert by_id(exempt)["document_exemption_and_register"].condition is None
