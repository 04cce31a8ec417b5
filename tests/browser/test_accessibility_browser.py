"""Accessibility: every page of the menu, with the demo portfolio loaded, passes axe-core's WCAG
2.1 A and AA rules with no critical or serious violation (colour contrast, names of widgets and
links, ARIA, keyboard access to scrolling regions ...).

One server and one browser tab visit the pages in turn; hidden pages open on a record of the
demo. A new hidden page needs its query here, or the test says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.store.db import Database
from assessments.store.impact import latest
from assessments.store.inventory import all_systems
from assessments.store.register import register_frame
from assessments.store.workshop_sessions import list_workshops
from tests.browser.helpers import assert_no_exception, wait_drawn
from tests.support.axe import axe_source, blocking, describe, run_axe
from tests.support.live_app import LiveApp
from ui.navigation import MENU

pytestmark = pytest.mark.browser

# (rule, CSS selector as axe reports it) -> why it cannot be fixed here. Only violations that come
# from Streamlit itself belong here, each with its reason.
ALLOWED: dict[tuple[str, str], str] = {}


def demo_queries(database: Database) -> dict[str, str]:
    """The query string each hidden page needs, naming a record of the demo."""
    systems = all_systems(database)
    system = systems[0].id
    response = next(found for s in systems if (found := latest(database, s.id)) is not None)
    risk = int(register_frame(database, limit=1).iloc[0]["risk_id"])
    workshop = int(list_workshops(database, limit=1).iloc[0]["id"])
    return {
        "system": f"id={system}",
        "risk": f"id={risk}",
        "impact_wizard": f"id={response.id}",
        "impact_result": f"id={response.id}",
        "screening": f"id={system}",
        "workshop_console": f"id={workshop}",
    }


def menu_paths(queries: dict[str, str]) -> list[str]:
    """Every page of the menu as a URL path, hidden pages with their record."""
    paths = []
    for entries in MENU.values():
        for entry in entries:
            stem = Path(entry.path).stem
            if entry.hidden:
                assert stem in queries, f"hidden page {stem}: add its demo record to demo_queries"
                paths.append(f"{stem}?{queries[stem]}")
            else:
                paths.append(stem)
    return paths


def test_every_page_passes_wcag_a_and_aa(browser, demo_db_path: Path) -> None:
    database = Database(demo_db_path)
    try:
        paths = menu_paths(demo_queries(database))
    finally:
        database.close()
    source = axe_source()
    app = LiveApp(demo_db_path, env={"AIMS_AUTH": "local"})
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    failures = []
    try:
        for path in paths:
            page.goto(f"{app.url}/{path}")
            wait_drawn(page, timeout=60_000)
            assert_no_exception(page)
            found = blocking(run_axe(page, source), ALLOWED)
            if found:
                failures.append(describe(f"/{path}", found))
    finally:
        page.close()
        app.stop()
    assert not failures, "critical or serious WCAG 2.1 A/AA violations:\n" + "\n".join(failures)
