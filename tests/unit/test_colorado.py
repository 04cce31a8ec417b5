"""Colorado SB 26-189 (C.R.S. 6-1-1701 et seq.): one test per rule, each naming its section.

Covered = consumers in Colorado AND a consequential-decision area AND material influence; the
obligations follow the roles; SB 24-205 is history only (repealed, never in force).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessments.colorado import (
    COLORADO_AREAS,
    LEGACY_REGIME,
    REGIME,
    ColoradoResult,
    colorado_file,
    colorado_key_dates,
    colorado_reference,
    coverage_label,
    history_note,
    load_colorado_answers_file,
    load_colorado_reference,
    parse_colorado_answers,
    screen_colorado,
    upgrade_keys,
    without_retired_areas,
)
from assessments.screening import Regime, ScreeningInputError

COVERED: dict[str, Any] = {
    "colorado_consumers": "yes",
    "consequential_decision_areas": ["housing", "employment"],
    "roles": ["deployer"],
    "materially_influences": "yes",
}
DEVELOPER_DUTIES = ["developer_documentation", "developer_update_notices", "developer_records"]
DEPLOYER_DUTIES = [
    "point_of_interaction_notice",
    "adverse_outcome_explanation",
    "consumer_data_and_correction",
    "meaningful_human_review",
    "deployer_records",
]


def ids(result: ColoradoResult) -> list[str]:
    return [item.id for item in result.obligations]


def text(result: ColoradoResult) -> str:
    return " ".join(result.reasons)


# --- coverage: C.R.S. 6-1-1701 (definitions) -----------------------------------------------------


def test_6_1_1701_covered_when_consumers_area_and_material_influence_all_hold() -> None:
    result = screen_colorado(COVERED)
    assert (result.covered, result.basis) == (True, "covered_admt")
    assert result.areas == ["employment", "housing"], "areas come in the law's order"
    assert result.roles == ["deployer"]
    assert '"Employment (hiring, pay, promotion or an employment opportunity)" and "Housing"' in (
        text(result)
    )
    assert "Covered by the Colorado ADMT law (SB 26-189, C.R.S. 6-1-1701 et seq.)" in text(result)
    assert "2027-01-01" in text(result)
    assert result.law == "SB 26-189" and not result.legacy
    assert result.data_version == load_colorado_reference().version == 2


def test_6_1_1701_not_covered_without_consumers_in_colorado() -> None:
    result = screen_colorado({**COVERED, "colorado_consumers": "no"})
    assert (result.covered, result.basis) == (False, "no_colorado_consumers")
    assert result.obligations == []
    assert "not used for decisions about consumers in Colorado" in result.reasons[0]


def test_6_1_1701_consumers_not_answered_counts_as_no_and_says_so() -> None:
    answers = {key: value for key, value in COVERED.items() if key != "colorado_consumers"}
    result = screen_colorado(answers)
    assert (result.covered, result.basis) == (False, "no_colorado_consumers")
    assert "was not answered, so it counts as no" in result.reasons[0]


def test_6_1_1701_consequential_decision_not_covered_without_an_area() -> None:
    result = screen_colorado({**COVERED, "consequential_decision_areas": []})
    assert (result.covered, result.basis) == (False, "no_consequential_decision")
    assert result.obligations == []
    assert "you chose no area of consequential decisions" in text(result)
    assert "C.R.S. 6-1-1701" in text(result)


@pytest.mark.parametrize("area", COLORADO_AREAS)
def test_6_1_1701_each_of_the_seven_areas_is_a_consequential_decision(area: str) -> None:
    result = screen_colorado({**COVERED, "consequential_decision_areas": [area]})
    assert result.covered and result.areas == [area]
    label = load_colorado_reference().areas[area].label  # type: ignore[index]
    assert f'area "{label}"' in text(result)


def test_6_1_1701_the_areas_are_the_seven_of_sb_26_189_without_legal_services() -> None:
    reference = load_colorado_reference()
    assert len(COLORADO_AREAS) == 7 and set(reference.areas) == set(COLORADO_AREAS)
    assert "legal_services" not in reference.areas
    assert "legal_services" in reference.retired_areas


def test_6_1_1701_legal_services_is_an_old_answer_that_maps_to_nothing_with_a_reason() -> None:
    only_legal = screen_colorado({**COVERED, "consequential_decision_areas": ["legal_services"]})
    assert (only_legal.covered, only_legal.basis) == (False, "no_consequential_decision")
    assert only_legal.areas == []
    assert 'The area "A legal service" was left out' in text(only_legal)
    assert "SB 24-205" in text(only_legal)
    with_housing = screen_colorado(
        {**COVERED, "consequential_decision_areas": ["legal_services", "housing"]}
    )
    assert with_housing.covered and with_housing.areas == ["housing"]


def test_6_1_1701_materially_influence_no_means_not_covered() -> None:
    result = screen_colorado(
        {**COVERED, "consequential_decision_areas": ["health_care"], "materially_influences": "no"}
    )
    assert (result.covered, result.basis) == (False, "no_material_influence")
    assert result.obligations == []
    assert 'area "Health-care services"' in text(result)
    assert "does not materially influence those decisions" in text(result)


def test_6_1_1701_materially_influence_defaults_to_yes_when_areas_are_given() -> None:
    answers = {key: value for key, value in COVERED.items() if key != "materially_influences"}
    result = screen_colorado(answers)
    assert result.covered
    assert "not answered; it is taken as yes, the cautious reading" in text(result)


def test_6_1_1701_no_material_influence_default_without_areas() -> None:
    result = screen_colorado({"colorado_consumers": "yes", "roles": ["deployer"]})
    assert (result.covered, result.basis) == (False, "no_consequential_decision")
    assert "taken as yes" not in text(result)


# --- roles and obligations: C.R.S. 6-1-1702 to 6-1-1705 ------------------------------------------


def test_6_1_1703_to_1705_deployer_carries_the_deployer_duties_only() -> None:
    result = screen_colorado(COVERED)
    assert ids(result) == DEPLOYER_DUTIES
    assert all(item.roles == ["deployer"] for item in result.obligations)
    assert "As deployer you carry 5 duties (C.R.S. 6-1-1703 to 6-1-1705)" in text(result)
    frequencies = {item.id: item.frequency for item in result.obligations}
    assert "30 days" in frequencies["adverse_outcome_explanation"]
    assert "three years" in frequencies["deployer_records"]


def test_6_1_1702_developer_carries_the_developer_duties_only() -> None:
    result = screen_colorado({**COVERED, "roles": ["developer"]})
    assert ids(result) == DEVELOPER_DUTIES
    assert "As developer you carry 3 duties (C.R.S. 6-1-1702)" in text(result)


def test_6_1_1702_eu_provider_and_product_manufacturer_count_as_developer() -> None:
    for role in ("provider", "product_manufacturer"):
        result = screen_colorado({**COVERED, "roles": [role]})
        assert result.roles == ["developer"] and ids(result) == DEVELOPER_DUTIES
        assert f'EU AI Act role "{role.replace("_", " ")}" counts as "developer"' in text(result)


def test_6_1_1702_and_1704_both_roles_carry_both_sets_once_each() -> None:
    result = screen_colorado({**COVERED, "roles": ["deployer", "provider", "developer"]})
    assert result.roles == ["developer", "deployer"]
    assert ids(result) == DEVELOPER_DUTIES + DEPLOYER_DUTIES


def test_roles_without_a_colorado_counterpart_add_no_duties_and_are_explained() -> None:
    result = screen_colorado({**COVERED, "roles": ["importer", "distributor"]})
    assert result.covered and result.obligations == [] and result.roles == []
    assert "importer has no counterpart in the Colorado law" in text(result)
    assert "No developer or deployer role was given" in text(result)


def test_obligations_carry_section_date_2027_01_01_roles_source_and_last_checked() -> None:
    result = screen_colorado({**COVERED, "roles": ["developer", "deployer"]})
    for item in result.obligations:
        assert item.section.startswith("C.R.S. 6-1-17"), item.id
        assert item.applies_from == date(2027, 1, 1)
        assert item.roles and item.source and item.summary and item.frequency
        assert item.last_checked == date(2026, 12, 7)
    sections = {item.id: item.section for item in result.obligations}
    assert sections["developer_documentation"] == "C.R.S. 6-1-1702(1)"
    assert sections["point_of_interaction_notice"].startswith("C.R.S. 6-1-1704(1)")
    assert sections["meaningful_human_review"].startswith("C.R.S. 6-1-1705(1)")


def test_no_obligations_when_not_covered_whatever_the_roles() -> None:
    result = screen_colorado(
        {**COVERED, "materially_influences": "no", "roles": ["developer", "deployer"]}
    )
    assert result.obligations == [] and result.roles == ["developer", "deployer"]


def test_the_duties_of_sb_24_205_are_not_screened_any_more() -> None:
    result = screen_colorado({**COVERED, "roles": ["developer", "deployer"]})
    gone = {"risk_management_programme", "impact_assessment", "duty_of_care", "public_statement"}
    assert not gone & set(ids(result))
    former = {duty.id for duty in load_colorado_reference().history[0].former_duties}
    assert {"risk_management_programme", "impact_assessment", "duty_of_care"} <= former


def test_no_obligation_reuses_a_duty_id_of_sb_24_205() -> None:
    """Checklist states are kept per obligation id: a status recorded under the repealed law
    must never pass for one under SB 26-189."""
    sb24_205_ids = {
        "risk_management_programme",
        "impact_assessment",
        "consumer_notice",
        "adverse_decision_explanation_and_appeal",
        "public_statement",
        "report_discrimination_to_attorney_general",
        "documentation_for_deployers",
        "developer_public_statement",
        "disclose_discrimination_risks",
    }
    assert not sb24_205_ids & {spec.id for spec in load_colorado_reference().obligations}


# --- enforcement, rules, small deployers ---------------------------------------------------------


def test_enforcement_is_the_attorney_general_only_with_a_60_day_cure_and_no_private_action() -> (
    None
):
    result = screen_colorado(COVERED)
    enforcement = next(reason for reason in result.reasons if reason.startswith("Enforcement"))
    assert "Attorney General" in enforcement and "60 days to cure" in enforcement
    assert "no private right of action" in enforcement
    assert "number to verify" in enforcement, "an unverified section number is marked, not guessed"


def test_6_1_1705_attorney_general_rules_are_due_before_2027() -> None:
    result = screen_colorado(COVERED)
    assert "must adopt rules to clarify and carry out the act before 2027-01-01" in text(result)


def test_small_deployer_gets_no_invented_relief() -> None:
    small = screen_colorado({**COVERED, "small_deployer": "yes"})
    assert ids(small) == DEPLOYER_DUTIES, "every deployer duty still applies"
    assert "You answered that you are a small deployer" in text(small)
    assert "no relief for small deployers" in text(small)
    assert "fewer than 50" in text(small)
    assert "small deployer" not in text(screen_colorado({**COVERED, "small_deployer": "no"}))


def test_small_deployer_without_a_deployer_role_changes_nothing_and_says_so() -> None:
    result = screen_colorado({**COVERED, "roles": ["developer"], "small_deployer": "yes"})
    assert "changes nothing here, as no deployer role was given" in text(result)


# --- answers: old keys, bad input ----------------------------------------------------------------


def test_old_sb_24_205_keys_are_read_as_the_new_ones() -> None:
    old = {
        "colorado_applies": True,
        "colorado_areas": ["employment"],
        "colorado_substantial_factor": "yes",
        "roles": ["deployer"],
    }
    assert upgrade_keys(old) == {
        "colorado_consumers": True,
        "consequential_decision_areas": ["employment"],
        "materially_influences": "yes",
        "roles": ["deployer"],
    }
    result = screen_colorado(old)
    assert result.covered and ids(result) == DEPLOYER_DUTIES
    assert "given to the questions on SB 24-205" in result.reasons[0]


def test_a_new_key_wins_over_its_old_name_when_upgrading() -> None:
    both = {"colorado_applies": "no", "colorado_consumers": "yes"}
    assert upgrade_keys(both) == {"colorado_consumers": "yes"}


def test_retired_areas_are_split_off_for_the_questionnaire() -> None:
    kept, retired = without_retired_areas(
        {"consequential_decision_areas": ["legal_services", "insurance"], "x": 1}
    )
    assert kept == {"consequential_decision_areas": ["insurance"], "x": 1}
    assert retired == ["legal_services"]
    assert without_retired_areas({"x": 1}) == ({"x": 1}, [])


def test_bad_answers_raise_one_error_naming_every_problem() -> None:
    with pytest.raises(ScreeningInputError) as caught:
        screen_colorado(
            {
                "colorado_consumers": "perhaps",
                "consequential_decision_areas": ["housing", "retail"],
                "roles": ["deployer", "owner"],
                "materially_influences": 3,
                "colour": "blue",
            }
        )
    problems = caught.value.problems
    assert len(problems) == 5
    for named in ("'perhaps'", "'retail'", "'owner'", "materially_influences", "'colour'"):
        assert named in str(caught.value)


def test_an_old_and_a_new_key_for_the_same_answer_are_refused_in_a_file() -> None:
    with pytest.raises(ScreeningInputError, match="colorado_applies: the old name"):
        parse_colorado_answers({"colorado_applies": "yes", "colorado_consumers": "yes"})


def test_answers_that_are_not_a_mapping_are_refused() -> None:
    with pytest.raises(ScreeningInputError, match="expected a mapping"):
        parse_colorado_answers(["colorado_consumers"])  # type: ignore[arg-type]


def test_answer_files_in_yaml_and_json(tmp_path: Path) -> None:
    as_yaml = tmp_path / "answers.yaml"
    as_yaml.write_text(yaml.safe_dump(COVERED), encoding="utf-8")
    as_json = tmp_path / "answers.json"
    as_json.write_text(json.dumps(COVERED), encoding="utf-8")
    assert load_colorado_answers_file(as_yaml) == load_colorado_answers_file(as_json)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    # An empty file is a wrong file, not an answer: refused rather than judged "not covered".
    with pytest.raises(ScreeningInputError, match="holds no answers"):
        load_colorado_answers_file(empty)


# --- the result's JSON, stored results of SB 24-205 ----------------------------------------------


def test_the_cli_json_has_the_fixed_keys() -> None:
    data = screen_colorado(COVERED).to_cli_json()
    assert list(data) == ["covered", "basis", "obligations", "reasons"]
    assert set(data["obligations"][0]) == {
        "id",
        "title",
        "section",
        "applies_from",
        "roles",
        "source",
        "last_checked",
    }
    assert data["obligations"][0]["applies_from"] == "2027-01-01"


def test_a_result_round_trips_through_json() -> None:
    result = screen_colorado({**COVERED, "roles": ["provider", "deployer"]})
    assert ColoradoResult.model_validate_json(result.model_dump_json()) == result


def test_a_result_stored_under_sb_24_205_still_loads_as_history() -> None:
    stored = {
        "high_risk": True,
        "areas": ["employment", "legal_services"],
        "reasons": ["High-risk under the Colorado AI Act because ..."],
        "deployer_duties": [{"id": "impact_assessment", "title": "t", "summary": "s"}],
        "developer_duties": [],
        "impact_assessment_elements": [{"id": "x", "title": "y", "maps_to_section": "data"}],
    }
    result = ColoradoResult.model_validate(stored)
    assert result.legacy and result.law == "SB 24-205" and result.data_version == 1
    assert result.covered and result.basis == "covered_admt"
    assert result.areas == ["employment"] and result.roles == ["deployer"]
    assert result.obligations == [], "the repealed law's duties are not carried over"
    assert "repealed and never took effect" in result.reasons[0]
    assert "Screen the system again" in result.reasons[0]
    assert result.reasons[1] == stored["reasons"][0]
    not_high = ColoradoResult.model_validate({**stored, "high_risk": False, "areas": []})
    assert (not_high.covered, not_high.basis) == (False, "no_consequential_decision")


# --- the data: dates, history, regimes -----------------------------------------------------------


def test_the_effective_date_is_data_with_source_and_last_checked() -> None:
    reference = colorado_reference()
    effective = reference["milestones"]["effective"]
    assert effective["date"] == date(2027, 1, 1)
    assert "SB 26-189" in effective["source"]
    assert effective["last_checked"] == date(2026, 12, 7)
    assert reference["signed"] == date(2026, 5, 14)
    assert reference["status"] == "adopted" and reference["version"] == 2
    assert all(source["url"].startswith("https://") for source in reference["sources"])


def test_history_says_sb_24_205_was_repealed_and_never_in_force() -> None:
    (law,) = load_colorado_reference().history
    assert law.status == "repealed" and law.in_force is False
    assert [when.date for when in law.effective_dates] == [date(2026, 2, 1), date(2026, 6, 30)]
    assert "SB 25B-004" in law.effective_dates[1].set_by
    assert law.repealed.date == date(2026, 5, 14) and "SB 26-189" in law.repealed.by
    note = history_note()
    assert "SB 24-205" in note and "never took effect" in note
    assert "Risk management policy and programme" in note and "Impact assessment" in note


def test_key_dates_list_the_new_law_then_the_repealed_one() -> None:
    rows = colorado_key_dates()
    assert rows[0]["Date"] == date(2027, 1, 1) and "SB 26-189" in rows[0]["Law"]
    repealed = [row for row in rows if "repealed, never in force" in row["Law"]]
    assert [row["Date"] for row in repealed] == [date(2026, 2, 1), date(2026, 6, 30)]


def test_the_checklist_regimes_are_in_the_shared_literal() -> None:
    from typing import get_args

    assert {REGIME, LEGACY_REGIME} <= set(get_args(Regime))


def test_coverage_labels_are_the_same_words_everywhere() -> None:
    assert [coverage_label(value) for value in (True, False, None)] == [
        "covered",
        "not covered",
        "not asked",
    ]


def test_a_data_file_that_drifts_from_the_procedure_is_refused(tmp_path: Path) -> None:
    data = yaml.safe_load(colorado_file().read_text(encoding="utf-8"))
    data["areas"].pop("insurance")
    data["obligations"][0]["milestone"] = "someday"
    broken = tmp_path / "colorado.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ValueError) as caught:
        load_colorado_reference(broken)
    assert "areas must be exactly" in str(caught.value)
    assert "unknown milestone 'someday'" in str(caught.value)


def test_the_colorado_module_does_not_import_streamlit() -> None:
    source = Path(__file__).resolve().parents[2].joinpath("assessments", "colorado.py").read_text()
    assert "streamlit" not in source
