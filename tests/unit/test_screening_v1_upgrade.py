"""A screening saved by the workbench before the law changed, opened after migrations 009 and
010: the answers and result in tests/unit/fixtures/screening_v1.json were produced by the
questionnaire 1.0 procedure itself (EU AI Act data version 1, Colorado SB 24-205), for a
high-risk hiring system deployed by a public body and used in Colorado."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from assessments.store import inventory as inventory_store
from assessments.store import screenings as store
from assessments.store.db import Database, utc_now
from tests.factories import system_input
from tests.support.migrations import migrate_up_to

FIXTURE = Path(__file__).parent / "fixtures" / "screening_v1.json"


def saved_before_the_law_changed(path: Path | str) -> int:
    """A database at migration 008 holding one screening exactly as version 1 stored it."""
    saved: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    old = Database(path, migrate=False)
    migrate_up_to(old, 8)
    system_id = inventory_store.create_system(old, "Ada", system_input(name="Hiring Screen")).id
    result = saved["result"]
    with old.cursor() as cursor:
        cursor.execute(
            "INSERT INTO screenings (system_id, questionnaire_id, questionnaire_version, answers,"
            " result, risk_class, fria_required, colorado_high_risk, obligation_ids, note,"
            " screened_at, screened_by) VALUES (?, 'eu_ai_act_screening', '1.0', ?, ?, ?, ?,"
            " ?, ?, '', ?, 'Ada')",
            [
                system_id,
                json.dumps(saved["answers"]),
                json.dumps(result),
                result["eu"]["class"],
                result["eu"]["fria_required"],
                result["colorado"]["high_risk"],
                [item["id"] for item in result["checklist"]],
                utc_now(),
            ],
        )
        cursor.execute(
            "INSERT INTO obligation_updates (system_id, obligation_id, status, owner, evidence,"
            " updated_at, updated_by) VALUES (?, 'deployer_duties', 'in_progress', 'Ada', '', ?,"
            " 'Ada')",
            [system_id, utc_now()],
        )
    old.close()
    return system_id


def test_a_version_1_screening_opens_stale_with_its_own_dates_and_no_repealed_floor(
    empty_db_path: Path | str,
) -> None:
    path = empty_db_path
    system_id = saved_before_the_law_changed(path)
    database = Database(path)
    record = store.current_screening(database, system_id)
    assert record is not None and record.risk_class == "high_risk"
    assert record.law_version == "colorado=1;eu_ai_act=1"
    [reason] = record.stale_reasons
    assert reason.startswith("the law changed since this screening (EU AI Act: amended")
    assert "; Colorado: SB 26-189 replaced SB 24-205" in reason
    # The stored result is kept as it was decided: the 2024 dates, no date_set_by.
    duties = {item.id: item for item in record.outcome.eu.obligations}
    assert duties["deployer_duties"].applies_from == date(2026, 8, 2)
    assert duties["deployer_duties"].date_set_by is None
    # Old answers read under today's keys; the repealed law's verdict sets no impact floor.
    assert record.answers["colorado_consumers"] is True
    assert record.outcome.colorado is not None and record.outcome.colorado.legacy
    facts = store.screening_facts(database, system_id)
    assert facts is not None
    assert (facts.eu_class, facts.fria_required, facts.colorado_covered) == (
        "high_risk",
        True,
        False,
    )

    checklist = {row.item.id: row for row in store.checklist(database, system_id)}
    assert checklist["deployer_duties"].status == "in_progress"
    assert checklist["colorado:impact_assessment"].item.regime.endswith("(SB 24-205, repealed)")

    overview = store.overview(database).set_index("system_id")
    assert bool(overview.loc[system_id, "stale"]) and bool(overview.loc[system_id, "law_changed"])
    assert bool(overview.loc[system_id, "colorado_repealed_law"])
    exported = store.obligations_frame(database)
    assert len(exported) == len(record.outcome.checklist)
    assert set(exported["screening_stale"].str.startswith("the law changed")) == {True}
    database.close()
