"""Valid risk-side inputs to build on in tests."""

from __future__ import annotations

from typing import Any

from assessments.risks import RatingInput, RiskInput


def risk_input(system_id: int, **overrides: Any) -> RiskInput:
    values: dict[str, Any] = {
        "system_id": system_id,
        "title": "Unequal error rates for older applicants",
        "description": "The model was trained mostly on younger applicants.",
        "harm_category": "fairness",
        "risk_source": "machine_learning",
        "affected_parties": ["individuals", "groups"],
        "lifecycle_stage": "operation_monitoring",
        "owner": "Ada Park",
        "status": "open",
    }
    values.update(overrides)
    return RiskInput.model_validate(values)


def rating_input(risk_id: int, tier: str = "inherent", **overrides: Any) -> RatingInput:
    values: dict[str, Any] = {
        "risk_id": risk_id,
        "tier": tier,
        "likelihood": 4,
        "severity": 4,
        "rationale": "Seen in the last quarterly fairness report.",
        "strength_of_knowledge": "medium",
    }
    values.update(overrides)
    return RatingInput.model_validate(values)
