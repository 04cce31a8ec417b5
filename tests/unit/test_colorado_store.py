"""The store after SB 26-189: migration 009 renames `colorado_high_risk` to `colorado_covered`,
new screenings record coverage, and a screening stored under SB 24-205 still opens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import screenings as store
from assessments.store.db import Database, utc_now
from tests.factories import system_input
from tests.support.legacy_screening import insert_old_screening
from tests.support.migrations import columns, index_names, migrate_up_to

MIGRATION = 9


def test_migration_009_renames_the_column_keeping_values_view_and_index(
    empty_db_path: Path | str,
) -> None:
    old = Database(empty_db_path, migrate=False)
    migrate_up_to(old, MIGRATION - 1)
    assert "colorado_high_risk" in columns(old, "screenings")
    with old.cursor() as cursor:
        for system_id, high_risk in ((1, True), (2, None), (3, False)):
            cursor.execute(
                "INSERT INTO screenings (system_id, questionnaire_id, questionnaire_version,"
                " answers, result, risk_class, fria_required, colorado_high_risk,"
                " obligation_ids, screened_at, screened_by)"
                " VALUES (?, 'eu_ai_act_screening', '1.0', '{}', '{}', 'minimal_risk', false,"
                " ?, ARRAY[]::VARCHAR[], ?, 'Ada')",
                [system_id, high_risk, utc_now()],
            )
    old.close()

    migrated = Database(empty_db_path)
    versions = [row[0] for row in migrated.query_rows("SELECT version FROM schema_version")]
    assert MIGRATION in versions
    assert "colorado_covered" in columns(migrated, "screenings")
    assert "colorado_high_risk" not in columns(migrated, "screenings")
    assert "colorado_covered" in columns(migrated, "current_screenings")
    assert "position" not in columns(migrated, "current_screenings")
    covered = migrated.query_rows(
        "SELECT system_id, colorado_covered FROM current_screenings ORDER BY system_id"
    )
    assert covered == [(1, True), (2, None), (3, False)]
    assert "screenings_by_system" in index_names(migrated, "screenings")
    migrated.close()


def test_a_new_screening_records_coverage_in_the_row_and_the_audit_event(db: Database) -> None:
    system_id = inventory_store.create_system(db, "Ada", system_input()).id
    answers: dict[str, Any] = {"ai_system": "no"}
    record = store.record_screening(db, "Ada", system_id, answers)
    assert record.outcome.colorado is None
    row = db.query_one("SELECT colorado_covered FROM screenings WHERE id = ?", [record.id])
    assert row == (None,)
    event = audit_store.entity_history(db, "screening", record.id)[0]
    assert "colorado_covered" in event["after"] and "colorado_high_risk" not in event["after"]


def test_a_screening_stored_under_sb_24_205_opens_with_todays_keys(db: Database) -> None:
    system_id = inventory_store.create_system(db, "Ada", system_input()).id
    insert_old_screening(db, system_id)
    record = store.current_screening(db, system_id)
    assert record is not None
    assert record.answers["colorado_consumers"] is True
    assert record.answers["consequential_decision_areas"] == ["employment"]
    assert record.answers["materially_influences"] is True
    assert "colorado_applies" not in record.answers
    colorado = record.outcome.colorado
    assert colorado is not None and colorado.legacy and colorado.covered
    assert "repealed and never took effect" in colorado.reasons[0]
    rows = {row.item.id: row for row in store.checklist(db, system_id)}
    assert rows["colorado:impact_assessment"].item.regime == (
        "Colorado AI Act (SB 24-205, repealed)"
    )
    # A verdict under the repealed law sets no impact floor and is labelled as such.
    assert not store.screening_facts(db, system_id).colorado_covered  # type: ignore[union-attr]
    frame = store.overview(db)
    assert frame["colorado_covered"].tolist() == [True]
    assert frame["colorado_repealed_law"].tolist() == [True]


def test_the_demo_has_a_system_covered_by_sb_26_189_with_its_checklist(
    demo_db: Database,
) -> None:
    db = demo_db
    talent = inventory_store.find_system_by_name(db, "Talent Match CV Screening")
    assert talent is not None
    record = store.current_screening(db, talent.id)
    assert record is not None and record.outcome.colorado_covered
    rows = {row.item.id: row for row in store.checklist(db, talent.id)}
    notice = rows["colorado:point_of_interaction_notice"]
    assert notice.status == "in_progress" and notice.item.regime == "Colorado ADMT law"
    assert str(notice.item.applies_from) == "2027-01-01"
    assert rows["colorado:meaningful_human_review"].status == "in_progress"
    assert "colorado:impact_assessment" not in rows
