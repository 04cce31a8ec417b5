"""Hostile user text in a real browser: the Risk register and the Risk criteria page (where
st.table once read it as Markdown) show it as text, with no image fetched and no hidden link.

The AppTest check (tests/pages/test_markup_injection.py) covers every page with a CommonMark
renderer; this one confirms it with Streamlit's own renderer on the two pages of the report.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from assessments.store.db import Database
from tests.browser.helpers import assert_no_exception, wait_idle
from tests.support.hostile_text import EVIL_HOST, PROBE_HOST, seed_hostile_world
from tests.support.live_app import LiveApp

pytestmark = pytest.mark.browser


def injected_markup(page: Page) -> list[str]:
    """Images from the probe address, links to it or to the outside site whose text is not
    their own address (a disguised link), and the hostile text's bold or colour."""
    return page.evaluate(
        """([evil, probe]) => {
            const found = [];
            for (const img of document.querySelectorAll('img')) {
                if (img.src.includes(probe) || img.src.includes(evil)) found.push('img ' + img.src);
            }
            for (const a of document.querySelectorAll('a[href]')) {
                const href = a.getAttribute('href');
                const text = a.textContent.trim();
                let shown = href;
                try { shown = decodeURI(href); } catch (error) { shown = href; }
                const ownAddress = shown.startsWith(text) || text.startsWith(shown);
                if ((href.includes(evil) || href.includes(probe)) && !ownAddress) {
                    found.push('link ' + href + ' as ' + JSON.stringify(text));
                }
            }
            for (const b of document.querySelectorAll('b, strong, span[class*="colored"]')) {
                if (b.textContent.trim() === 'x') found.push(b.tagName + ' x');
            }
            return found;
        }""",
        [EVIL_HOST, PROBE_HOST],
    )


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """One app for the module: the pages only read the seeded text."""
    db_file = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    database = Database(db_file)
    seed_hostile_world(database)
    database.close()
    app = LiveApp(db_file, env={"AIMS_AUTH": "local"})
    yield app
    app.stop()


@pytest.mark.parametrize("path", ["register", "register?system=1", "criteria"])
def test_hostile_text_is_shown_as_text(browser, hostile_app: LiveApp, path: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.goto(f"{hostile_app.url}/{path}")
    wait_idle(page, timeout=60_000)
    assert_no_exception(page)
    assert page.get_by_text(EVIL_HOST, exact=False).count() > 0, "the hostile text is not shown"
    assert injected_markup(page) == []
    assert not [url for url in requests if PROBE_HOST in url or EVIL_HOST in url]
    context.close()
