"""SoA and readiness rules: what a line may say, the findings, the figures, the stage 1 summary."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from assessments import catalog
from assessments.errors import field_messages
from assessments.soa import (
    IMPLEMENTATION_STATUSES,
    NOT_ASSESSED,
    STAGE1_KEY_ITEMS,
    STATEMENT_COLUMNS,
    ReadinessInput,
    ReadinessRating,
    SoAEntry,
    SoAEntryInput,
    consistency_findings,
    fixable_controls,
    made_applicable,
    readiness_figures,
    same_entry,
    soa_summary,
    stage1_summary,
    statement_rows,
    status_label,
)

CHANGED = datetime(2026, 6, 15, 9, 0)


def entry_input(**overrides: Any) -> SoAEntryInput:
    values: dict[str, Any] = {
        "control_id": "A.6.2.4",
        "applicable": True,
        "inclusion_reasons": ["legal"],
        "justification": "Validation before release is expected by our supervisor.",
        "status": "partial",
        "owner": "Ada Park",
        "evidence": "Validation report 2026-05.",
        "last_reviewed": date(2026, 6, 15),
    }
    values.update(overrides)
    return SoAEntryInput.model_validate(values)


def stored(control_id: str = "A.6.2.4", entry_id: int = 1, **values: Any) -> SoAEntry:
    """A stored line as the database returns it (rules not re-checked)."""
    base: dict[str, Any] = {
        "id": entry_id,
        "control_id": control_id,
        "applicable": True,
        "inclusion_reasons": ["legal"],
        "justification": "",
        "exclusion_reason": "",
        "status": "partial",
        "owner": "Ada Park",
        "evidence": "A record.",
        "last_reviewed": date(2026, 6, 15),
        "changed_at": CHANGED,
        "changed_by": "Ada Park",
    }
    base.update(values)
    return SoAEntry.model_validate(base)


def errors_of(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        entry_input(**overrides)
    return field_messages(caught.value)


# What a line may say


def test_a_complete_applicable_line_is_accepted() -> None:
    data = entry_input(inclusion_reasons=["best_practice", "legal", "legal"])
    assert data.inclusion_reasons == ["legal", "best_practice"], "canonical order, no repeats"
    assert data.exclusion_reason == ""


def test_an_exclusion_needs_a_reason() -> None:
    errors = errors_of(applicable=False, status="not_applicable", exclusion_reason="   ")
    assert "exclusion needs a justification" in errors["exclusion_reason"]
    assert set(errors) == {"exclusion_reason"}


def test_an_applicable_control_needs_a_reason_for_inclusion() -> None:
    errors = errors_of(inclusion_reasons=[])
    assert errors["inclusion_reasons"] == "choose at least one reason why this control applies"


def test_an_unknown_status_is_refused_with_the_known_ones() -> None:
    errors = errors_of(status="done")
    assert "'done' is not a known implementation status" in errors["status"]
    assert "Partially implemented" in errors["status"]


@pytest.mark.parametrize(
    ("applicable", "status", "message"),
    [
        (True, "not_applicable", "needs an implementation status other than"),
        (False, "implemented", "an excluded control has the status 'Not applicable'"),
        (False, "not_started", "an excluded control has the status 'Not applicable'"),
    ],
)
def test_the_status_must_agree_with_applicability(
    applicable: bool, status: str, message: str
) -> None:
    errors = errors_of(applicable=applicable, status=status, exclusion_reason="Out of scope.")
    assert message in errors["status"]


def test_all_problems_of_a_line_are_reported_at_once() -> None:
    errors = errors_of(applicable=False, status="implemented", exclusion_reason="")
    assert set(errors) == {"exclusion_reason", "status"}


def test_unchosen_fields_and_unknown_values_are_named() -> None:
    errors = errors_of(applicable=None, status=None)
    assert errors == {
        "applicable": "choose whether this control applies",
        "status": "choose a status",
    }
    assert "A.11.1" in errors_of(control_id="A.11.1")["control_id"]
    assert (
        "reason for inclusion" in errors_of(inclusion_reasons=["gut_feeling"])["inclusion_reasons"]
    )
    tomorrow = date.today() + timedelta(days=1)
    assert errors_of(last_reviewed=tomorrow)["last_reviewed"] == (
        "a review date cannot be in the future"
    )


def test_only_the_side_that_applies_is_kept() -> None:
    excluded = entry_input(
        applicable=False,
        status="not_applicable",
        exclusion_reason="We supply no AI to business customers.",
    )
    assert excluded.inclusion_reasons == [] and excluded.justification == ""
    included = entry_input(exclusion_reason="left over from an earlier exclusion")
    assert included.exclusion_reason == ""


def test_saving_the_same_line_again_changes_nothing() -> None:
    data = entry_input()
    line = stored(**data.model_dump())
    assert same_entry(line, data)
    assert not same_entry(line, entry_input(status="implemented"))
    assert not same_entry(None, data)


# The one-click fix


def test_the_fix_includes_an_excluded_control_and_says_why() -> None:
    excluded = stored(
        applicable=False,
        inclusion_reasons=[],
        exclusion_reason="No customers.",
        status="not_applicable",
    )
    fix = made_applicable(excluded, "A.6.2.4")
    assert fix.applicable and fix.status == "not_started"
    assert fix.inclusion_reasons == ["risk_treatment"]
    assert "previously excluded: No customers." in fix.justification
    assert fix.owner == "Ada Park"


def test_the_fix_is_no_review_and_keeps_the_review_date() -> None:
    reviewed = stored(last_reviewed=date(2026, 3, 2))
    assert made_applicable(reviewed, "A.6.2.4").last_reviewed == date(2026, 3, 2)
    never = stored(
        last_reviewed=None,
        applicable=False,
        inclusion_reasons=[],
        status="not_applicable",
        exclusion_reason="No.",
    )
    assert made_applicable(never, "A.6.2.4").last_reviewed is None


def test_the_fix_creates_a_line_for_a_control_never_assessed() -> None:
    fix = made_applicable(None, "A.10.4")
    assert (fix.control_id, fix.applicable, fix.status) == ("A.10.4", True, "not_started")
    assert fix.inclusion_reasons == ["risk_treatment"]
    assert fix.last_reviewed is None


# Findings


def kinds(findings) -> list[tuple[str, str]]:
    return [(finding.kind, finding.control_id) for finding in findings]


def test_a_consistent_soa_has_no_findings() -> None:
    entries = {"A.6.2.4": stored(inclusion_reasons=["risk_treatment"])}
    assert consistency_findings(entries, {"A.6.2.4": [3]}) == []


def test_a_control_used_by_a_treatment_must_be_applicable() -> None:
    entries = {
        "A.10.4": stored(
            "A.10.4",
            applicable=False,
            inclusion_reasons=[],
            exclusion_reason="No customers.",
            status="not_applicable",
        )
    }
    findings = consistency_findings(entries, {"A.10.4": [4, 9], "A.5.5": [9]})
    assert kinds(findings) == [
        ("treated_but_not_applicable", "A.5.5"),
        ("treated_but_not_applicable", "A.10.4"),
    ]
    assert "risks R-4, R-9 uses A.10.4" in findings[1].message
    assert "has not been assessed" in findings[0].message
    assert fixable_controls(findings) == ["A.5.5", "A.10.4"]


def test_implemented_without_evidence_is_flagged() -> None:
    entries = {"A.4.4": stored("A.4.4", status="implemented", evidence="  ")}
    assert kinds(consistency_findings(entries, {})) == [("implemented_without_evidence", "A.4.4")]
    entries = {"A.4.4": stored("A.4.4", status="partial", evidence="")}
    assert consistency_findings(entries, {}) == []


def test_lines_that_no_longer_meet_the_rules_are_flagged() -> None:
    """Stored lines are not re-validated (older data, rules tightened later): findings say so."""
    entries = {
        "A.2.2": stored("A.2.2", applicable=False, inclusion_reasons=[], status="not_applicable"),
        "A.2.3": stored("A.2.3", inclusion_reasons=[], justification=""),
        "A.2.4": stored("A.2.4", status="not_applicable"),
        "A.3.2": stored("A.3.2", inclusion_reasons=["risk_treatment"]),
    }
    findings = consistency_findings(entries, {})
    assert kinds(findings) == [
        ("exclusion_without_justification", "A.2.2"),
        ("inclusion_without_justification", "A.2.3"),
        ("status_contradicts_applicability", "A.2.4"),
        ("risk_reason_without_treatment", "A.3.2"),
    ]
    assert not any(finding.fixable for finding in findings)


def test_summary_counts_not_assessed_controls_separately() -> None:
    entries = {
        "A.2.2": stored("A.2.2", status="implemented"),
        "A.2.3": stored(
            "A.2.3",
            applicable=False,
            inclusion_reasons=[],
            exclusion_reason="x",
            status="not_applicable",
        ),
    }
    summary = soa_summary(entries)
    assert (summary.total, summary.assessed, summary.not_assessed) == (38, 2, 36)
    assert (summary.applicable, summary.excluded) == (1, 1)
    assert summary.by_status["implemented"] == 1
    assert set(summary.by_status) == set(IMPLEMENTATION_STATUSES)


def test_the_statement_has_one_row_per_control_and_never_assumes_applicability() -> None:
    rows = statement_rows({"A.6.2.4": stored(inclusion_reasons=["legal", "risk_treatment"])},
                          {"A.6.2.4": [3, 12], "A.2.2": [5]})  # fmt: skip
    assert [row["control_id"] for row in rows] == [c.id for c in catalog.annex_a_controls()]
    assert all(list(row) == STATEMENT_COLUMNS for row in rows)
    by_id = {row["control_id"]: row for row in rows}
    assert (by_id["A.6.2.4"]["risks"], by_id["A.6.2.4"]["risk_references"]) == (2, "R-3, R-12")
    assert by_id["A.6.2.4"]["inclusion_reasons"] == "legal;risk_treatment"
    assert by_id["A.6.2.4"]["applicable"] == "yes"
    not_assessed = by_id["A.2.2"]
    assert (not_assessed["applicable"], not_assessed["status"]) == ("", NOT_ASSESSED)
    assert (not_assessed["risks"], not_assessed["risk_references"]) == (1, "R-5")
    assert (by_id["A.2.3"]["risks"], by_id["A.2.3"]["risk_references"]) == (0, "")
    assert status_label(NOT_ASSESSED) == "Not assessed"


# Readiness figures


def items(*specs: tuple[str, str]) -> list[catalog.ClauseItem]:
    return [
        catalog.ClauseItem(
            id=item_id,
            clause=clause,
            clause_title=f"Clause {clause}",
            title=f"Item {item_id}",
            guidance="g",
            evidence="e",
        )
        for item_id, clause in specs
    ]


def test_readiness_is_the_mean_maturity_over_five_with_unrated_items_as_zero() -> None:
    sample = items(("4.1", "4"), ("4.2", "4"), ("5.1", "5"), ("5.2", "5"), ("5.3", "5"))
    figures = readiness_figures({"4.1": 5, "4.2": 2, "5.1": 3}, sample)
    clause4, clause5 = figures.clauses
    assert (clause4.mean_maturity, clause4.percent, clause4.rated) == (3.5, 70.0, 2)
    assert (clause5.mean_maturity, clause5.percent, clause5.rated) == (1.0, 20.0, 1)
    # Overall: every item weighs the same (10 / 5 items = 2.0 -> 40 %), not the clause mean.
    assert (figures.mean_maturity, figures.percent) == (2.0, 40.0)
    assert (figures.items, figures.rated) == (5, 3)


def test_readiness_over_the_real_clauses() -> None:
    all_items = catalog.clause_items()
    assert readiness_figures({}).percent == 0.0
    full = readiness_figures({item.id: 5 for item in all_items})
    assert full.percent == 100.0 and all(clause.percent == 100.0 for clause in full.clauses)
    assert [clause.clause for clause in full.clauses] == [str(n) for n in range(4, 11)]
    assert readiness_figures({"9.1": 5}).clauses[5].percent == round(5 / 6 / 5 * 100, 1)


def test_a_rating_stays_on_the_zero_to_five_scale() -> None:
    with pytest.raises(ValidationError):
        ReadinessInput(item_id="4.1", maturity=6)
    with pytest.raises(ValidationError):
        ReadinessInput(item_id="4.1", maturity=-1)
    with pytest.raises(ValidationError, match="not a readiness item"):
        ReadinessInput(item_id="11.1", maturity=3)


# Ready for stage 1?


def rating(item_id: str, maturity: int, evidence: str = "A record.") -> ReadinessRating:
    return ReadinessRating(
        id=1,
        item_id=item_id,
        maturity=maturity,
        evidence=evidence,
        changed_at=CHANGED,
        changed_by="Ada Park",
    )


def complete_soa() -> dict[str, SoAEntry]:
    return {
        control.id: stored(control.id, entry_id=number, status="implemented")
        for number, control in enumerate(catalog.annex_a_controls(), start=1)
    }


def test_ready_when_every_check_passes() -> None:
    ratings = {item.id: rating(item.id, 3) for item in catalog.clause_items()}
    summary = stage1_summary(ratings, complete_soa(), findings=[])
    assert summary.ready and summary.missing_count == 0
    assert summary.headline().startswith("Ready for a stage 1 audit")


def test_the_summary_lists_what_is_missing() -> None:
    ratings = {item.id: rating(item.id, 4) for item in catalog.clause_items()}
    ratings["6.2"] = rating("6.2", 2)
    ratings["9.2.1"] = rating("9.2.1", 3, evidence=" ")
    del ratings["9.3.1"]
    entries = complete_soa()
    del entries["A.10.4"]
    entries["A.7.5"] = stored("A.7.5", status="not_started")
    entries["A.4.4"] = stored("A.4.4", status="implemented", evidence="")
    findings = consistency_findings(entries, {})
    summary = stage1_summary(ratings, entries, findings)
    subjects = {key: [gap.subject for gap in gaps] for key, gaps in summary.sections.items()}
    assert subjects == {
        "below_maturity": ["6.2", "9.3.1"],
        "key_evidence": ["9.2.1", "9.3.1"],
        "not_assessed": ["A.10.4"],
        "not_started": ["A.7.5"],
        "findings": ["A.4.4"],
    }
    assert not summary.ready
    assert summary.headline() == (
        "Not ready for a stage 1 audit yet: 2 clause items below maturity 3; 2 key documents"
        " without evidence; 1 Annex A control not assessed; 1 applicable control not started;"
        " 1 SoA finding."
    )
    assert "9.3.1 Management review: General: not rated yet" in [
        gap.message for gap in summary.sections["below_maturity"]
    ]


def test_the_key_items_exist_in_the_clause_catalog() -> None:
    known = {item.id for item in catalog.clause_items()}
    assert set(STAGE1_KEY_ITEMS) <= known
    assert {"6.1.3", "6.1.4", "8.4", "9.2.1", "9.3.1"} <= set(STAGE1_KEY_ITEMS)
