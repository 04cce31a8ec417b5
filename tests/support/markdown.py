"""Read page text the way a person sees it: Markdown escapes of user text removed."""

from __future__ import annotations

import re


def as_shown(markdown: str) -> str:
    """The text with backslash escapes and the invisible word joiners of `escape_markdown`
    removed."""
    return re.sub(r"\\(.)", r"\1", str(markdown)).replace("\u2060", "")
