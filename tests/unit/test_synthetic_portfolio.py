"""The synthetic portfolio: counts, levels from the criteria, a current-rating table that agrees
with the history, one audit event per table and batch, and a health check that still passes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from assessments.cli import main
from assessments.store import health
from assessments.store.db import Database
from assessments.store.synthetic import NAME_PREFIX, generate_portfolio


@pytest.fixture
def generated(db: Database):
    return generate_portfolio(db, 12, seed=5)


def test_counts_are_about_twenty_risks_and_ten_ratings_each(db: Database, generated) -> None:
    assert generated.systems == 12
    assert 15 * 12 <= generated.risks <= 25 * 12
    assert 8 * generated.risks <= generated.ratings <= 12 * generated.risks
    systems = db.query_one(f"SELECT count(*) FROM ai_systems WHERE name LIKE '{NAME_PREFIX}%'")
    assert systems[0] == 12
    per_risk = db.query_one(
        "SELECT min(n), max(n) FROM (SELECT risk_id, count(*) AS n FROM risk_ratings"
        " GROUP BY risk_id)"
    )
    assert per_risk == (8, 12)
    tiers = db.query_one(
        "SELECT count(*) FROM (SELECT risk_id FROM risk_ratings GROUP BY risk_id"
        " HAVING count(DISTINCT tier) = 3)"
    )
    assert tiers[0] == generated.risks  # every risk has all three tiers rated
    span = db.query_one(
        "SELECT CAST(max(rated_at) AS DATE) - CAST(min(rated_at) AS DATE), max(rated_at)"
        " FROM risk_ratings"
    )
    assert 600 <= span[0] <= 730 and span[1] <= datetime.now(UTC).replace(tzinfo=None)


def test_levels_come_from_the_current_criteria(db: Database, generated) -> None:
    mismatched = db.query_one(
        "SELECT count(*) FROM risk_ratings r JOIN criteria_cells c"
        " ON c.version = r.criteria_version AND c.likelihood = r.likelihood"
        " AND c.severity = r.severity"
        " WHERE c.level <> r.level OR c.level_rank <> r.level_rank"
    )
    versions = db.query_rows("SELECT DISTINCT criteria_version FROM risk_ratings")
    assert mismatched[0] == 0 and versions == [(1,)]


def test_the_current_table_is_the_latest_of_the_history(db: Database, generated) -> None:
    differing = db.query_one(
        "WITH latest AS (SELECT DISTINCT ON (risk_id, tier) * FROM risk_ratings"
        " ORDER BY risk_id, tier, rated_at DESC, id DESC)"
        " SELECT count(*) FROM latest l FULL JOIN risk_current_ratings c"
        " ON c.risk_id = l.risk_id AND c.tier = l.tier"
        " WHERE c.rating_id IS DISTINCT FROM l.id OR c.level IS DISTINCT FROM l.level"
        " OR c.rated_at IS DISTINCT FROM l.rated_at"
    )
    assert differing[0] == 0
    current = db.query_one("SELECT count(*) FROM risk_current_ratings")
    assert current[0] == 3 * generated.risks


def test_actions_and_acceptances_are_plausible(db: Database, generated) -> None:
    assert generated.actions > 0 and generated.acceptances > 0
    bad_actions = db.query_one(
        "SELECT count(*) FROM risk_actions WHERE (status = 'done') <> (completed_at IS NOT NULL)"
    )
    assert bad_actions[0] == 0
    # Every acceptance accepts a current residual rating above the appetite, for a year.
    bad_acceptances = db.query_one(
        "SELECT count(*) FROM risk_acceptances a JOIN risk_current_ratings c"
        " ON c.rating_id = a.rating_id AND c.tier = 'residual'"
        " JOIN risks r ON r.id = a.risk_id"
        " LEFT JOIN criteria_appetite g ON g.version = 1 AND g.harm_category = ''"
        " LEFT JOIN criteria_appetite t ON t.version = 1 AND t.harm_category = r.harm_category"
        " WHERE a.level_rank <= coalesce(t.max_rank, g.max_rank)"
        " OR a.valid_until <> a.approved_at + 365"
    )
    accepted = db.query_one(
        "SELECT count(*) FROM risk_acceptances a JOIN risk_current_ratings c"
        " ON c.rating_id = a.rating_id"
    )
    assert bad_acceptances[0] == 0 and accepted[0] == generated.acceptances


def test_one_audit_event_per_table_and_the_check_passes(db: Database, generated) -> None:
    events = db.query_records(
        "SELECT entity, entity_id, after_state FROM audit_events WHERE action = 'generate'"
        " ORDER BY entity"
    )
    assert [event["entity"] for event in events] == [
        "ai_system",
        "risk",
        "risk_acceptance",
        "risk_action",
        "risk_rating",
    ]
    for event in events:
        state = json.loads(event["after_state"])
        assert state["last_id"] - state["first_id"] + 1 == state["count"]
        assert event["entity_id"] == f"{state['first_id']}-{state['last_id']}"
    risks = json.loads(next(e for e in events if e["entity"] == "risk")["after_state"])
    assert risks["count"] == generated.risks and risks["seed"] == 5
    report = health.check(db)
    assert report.ok, report.lines()


def test_rows_outside_a_generated_range_still_need_their_own_event(db: Database) -> None:
    generate_portfolio(db, 2)

    # Written past the audited path on purpose (Database.write refuses unaudited writes).
    columns = [
        row[0]
        for row in db.query_rows(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = 'ai_systems' ORDER BY ordinal_position"
        )
    ]
    changed = {"id": "id + 1000", "name": "name || ' copy'"}
    copied = ", ".join(changed.get(column, column) for column in columns)
    with db.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO ai_systems ({', '.join(columns)}) SELECT {copied}"
            " FROM ai_systems WHERE id = (SELECT min(id) FROM ai_systems)"
        )
    report = health.check(db)
    assert report.unaudited["ai_system"] == 1 and not report.ok


def test_generating_again_adds_only_what_is_missing(db: Database, generated) -> None:
    again = generate_portfolio(db, 12, seed=5)
    assert again.total == 0
    grown = generate_portfolio(db, 14, seed=5)
    assert grown.systems == 2 and grown.risks > 0
    names = db.query_rows(
        f"SELECT name FROM ai_systems WHERE name LIKE '{NAME_PREFIX}%' ORDER BY name"
    )
    assert names[-1][0] == f"{NAME_PREFIX}00014" and len(names) == 14
    assert health.check(db).ok


def test_the_same_seed_gives_the_same_portfolio(tmp_path) -> None:
    shapes = []
    for name in ("one", "two"):
        database = Database(tmp_path / f"{name}.duckdb")
        generate_portfolio(database, 3, seed=11)
        shapes.append(
            database.query_rows(
                "SELECT s.name, r.title, g.tier, g.likelihood, g.severity, g.level"
                " FROM risk_ratings g JOIN risks r ON r.id = g.risk_id"
                " JOIN ai_systems s ON s.id = r.system_id ORDER BY s.name, r.origin, g.rated_at,"
                " g.tier"
            )
        )
        database.close()
    assert shapes[0] == shapes[1]


def test_demo_command_generates_systems(db_path, capsys) -> None:
    assert main(["demo", "--systems", "3"]) == 0
    output = capsys.readouterr().out
    assert "Synthetic portfolio: 3 AI systems" in output
    assert main(["check"]) == 0
    with pytest.raises(SystemExit):
        main(["demo", "--systems", "-1"])
