"""Shared fixtures: a fresh database per test, AppTest runs, and a live app for the browser."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from assessments.store.db import Database
from tests.support.live_app import LiveApp

# No test may depend on machine speed: property tests run without hypothesis' per-example
# deadline (200 ms by default), which a busy two-core CI machine overruns.
settings.register_profile("no_deadline", deadline=None)
settings.load_profile("no_deadline")

REPO = Path(__file__).resolve().parent.parent
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def db_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database file of this test's own, also exported as AIMS_DB for code that reads it."""
    path = tmp_path / "aims.duckdb"
    monkeypatch.setenv("AIMS_DB", str(path))
    return path


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database(db_path)
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio, loaded once per run into a file of its own (a load takes seconds);
    tests that start from the demo get a copy of it."""
    from assessments.demo import load_demo

    path = tmp_path_factory.mktemp("demo-template") / "demo.duckdb"
    database = Database(path)
    load_demo(database)
    database.close()
    return path


@pytest.fixture
def demo_db_path(db_path: Path, demo_template: Path) -> Path:
    """This test's database file (AIMS_DB), holding a copy of the demo portfolio."""
    shutil.copyfile(demo_template, db_path)
    return db_path


@pytest.fixture
def demo_db(demo_db_path: Path) -> Iterator[Database]:
    database = Database(demo_db_path)
    yield database
    database.close()


@pytest.fixture
def app_test(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Build an AppTest of app.py on this test's database (the cached connection is reset)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui.identity import ACTOR_STATE

    st.cache_resource.clear()
    # Page tests type a name (local mode); tests of sign-in set AIMS_AUTH, `at.secrets` and
    # `at.user` themselves.
    monkeypatch.setenv("AIMS_AUTH", "local")

    def make(page: str | None = None, actor: str | None = "Test User", **query: str) -> AppTest:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
        if actor:
            at.session_state[ACTOR_STATE] = actor
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if page:
            at.switch_page(page)
            at.run()
        return at

    yield make
    st.cache_resource.clear()


@pytest.fixture
def live_app_factory(tmp_path: Path) -> Iterator[Callable[..., LiveApp]]:
    """Start the app on a fresh database, optionally prepared by `prepare(Database)` first."""
    apps: list[LiveApp] = []

    def start(prepare: Callable[[Database], None] | None = None) -> LiveApp:
        db_file = tmp_path / f"live-{len(apps)}.duckdb"
        if prepare is not None:
            database = Database(db_file)
            prepare(database)
            database.close()
        # Browser tests type names (local mode) unless they sign in (test_sign_in_browser).
        app = LiveApp(db_file, env={"AIMS_AUTH": "local"})
        apps.append(app)
        return app

    yield start
    for app in apps:
        app.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's system Chromium driven by Playwright (no downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """With `-n 2` (pytest-xdist, --dist loadgroup) the browser tests run one after another on
    one worker, beside the domain and page tests on the other: two browsers and two servers at
    once would share two cores with nothing else left."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
