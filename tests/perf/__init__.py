"""Performance tooling: the benchmark harness (`python -m assessments bench`), not collected as
tests (it has no test functions)."""
