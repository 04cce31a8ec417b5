"""Content catalogs: Annex A, clauses, taxonomy, the risk library and its filtering."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from assessments import catalog, vocab
from assessments.catalog import (
    CatalogError,
    LibraryRisk,
    annex_a_controls,
    clause_items,
    control_by_id,
    control_groups,
    control_ids,
    library_for_system,
    risk_library,
    risk_library_info,
    taxonomy,
)

# The published Annex A of ISO/IEC 42001:2023: 38 controls in groups A.2 to A.10.
EXPECTED_CONTROL_IDS = [
    "A.2.2", "A.2.3", "A.2.4",
    "A.3.2", "A.3.3",
    "A.4.2", "A.4.3", "A.4.4", "A.4.5", "A.4.6",
    "A.5.2", "A.5.3", "A.5.4", "A.5.5",
    "A.6.1.2", "A.6.1.3", "A.6.2.2", "A.6.2.3", "A.6.2.4", "A.6.2.5", "A.6.2.6", "A.6.2.7",
    "A.6.2.8",
    "A.7.2", "A.7.3", "A.7.4", "A.7.5", "A.7.6",
    "A.8.2", "A.8.3", "A.8.4", "A.8.5",
    "A.9.2", "A.9.3", "A.9.4",
    "A.10.2", "A.10.3", "A.10.4",
]  # fmt: skip

EXPECTED_CLAUSE_ITEMS = [
    "4.1", "4.2", "4.3", "4.4",
    "5.1", "5.2", "5.3",
    "6.1.1", "6.1.2", "6.1.3", "6.1.4", "6.2", "6.3",
    "7.1", "7.2", "7.3", "7.4", "7.5.1", "7.5.2", "7.5.3",
    "8.1", "8.2", "8.3", "8.4",
    "9.1", "9.2.1", "9.2.2", "9.3.1", "9.3.2", "9.3.3",
    "10.1", "10.2",
]  # fmt: skip

LLM_CUSTOMER_CHATBOT: dict[str, Any] = {
    "ai_technique": "generative_llm",
    "personal_data": True,
    "special_category_data": False,
    "autonomy": "human_on_the_loop",
    "deployment_context": "customer_facing",
    "stakeholders": ["customers"],
}

INTERNAL_RULES_SYSTEM: dict[str, Any] = {
    "ai_technique": "rules_expert",
    "personal_data": False,
    "special_category_data": False,
    "autonomy": "human_in_the_loop",
    "deployment_context": "internal",
    "stakeholders": ["business_partners"],
}


def _ids(risks: list[LibraryRisk]) -> list[str]:
    return [risk.id for risk in risks]


def _library_id(title_words: str) -> str:
    """The id of the one library risk whose title contains these words."""
    matches = [risk.id for risk in risk_library() if title_words in risk.title.lower()]
    assert len(matches) == 1, (title_words, matches)
    return matches[0]


# Annex A


def test_annex_a_has_exactly_the_38_published_controls_in_order() -> None:
    controls = annex_a_controls()
    assert len(controls) == 38
    assert [control.id for control in controls] == EXPECTED_CONTROL_IDS
    assert control_ids() == set(EXPECTED_CONTROL_IDS)


def test_annex_a_has_the_nine_groups_and_each_control_names_its_group() -> None:
    groups = control_groups()
    assert [group.id for group in groups] == [f"A.{number}" for number in range(2, 11)]
    titles = {group.id: group.title for group in groups}
    assert titles["A.6"] == "AI system life cycle"
    assert titles["A.10"] == "Third-party and customer relationships"
    for control in annex_a_controls():
        assert control.id.startswith(control.group + ".")
        assert control.group_title == titles[control.group]


def test_every_control_has_a_title_and_one_line_of_guidance() -> None:
    for control in annex_a_controls():
        assert control.title.strip()
        assert control.guidance.strip() and "\n" not in control.guidance
        assert len(control.guidance) <= 160, control.id
    assert control_by_id("A.6.2.8").title == "AI system recording of event logs"
    with pytest.raises(KeyError, match=r"A\.11\.1"):
        control_by_id("A.11.1")


# Clauses


def test_clauses_cover_4_1_to_10_2_with_readiness_sub_items() -> None:
    items = clause_items()
    assert [item.id for item in items] == EXPECTED_CLAUSE_ITEMS
    for item in items:
        assert item.guidance.strip() and item.evidence.strip()
        assert item.clause == item.id.split(".")[0]
    by_id = {item.id: item for item in items}
    assert by_id["4.1"].clause_title == "Context of the organization"
    assert by_id["6.1.1"].parent == "6.1"
    assert by_id["6.1.1"].display_title == "Actions to address risks and opportunities: General"
    assert by_id["9.2.2"].parent_title == "Internal audit"
    assert by_id["10.2"].display_title == "Nonconformity and corrective action"


# Taxonomy


def test_taxonomy_has_the_annex_c_objectives_and_sources() -> None:
    terms = taxonomy()
    assert list(terms.harm_categories) == [
        "accountability",
        "ai_expertise",
        "data_quality",
        "environmental_impact",
        "fairness",
        "maintainability",
        "privacy",
        "robustness",
        "safety",
        "security",
        "transparency",
    ]
    assert len(terms.risk_sources) == 7
    for vocabulary in ("harm_categories", "risk_sources", "treatment_options", "affected_parties"):
        for key in getattr(terms, vocabulary):
            assert terms.describe(vocabulary, key), (vocabulary, key)


def test_taxonomy_has_the_mit_domains_parties_and_treatment_options() -> None:
    terms = taxonomy()
    assert list(terms.mit_domains) == [str(number) for number in range(1, 8)]
    assert len(terms.mit_subdomains) == 24
    assert terms.mit_subdomains["1.3"] == "Unequal performance across groups"
    assert all(key.split(".")[0] in terms.mit_domains for key in terms.mit_subdomains)
    assert list(terms.affected_parties) == ["individuals", "groups", "society", "organisation"]
    assert list(terms.treatment_options) == [
        "avoid",
        "remove_source",
        "change_likelihood",
        "change_consequences",
        "share",
        "retain",
        "pursue",
    ]


# Risk library


def test_library_has_at_least_45_uniquely_numbered_risks() -> None:
    risks = risk_library()
    assert len(risks) >= 45
    ids = _ids(risks)
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"LIB-\d{3}", risk_id) for risk_id in ids)


def test_every_library_risk_references_known_keys_and_controls() -> None:
    terms = taxonomy()
    known_controls = control_ids()
    condition_vocabularies = {
        "ai_technique": vocab.AI_TECHNIQUES,
        "autonomy": vocab.AUTONOMY,
        "deployment_context": vocab.DEPLOYMENT_CONTEXTS,
        "stakeholders": vocab.STAKEHOLDERS,
    }
    for risk in risk_library():
        assert risk.harm_category in terms.harm_categories, risk.id
        assert risk.risk_source in terms.risk_sources, risk.id
        assert risk.mit_domain in terms.mit_subdomains, risk.id
        assert risk.affected_parties and set(risk.affected_parties) <= set(terms.affected_parties)
        assert 2 <= len(risk.suggested_controls) <= 5, risk.id
        assert set(risk.suggested_controls) <= known_controls, risk.id
        assert 1 <= risk.typical_likelihood <= 5 and 1 <= risk.typical_severity <= 5
        for field, known in condition_vocabularies.items():
            assert set(getattr(risk.applies_when, field) or []) <= set(known), (risk.id, field)


def test_library_descriptions_are_two_or_three_sentences() -> None:
    for risk in risk_library():
        sentences = re.findall(r"[.!?](?:\s|$)", risk.description)
        assert 2 <= len(sentences) <= 3, risk.id


def test_library_covers_every_harm_category_and_party() -> None:
    risks = risk_library()
    assert {risk.harm_category for risk in risks} == set(taxonomy().harm_categories)
    assert {party for risk in risks for party in risk.affected_parties} == set(
        taxonomy().affected_parties
    )


def test_an_llm_customer_chatbot_gets_prompt_injection_and_hallucination() -> None:
    relevant = _ids(library_for_system(LLM_CUSTOMER_CHATBOT))
    assert _library_id("prompt injection") in relevant
    assert _library_id("confident falsehoods") in relevant
    assert _library_id("jailbreak") in relevant
    assert _library_id("memorised") in relevant
    assert _library_id("not told they are dealing with ai") in relevant
    assert _library_id("clinical finding") not in relevant
    assert _library_id("job applicants") not in relevant


def test_a_rules_system_without_personal_data_gets_no_learning_risks() -> None:
    relevant = _ids(library_for_system(INTERNAL_RULES_SYSTEM))
    for words in ("memorised", "prompt injection", "re-identified", "poisoned", "drifts"):
        assert _library_id(words) not in relevant, words
    assert _library_id("nobody is clearly accountable") in relevant


def test_specific_risks_come_before_generic_ones() -> None:
    relevant = library_for_system(LLM_CUSTOMER_CHATBOT)
    generic_flags = [risk.is_generic for risk in relevant]
    assert any(generic_flags) and not all(generic_flags)
    assert generic_flags == sorted(generic_flags)
    selectivity = [risk.applies_when.selectivity() for risk in relevant if not risk.is_generic]
    assert selectivity == sorted(selectivity, reverse=True)
    every_generic = {risk.id for risk in risk_library() if risk.is_generic}
    assert every_generic <= set(_ids(relevant))


def test_stakeholder_and_data_conditions() -> None:
    triage = {
        "ai_technique": "deep_learning",
        "personal_data": False,
        "special_category_data": True,
        "autonomy": "human_in_the_loop",
        "deployment_context": "internal",
        "stakeholders": ["patients", "clinicians"],
    }
    relevant = _ids(library_for_system(triage))
    assert _library_id("clinical finding") in relevant
    assert _library_id("special-category") in relevant
    assert _library_id("re-identified") in relevant, "special-category data is personal data"
    assert _library_id("lose the skills") in relevant
    assert _library_id("unfair credit") not in relevant


def test_a_fully_automated_public_sector_system() -> None:
    benefits = {
        "ai_technique": "machine_learning",
        "personal_data": True,
        "autonomy": "none",
        "deployment_context": "public_sector",
        "stakeholders": ["citizens", "vulnerable_people"],
    }
    relevant = _ids(library_for_system(benefits))
    assert _library_id("public benefits") in relevant
    assert _library_id("no human review") in relevant
    assert _library_id("vulnerable situations") in relevant
    assert _library_id("rubber-stamp") not in relevant


# Oversight levels from most to least human involvement (assessments/vocab.py AUTONOMY; the
# impact questionnaire weighs them 0, 1.5, 3 and 4): in command means a person sets the system
# up and can stop it, while the system decides each case.
OVERSIGHT_ORDER = ["human_in_the_loop", "human_on_the_loop", "human_in_command", "none"]


def _by_id(library_id: str) -> LibraryRisk:
    return next(risk for risk in risk_library() if risk.id == library_id)


def test_autonomy_conditions_are_a_contiguous_end_of_the_oversight_scale() -> None:
    # A risk from too little oversight holds for every level below the first that has it, and
    # one from reviewers (rubber-stamping) for every level above: no level may be skipped.
    assert sorted(OVERSIGHT_ORDER) == sorted(vocab.AUTONOMY)
    for risk in risk_library():
        allowed = risk.applies_when.autonomy
        if allowed is None:
            continue
        positions = sorted(OVERSIGHT_ORDER.index(level) for level in allowed)
        assert positions == list(range(positions[0], positions[-1] + 1)), risk.id
        assert positions[0] == 0 or positions[-1] == len(OVERSIGHT_ORDER) - 1, risk.id


@pytest.mark.parametrize(
    ("autonomy", "no_review", "agent_actions"),
    [
        ("human_in_the_loop", False, False),
        ("human_on_the_loop", False, True),
        ("human_in_command", True, True),
        ("none", True, True),
    ],
)
def test_no_review_and_agent_risks_follow_the_oversight_level(
    autonomy: str, no_review: bool, agent_actions: bool
) -> None:
    relevant = _ids(library_for_system({**LLM_CUSTOMER_CHATBOT, "autonomy": autonomy}))
    assert ("LIB-023" in relevant) is no_review
    assert ("LIB-051" in relevant) is agent_actions
    assert _by_id("LIB-023").title == "Decisions about people are made with no human review"
    assert _by_id("LIB-051").title == "An AI agent takes harmful actions through its tools"


def test_credit_or_insurance_unfairness_reaches_insurance_customers() -> None:
    # The stakeholder vocabulary has no key for insurance: policyholders are customers.
    insurer = {**INTERNAL_RULES_SYSTEM, "ai_technique": "machine_learning"}
    assert "LIB-005" in _ids(library_for_system({**insurer, "stakeholders": ["customers"]}))
    assert "LIB-005" in _ids(library_for_system({**insurer, "stakeholders": ["borrowers"]}))
    assert "LIB-005" not in _ids(library_for_system(insurer))
    assert "insurance" in _by_id("LIB-005").description


def test_model_extraction_suggests_controls_that_address_it() -> None:
    controls = _by_id("LIB-019").suggested_controls
    # Access and output limits in the requirements, monitoring and logs that reveal bulk
    # querying; not computing resources (A.4.5) or customer needs (A.10.4).
    assert {"A.6.2.2", "A.6.2.6", "A.6.2.8"} <= set(controls)
    assert not {"A.4.5", "A.10.4"} & set(controls)


def test_steering_people_against_their_interests_is_tagged_as_unfair_treatment() -> None:
    steering = _by_id("LIB-043")
    assert (steering.harm_category, steering.risk_source, steering.mit_domain) == (
        "fairness",
        "lack_of_transparency",
        "5.2",
    )


def test_general_purpose_and_agentic_risks_cover_their_mit_subdomains() -> None:
    expected = {
        "LIB-059": "3.2",
        "LIB-060": "4.2",
        "LIB-061": "7.1",
        "LIB-062": "7.2",
        "LIB-063": "7.6",
    }
    for library_id, subdomain in expected.items():
        risk = _by_id(library_id)
        assert risk.mit_domain == subdomain, library_id
        assert risk.applies_when.ai_technique and "generative_llm" in risk.applies_when.ai_technique
    agent = {**LLM_CUSTOMER_CHATBOT, "autonomy": "none", "deployment_context": "public_facing"}
    assert set(expected) <= set(_ids(library_for_system(agent)))
    assistant = {**LLM_CUSTOMER_CHATBOT, "autonomy": "human_in_the_loop"}
    relevant = _ids(library_for_system(assistant))
    assert {"LIB-059", "LIB-060", "LIB-062"} <= set(relevant)
    assert not {"LIB-061", "LIB-063"} & set(relevant), "agent risks need an acting agent"
    assert not set(expected) & set(_ids(library_for_system(INTERNAL_RULES_SYSTEM)))


def test_legal_misclassification_is_a_generic_accountability_risk() -> None:
    risk = _by_id("LIB-064")
    assert risk.is_generic and "EU AI Act" in risk.description and "Colorado" in risk.description
    assert (risk.harm_category, risk.mit_domain) == ("accountability", "6.5")
    assert {"A.2.2", "A.5.2", "A.6.2.2"} <= set(risk.suggested_controls)
    assert "LIB-064" in _ids(library_for_system(INTERNAL_RULES_SYSTEM))


def test_the_library_cites_the_mit_repository_edition() -> None:
    info = risk_library_info()
    assert info.version >= 2
    cited = info.mit_repository
    assert cited is not None
    assert cited.url.startswith("https://airisk.mit.edu")
    assert cited.version.strip() and cited.source.strip()
    assert date(2024, 8, 1) <= cited.last_checked <= date.today()
    assert len(taxonomy().mit_subdomains) == 24, "the cited edition has 24 subdomains"


def test_unknown_inventory_values_do_not_match_conditions() -> None:
    relevant = library_for_system({})
    assert relevant and all(risk.is_generic for risk in relevant)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ai_technique", "llm"),
        ("autonomy", "full"),
        ("deployment_context", "outside"),
        ("stakeholders", ["aliens"]),
        ("stakeholders", "customers"),
        ("personal_data", "yes"),
    ],
)
def test_unknown_inventory_keys_are_refused(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        library_for_system({**LLM_CUSTOMER_CHATBOT, field: value})


# Broken content files


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of data/ that AIMS_DATA_DIR points at, so a test may break it."""
    copy = tmp_path / "data"
    for name in ("annex_a.yaml", "taxonomy.yaml", "risk_library.yaml", "clauses.yaml"):
        copy.mkdir(exist_ok=True)
        shutil.copy(catalog.data_dir() / name, copy / name)
    shutil.copytree(catalog.data_dir() / "criteria", copy / "criteria")
    monkeypatch.setenv("AIMS_DATA_DIR", str(copy))
    return copy


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_data_directory_follows_the_environment(data_copy: Path) -> None:
    assert catalog.data_dir() == data_copy
    assert len(annex_a_controls()) == 38


def test_an_unknown_category_names_file_entry_and_field(data_copy: Path) -> None:
    _replace(data_copy / "risk_library.yaml", "harm_category: fairness", "harm_category: fairnes")
    with pytest.raises(CatalogError) as caught:
        risk_library()
    message = str(caught.value)
    assert "data/risk_library.yaml" in message
    assert "entry LIB-001" in message
    assert "field 'harm_category'" in message
    assert "'fairnes' is not one of" in message


def test_an_unknown_control_is_refused(data_copy: Path) -> None:
    _replace(data_copy / "risk_library.yaml", "A.6.2.4, A.7.4, A.5.4", "A.6.2.4, A.11.4, A.5.4")
    with pytest.raises(CatalogError, match=r"entry LIB-001, field 'suggested_controls'"):
        risk_library()


def test_a_missing_field_names_file_entry_and_field(data_copy: Path) -> None:
    _replace(data_copy / "annex_a.yaml", "    title: Review of the AI policy\n", "")
    with pytest.raises(CatalogError) as caught:
        annex_a_controls()
    assert str(caught.value) == (
        "data/annex_a.yaml, entry A.2.4, field 'title': this field is required."
    )


def test_a_wrongly_typed_field_is_reported(data_copy: Path) -> None:
    _replace(data_copy / "risk_library.yaml", "typical_likelihood: 3", "typical_likelihood: 9")
    with pytest.raises(CatalogError, match=r"entry LIB-001, field 'typical_likelihood'"):
        risk_library()


def test_a_library_without_a_citation_loads_and_a_broken_one_is_reported(
    data_copy: Path,
) -> None:
    path = data_copy / "risk_library.yaml"
    original = path.read_text(encoding="utf-8")
    start = original.index("mit_repository:")
    end = original.index("risks:", start)
    path.write_text(original[:start] + original[end:], encoding="utf-8")
    assert risk_library_info().mit_repository is None
    assert len(risk_library()) == len(re.findall(r"^  - id: LIB-", original, re.MULTILINE))

    catalog.clear_caches()
    broken = original.replace("last_checked: 20", "last_checked: around 20", 1)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        risk_library()
    assert "data/risk_library.yaml, the header, field 'mit_repository.last_checked'" in str(
        caught.value
    )


def test_invalid_yaml_names_the_file_and_line(data_copy: Path) -> None:
    _replace(data_copy / "clauses.yaml", '  - id: "5"', '  - id: ["5"')
    with pytest.raises(CatalogError, match=r"data/clauses\.yaml is not valid YAML at line \d+"):
        clause_items()


def test_a_duplicate_id_is_refused(data_copy: Path) -> None:
    _replace(data_copy / "risk_library.yaml", "id: LIB-002", "id: LIB-001")
    with pytest.raises(CatalogError, match=r"entry LIB-001, field 'id'.*more than once"):
        risk_library()


def test_a_missing_file_is_reported(data_copy: Path) -> None:
    (data_copy / "taxonomy.yaml").unlink()
    with pytest.raises(CatalogError, match=r"data/taxonomy\.yaml cannot be read"):
        taxonomy()


def test_values_from_a_data_frame_row_are_accepted() -> None:
    numpy = pytest.importorskip("numpy")
    row = {
        **LLM_CUSTOMER_CHATBOT,
        "personal_data": numpy.bool_(True),
        "stakeholders": numpy.array(["customers", "employees"]),
    }
    assert _ids(library_for_system(row)) == _ids(
        library_for_system({**LLM_CUSTOMER_CHATBOT, "stakeholders": ["customers", "employees"]})
    )
