"""A workshop keeps what each round was about: the risk's title and description as they read
when the round opened. Editing the risk afterwards changes the register, never the minutes, the
console, the members' screens or the export of a workshop that already rated it."""

from __future__ import annotations

import json
from pathlib import Path

from assessments.exports import build_export
from assessments.reports.minutes import minutes_markdown, minutes_pdf
from assessments.store import inventory, workshop_consensus, workshop_sessions, workshop_votes
from assessments.store import risks as risk_store
from assessments.store.db import Database, utc_now
from assessments.store.schema import seed
from assessments.workshops import ConsensusInput, JoinInput, VoteInput, WorkshopInput
from tests.factories import system_input
from tests.risk_factories import risk_input
from tests.support.migrations import columns, migrate_up_to

FACILITATOR = "Helena Brandt"
OLD_TITLE = "Unequal error rates for older applicants"
OLD_DESCRIPTION = "The model was trained mostly on younger applicants."
NEW_TITLE = "Renamed after the workshop"
NEW_DESCRIPTION = "Rewritten after the workshop."


def plain_text(markdown: str) -> str:
    """Markdown minutes as a person reads them (escapes and word joiners removed)."""
    return markdown.replace("\\", "").replace("\u2060", "")


def new_workshop(db: Database, risk_ids: list[int], system_id: int) -> tuple[int, str, str]:
    created = workshop_sessions.create_workshop(
        db,
        FACILITATOR,
        WorkshopInput(
            title="Quarterly review",
            facilitator=FACILITATOR,
            system_ids=[system_id],
            risk_ids=risk_ids,
        ),
    )
    return created.workshop.id, created.workshop.code, created.facilitator_key


def edit_risk(db: Database, risk_id: int, **changes: str) -> None:
    risk = risk_store.get_risk(db, risk_id)
    risk_store.update_risk(db, "Ada", risk_id, risk_input(risk.system_id, **changes), risk.revision)


def test_minutes_console_and_export_keep_the_text_the_round_was_rated_on(db: Database) -> None:
    system = inventory.create_system(db, "Ada", system_input())
    rated = risk_store.create_risk(db, "Ada", risk_input(system.id)).id
    waiting = risk_store.create_risk(db, "Ada", risk_input(system.id, title="Not reached")).id
    workshop_id, code, key = new_workshop(db, [rated, waiting], system.id)
    token = workshop_sessions.join_workshop(db, code, JoinInput(name="Bo")).token
    workshop_votes.go_to_item(db, FACILITATOR, workshop_id, key, rated)
    workshop_votes.submit_vote(db, code, token, rated, 1, VoteInput(likelihood=3, severity=3))
    workshop_votes.reveal_votes(db, FACILITATOR, workshop_id, key, rated)
    workshop_consensus.record_consensus(
        db,
        FACILITATOR,
        workshop_id,
        key,
        rated,
        ConsensusInput(likelihood=3, severity=3, rationale="As voted."),
    )

    edit_risk(db, rated, title=NEW_TITLE, description=NEW_DESCRIPTION)
    edit_risk(db, waiting, title="Not reached, renamed")

    assert risk_store.get_risk(db, rated).title == NEW_TITLE, "the register has the new text"
    items = {item.risk_id: item for item in workshop_sessions.workshop_items(db, workshop_id)}
    assert (items[rated].title, items[rated].description) == (OLD_TITLE, OLD_DESCRIPTION)
    assert items[waiting].title == "Not reached, renamed", "an item never opened reads the risk"

    minutes = plain_text(minutes_markdown(workshop_consensus.workshop_record(db, workshop_id)))
    assert OLD_TITLE in minutes and OLD_DESCRIPTION in minutes
    assert NEW_TITLE not in minutes and NEW_DESCRIPTION not in minutes
    assert minutes_pdf(workshop_consensus.workshop_record(db, workshop_id)).startswith(b"%PDF")

    [exported] = json.loads(build_export(db, "workshops", "json"))
    titles = {item["risk_id"]: item["title"] for item in exported["items"]}
    assert titles[rated] == OLD_TITLE


def test_each_round_keeps_the_text_it_opened_with(db: Database) -> None:
    """A title clarified between two rounds: the second round (the one the consensus follows)
    shows the clarified text, and an edit after it changes nothing."""
    system = inventory.create_system(db, "Ada", system_input())
    risk_id = risk_store.create_risk(db, "Ada", risk_input(system.id)).id
    workshop_id, code, key = new_workshop(db, [risk_id], system.id)
    token = workshop_sessions.join_workshop(db, code, JoinInput(name="Bo")).token
    workshop_votes.go_to_item(db, FACILITATOR, workshop_id, key, risk_id)
    workshop_votes.submit_vote(db, code, token, risk_id, 1, VoteInput(likelihood=2, severity=2))
    workshop_votes.reveal_votes(db, FACILITATOR, workshop_id, key, risk_id)
    edit_risk(db, risk_id, title="Clarified in the room")
    [during] = workshop_sessions.workshop_items(db, workshop_id)
    assert during.title == OLD_TITLE, "the open round keeps its text on every screen"

    workshop_votes.start_new_round(db, FACILITATOR, workshop_id, key, risk_id)
    edit_risk(db, risk_id, title=NEW_TITLE)
    [after] = workshop_sessions.workshop_items(db, workshop_id)
    assert after.title == "Clarified in the room"
    kept = db.query_rows(
        "SELECT round, title FROM workshop_rounds WHERE workshop_id = ? ORDER BY round",
        [workshop_id],
    )
    assert kept == [(1, OLD_TITLE), (2, "Clarified in the room")]


def test_migration_011_backfills_rounds_opened_before_it(empty_db_path: Path | str) -> None:
    path = empty_db_path
    old = Database(path, migrate=False)
    migrate_up_to(old, 10)
    seed(old)
    system = inventory.create_system(old, "Ada", system_input())
    opened = risk_store.create_risk(old, "Ada", risk_input(system.id)).id
    unopened = risk_store.create_risk(old, "Ada", risk_input(system.id, title="Later")).id
    workshop_id, _, _ = new_workshop(old, [opened, unopened], system.id)
    with old.cursor() as cursor:  # a round opened by the code of schema 010
        cursor.execute(
            "INSERT INTO workshop_events (workshop_id, kind, risk_id, round, occurred_at, actor)"
            " VALUES (?, 'focus', ?, NULL, ?, ?), (?, 'open_round', ?, 1, ?, ?)",
            [workshop_id, opened, utc_now(), FACILITATOR] * 2,
        )
        cursor.execute(
            "INSERT INTO workshop_rounds (workshop_id, risk_id, round, criteria_version,"
            " opened_at) VALUES (?, ?, 1, 1, ?)",
            [workshop_id, opened, utc_now()],
        )
    assert "title" not in columns(old, "workshop_rounds")
    edit_risk(old, opened, title="Renamed after the round, before the upgrade")
    old.close()

    migrated = Database(path)
    try:
        assert migrated.query_rows(
            "SELECT risk_id, round, title, description FROM workshop_rounds"
        ) == [(opened, 1, OLD_TITLE, OLD_DESCRIPTION)], "the text the audit trail had then"
        edit_risk(migrated, opened, title=NEW_TITLE, description=NEW_DESCRIPTION)
        edit_risk(migrated, unopened, title="Later, renamed")
        items = {
            item.risk_id: item for item in workshop_sessions.workshop_items(migrated, workshop_id)
        }
        assert (items[opened].title, items[opened].description) == (OLD_TITLE, OLD_DESCRIPTION)
        assert items[unopened].title == "Later, renamed"
    finally:
        migrated.close()
