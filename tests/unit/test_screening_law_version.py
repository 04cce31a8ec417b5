"""A screening remembers the law data it was made under: when the law changes (the EU AI Act
amended by the Digital Omnibus on AI, Colorado's SB 26-189), older screenings show as stale
with "the law changed" until the system is screened again."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.exports import build_export
from assessments.regulatory import current_law_versions, law_changes, law_version_text
from assessments.store import inventory as inventory_store
from assessments.store import screenings as store
from assessments.store.db import Database, utc_now
from tests.factories import system_input
from tests.support.migrations import columns, index_names, migrate_up_to
from tests.support.screening_answers import MINIMAL

MIGRATION = 10


@pytest.fixture
def system_id(db: Database) -> int:
    return inventory_store.create_system(db, "Ada", system_input()).id


def made_under(db: Database, screening_id: int, law_version: str | None) -> None:
    with db.cursor() as cursor:
        cursor.execute(
            "UPDATE screenings SET law_version = ? WHERE id = ?", [law_version, screening_id]
        )


def test_a_new_screening_records_todays_law_versions_and_is_not_stale(
    db: Database, system_id: int
) -> None:
    record = store.record_screening(db, "Ada", system_id, MINIMAL)
    assert record.law_version == law_version_text(current_law_versions())
    assert record.law_version == "colorado=2;eu_ai_act=2"
    assert record.outcome.law_version == record.law_version
    assert (record.stale, record.stale_reasons) == (False, [])


def test_a_screening_made_under_the_2024_text_is_stale_because_the_law_changed(
    db: Database, system_id: int
) -> None:
    record = store.record_screening(db, "Ada", system_id, MINIMAL)
    made_under(db, record.id, "colorado=2;eu_ai_act=1")
    stale = store.current_screening(db, system_id)
    assert stale is not None and stale.stale
    [reason] = stale.stale_reasons
    assert reason.startswith(
        "the law changed since this screening (EU AI Act: amended by the Digital Omnibus"
    )
    assert "Colorado" not in reason
    frame = store.overview(db, stale_only=True)
    assert frame["system_id"].tolist() == [system_id]


def test_screening_again_clears_it(db: Database, system_id: int) -> None:
    record = store.record_screening(db, "Ada", system_id, MINIMAL)
    made_under(db, record.id, "colorado=1;eu_ai_act=1")
    assert store.current_screening(db, system_id).stale  # type: ignore[union-attr]
    store.record_screening(db, "Ada", system_id, MINIMAL)
    assert not store.current_screening(db, system_id).stale  # type: ignore[union-attr]
    assert store.overview(db, stale_only=True).empty


def test_a_screening_with_no_recorded_version_counts_as_version_one() -> None:
    changes = law_changes(None)
    assert len(changes) == 2
    assert any(change.startswith("Colorado: SB 26-189 replaced SB 24-205") for change in changes)
    assert law_changes(law_version_text(current_law_versions())) == []


def test_the_obligations_export_names_stale_screenings_and_the_act_behind_each_date(
    db: Database, system_id: int
) -> None:
    answers = {
        **MINIMAL,
        "annex_iii_areas": ["employment"],
        "profiles_natural_persons": "yes",
        "already_on_market": "no",
        "public_authority": "no",
        "public_service_provider": "no",
    }
    record = store.record_screening(db, "Ada", system_id, answers)
    made_under(db, record.id, "colorado=1;eu_ai_act=1")
    frame = store.obligations_frame(db)
    duties = frame.set_index("obligation_id")
    assert str(duties.loc["deployer_duties", "applies_from"]) == "2027-12-02"
    assert duties.loc["deployer_duties", "date_set_by"] == "Digital Omnibus on AI (2026), in force"
    assert str(duties.loc["deployer_duties", "earlier_date"]) == "2026-08-02"
    assert set(frame["screening_stale"].str.startswith("the law changed")) == {True}
    assert build_export(db, "obligations", "csv").startswith(b"system_id,system,")


def test_migration_010_marks_earlier_screenings_as_made_under_version_one(
    empty_db_path: Path | str,
) -> None:
    old = Database(empty_db_path, migrate=False)
    migrate_up_to(old, MIGRATION - 1)
    with old.cursor() as cursor:
        cursor.execute(
            "INSERT INTO screenings (system_id, questionnaire_id, questionnaire_version, answers,"
            " result, risk_class, fria_required, colorado_covered, obligation_ids, screened_at,"
            " screened_by) VALUES (1, 'eu_ai_act_screening', '1.0', '{}', '{}', 'minimal_risk',"
            " false, NULL, ARRAY[]::VARCHAR[], ?, 'Ada')",
            [utc_now()],
        )
    old.close()
    migrated = Database(empty_db_path)
    assert "law_version" in columns(migrated, "current_screenings")
    assert migrated.query_rows("SELECT law_version FROM current_screenings") == [
        ("colorado=1;eu_ai_act=1",)
    ]
    assert "screenings_by_system" in index_names(migrated, "screenings")
    migrated.close()
