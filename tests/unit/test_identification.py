"""Library suggestions for one system: what fits and why, prefills, typical ratings."""

from __future__ import annotations

from assessments import catalog, vocab
from assessments.criteria import default_criteria, presets
from assessments.identification import (
    blank_risk,
    library_entry,
    match_reasons,
    prefill_from_library,
    suggestions,
    typical_rating,
)
from assessments.risks import RiskInput

CHATBOT = {
    "id": 7,
    "owner": "Ada Park",
    "lifecycle_stage": "deployment",
    "ai_technique": "generative_llm",
    "personal_data": True,
    "special_category_data": False,
    "autonomy": "human_on_the_loop",
    "deployment_context": "public_facing",
    "stakeholders": ["children", "general_public"],
}
RULES = {**CHATBOT, "ai_technique": "rules_expert", "personal_data": False, "stakeholders": []}


def test_each_suggestion_says_why_it_fits_the_system() -> None:
    found = suggestions(CHATBOT)
    assert found, "a public chatbot matches library risks"
    for suggestion in found:
        assert suggestion.reasons
        if suggestion.entry.is_generic:
            assert suggestion.reasons == ["Applies to every AI system"]
    specific = next(s for s in found if s.entry.applies_when.ai_technique)
    assert "Uses Generative AI / LLM" in specific.reasons


def test_reasons_name_only_the_shared_stakeholders() -> None:
    entry = next(
        e
        for e in catalog.risk_library()
        if e.applies_when.stakeholders and len(e.applies_when.stakeholders) > 1
    )
    shared = entry.applies_when.stakeholders[0]
    system = {
        **CHATBOT,
        "ai_technique": (entry.applies_when.ai_technique or ["generative_llm"])[0],
        "stakeholders": [shared, "business_partners"],
    }
    assert entry.applies_when.matches(system)
    reasons = match_reasons(entry, system)
    assert f"Affects {vocab.STAKEHOLDERS[shared]}" in reasons
    assert not any("Business partners" in reason for reason in reasons)


def test_a_system_a_person_can_only_stop_is_told_nobody_reviews_its_decisions() -> None:
    # Human in command: the system decides each case; a person sets it up and can stop it.
    in_command = {**CHATBOT, "autonomy": "human_in_command"}
    found = {s.entry.id: s for s in suggestions(in_command)}
    assert "LIB-023" in found and "LIB-051" in found
    oversight = f"Oversight: {vocab.AUTONOMY['human_in_command']}"
    assert oversight in found["LIB-023"].reasons
    in_the_loop = {s.entry.id for s in suggestions({**CHATBOT, "autonomy": "human_in_the_loop"})}
    assert not {"LIB-023", "LIB-051"} & in_the_loop


def test_suggestions_follow_the_inventory_record() -> None:
    chatbot_ids = {s.entry.id for s in suggestions(CHATBOT)}
    rules_ids = {s.entry.id for s in suggestions(RULES)}
    assert chatbot_ids != rules_ids
    assert all(
        not s.entry.applies_when.ai_technique or "rules_expert" in s.entry.applies_when.ai_technique
        for s in suggestions(RULES)
    )


def test_search_category_and_already_added() -> None:
    everything = suggestions(CHATBOT)
    first = everything[0].entry
    marked = suggestions(CHATBOT, {first.id})
    assert next(s for s in marked if s.entry.id == first.id).already_added
    privacy = suggestions(CHATBOT, harm_category="privacy")
    assert privacy and all(s.entry.harm_category == "privacy" for s in privacy)
    word = first.title.split()[-1]
    assert first.id in {s.entry.id for s in suggestions(CHATBOT, search=word.upper())}
    assert suggestions(CHATBOT, search="zzzz-no-such-words") == []


def test_a_prefill_is_a_valid_risk_of_the_system() -> None:
    entry = suggestions(CHATBOT)[0].entry
    values = prefill_from_library(entry, CHATBOT)
    risk = RiskInput.model_validate(values)
    assert risk.system_id == 7 and risk.owner == "Ada Park"
    assert risk.library_id == entry.id and risk.title == entry.title
    assert risk.lifecycle_stage == "deployment"
    assert library_entry(entry.id) == entry
    assert library_entry("LIB-999999") is None and library_entry(None) is None


def test_a_blank_risk_only_carries_the_system_facts() -> None:
    values = blank_risk(CHATBOT)
    assert values["title"] == "" and values["harm_category"] is None
    assert values["owner"] == "Ada Park" and values["library_id"] is None


def test_typical_rating_lands_on_the_scales_in_use() -> None:
    entry = next(e for e in catalog.risk_library() if e.typical_severity == 5)
    assert typical_rating(entry, default_criteria()) == (
        entry.typical_likelihood,
        entry.typical_severity,
    )
    likelihood, severity = typical_rating(entry, presets()["preset_3x3"])
    assert severity == 3 and 1 <= likelihood <= 3
