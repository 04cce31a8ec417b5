"""Helpers shared by the test suite and the benchmark (no tests here)."""
