"""Valid inputs to build on in tests, so each test states only what it varies."""

from __future__ import annotations

from typing import Any

from assessments.inventory import AISystemInput


def system_input(**overrides: Any) -> AISystemInput:
    values: dict[str, Any] = {
        "name": "Loan Advisor",
        "purpose": "Suggests a loan product to a branch adviser.",
        "description": "A gradient-boosted model over the application form.",
        "owner": "Ada Park",
        "business_unit": "Lending",
        "roles": ["ai_user"],
        "lifecycle_stage": "operation_monitoring",
        "ai_technique": "machine_learning",
        "autonomy": "human_in_the_loop",
        "stakeholders": ["customers"],
        "personal_data": True,
        "special_category_data": False,
        "deployment_context": "customer_facing",
        "geography": ["EU"],
        "suppliers": [],
        "status": "active",
        "next_review": "2027-01-31",
    }
    values.update(overrides)
    return AISystemInput.model_validate(values)
