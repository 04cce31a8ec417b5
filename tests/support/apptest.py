"""Checks every AppTest of a page shares."""

from __future__ import annotations

from typing import Any


def no_exceptions(at: Any) -> None:
    """The run raised nothing: the message lists what it raised, for the failure report."""
    assert not at.exception, [item.value for item in at.exception]
