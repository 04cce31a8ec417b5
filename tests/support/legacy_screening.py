"""A screening as the workbench stored it under SB 24-205 (questionnaire 1.0), written straight
into the store: the old Colorado answer keys, the old result shape, an old checklist item. Tests
use it to show that such a screening still opens after SB 26-189 replaced that law."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from assessments.regulatory import evaluate
from assessments.store.db import Database

# The answers of a screening made under questionnaire 1.0 (SB 24-205 keys, legal_services).
OLD_ANSWERS: dict[str, Any] = {
    "ai_system": False,
    "colorado_applies": True,
    "colorado_areas": ["employment", "legal_services"],
    "colorado_substantial_factor": True,
}
# The Colorado part of a result as SB 24-205 screenings stored it.
OLD_COLORADO_RESULT: dict[str, Any] = {
    "high_risk": True,
    "areas": ["employment", "legal_services"],
    "reasons": [
        "High-risk under the Colorado AI Act because it makes, or is a substantial factor in, "
        'consequential decisions in the area "Employment or an employment opportunity".'
    ],
    "deployer_duties": [
        {
            "id": "impact_assessment",
            "title": "Impact assessment",
            "summary": "Complete an impact assessment of each high-risk system.",
            "frequency": "Before deployment, then at least once a year",
        }
    ],
    "developer_duties": [],
    "impact_assessment_elements": [
        {"id": "input_and_output_data", "title": "Data in and out", "maps_to_section": "data"}
    ],
}
OLD_CHECKLIST_ITEM: dict[str, Any] = {
    "id": "colorado:impact_assessment",
    "article": "C.R.S. 6-1-1703(3)",
    "title": "Impact assessment",
    "summary": "Complete an impact assessment of each high-risk system.",
    "applies_from": "2026-06-30",
    "roles": ["deployer"],
    "source": "Colorado SB 24-205 as amended by SB 25B-004",
    "last_checked": "2026-11-28",
    "regime": "Colorado AI Act",
    "frequency": "Before deployment, then at least once a year",
}


def old_result() -> dict[str, Any]:
    """A stored result of questionnaire 1.0: today's EU part of a non-AI system (the EU AI Act
    is not what this is about) with the SB 24-205 Colorado part and checklist item."""
    result = evaluate({"ai_system": "no"}).model_dump(mode="json")
    result.update(
        questionnaire_version="1.0",
        colorado=OLD_COLORADO_RESULT,
        checklist=[*result["checklist"], OLD_CHECKLIST_ITEM],
    )
    result.pop("law_version", None)
    return result


def insert_old_screening(database: Database, system_id: int) -> int:
    """Write the old screening row straight into today's table with no law version recorded:
    history being planted, not a change made through the store's write path (the row as
    migration 010 found it is in test_screening_v1_upgrade)."""
    result = old_result()
    with database.cursor() as cursor:
        row = cursor.execute(
            "INSERT INTO screenings (system_id, questionnaire_id, questionnaire_version, answers,"
            " result, risk_class, fria_required, colorado_covered, obligation_ids, note,"
            " screened_at, screened_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [
                system_id,
                "eu_ai_act_screening",
                "1.0",
                json.dumps(OLD_ANSWERS),
                json.dumps(result),
                result["eu"]["class"],
                False,
                True,
                [item["id"] for item in result["checklist"]],
                "Screened before SB 26-189",
                datetime(2026, 6, 1, 9, 0),
                "Ada",
            ],
        ).fetchone()
    assert row is not None
    return int(row[0])
