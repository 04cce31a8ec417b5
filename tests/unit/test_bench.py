"""The benchmark harness (the benchmark itself is too slow for `make test`: `make bench`)."""

from __future__ import annotations

import json

from assessments.cli import build_parser, main
from tests.perf.bench import BenchResult, PageTiming, run_bench


def test_summary_has_the_shape_the_issue_asks_for() -> None:
    result = BenchResult(
        timings={
            "S": {"portfolio": PageTiming(warm=80.0, cold=120.0)},
            "M": {"portfolio": PageTiming(warm=90.0, cold=300.0)},
            "L": {"portfolio": PageTiming(warm=100.0, cold=400.0)},
        },
        floor_ms=40.0,
        memory_mb={"rss": 320.0, "peak": 350.0},
    )
    assert result.summary() == {
        "pages": {"portfolio": {"S": 80.0, "M": 90.0, "L": 100.0, "L_cold": 400.0, "floor": 40.0}}
    }
    text = "\n".join(result.lines())
    assert "warm L/S 1.25 (met <= 1.5)" in text
    assert "server memory 320 MB (met < 500)" in text


def test_a_tiny_run_times_every_page_warm_and_cold(tmp_path, monkeypatch) -> None:
    """Two synthetic systems instead of the demo, one run of each kind: the harness works."""
    monkeypatch.delenv("AIMS_DB", raising=False)
    result = run_bench(
        scales={"T": (False, 2)}, workdir=tmp_path, repeats=1, cold_runs=1, memory=False
    )
    assert result.scales["T"]["systems"] == 2
    timings = result.timings["T"]
    assert set(timings) == {"portfolio", "trends", "register"}
    assert all(timing.warm > 0 and timing.cold and timing.cold > 0 for timing in timings.values())
    assert result.floor_ms > 0
    summary = result.summary()["pages"]["portfolio"]
    assert set(summary) == {"T", "T_cold", "floor"}
    json.dumps(result.summary())


def test_unknown_scale_is_a_bad_command(capfd) -> None:
    """The command starts the harness (tests/perf/bench.py) and passes its refusal through."""
    assert main(["bench", "--scales", "XL"]) == 2
    assert "Unknown scale XL" in capfd.readouterr().err


def test_the_command_hands_every_option_to_the_harness() -> None:
    from assessments.bench import harness_arguments

    args = build_parser().parse_args(
        ["bench", "--json", "--scales", "S,M", "--repeats", "3", "--cold", "2", "--no-memory"]
    )
    assert harness_arguments(args) == [
        "--scales",
        "S,M",
        "--repeats",
        "3",
        "--cold",
        "2",
        "--json",
        "--no-memory",
        "--store",
        "duckdb",
    ]
    defaults = build_parser().parse_args(["bench", "--workdir", "/tmp/bench"])
    assert harness_arguments(defaults) == [
        "--scales",
        "S,M,L",
        "--repeats",
        "7",
        "--cold",
        "5",
        "--workdir",
        "/tmp/bench",
        "--store",
        "duckdb",
    ]
