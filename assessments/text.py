"""User text made literal for Markdown: the one escaper behind pages and Markdown reports."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$])")
# Streamlit turns :name: into emoji, :colour[...] into coloured text and :material/x: into
# icons; an escaped colon followed by an invisible word joiner stops all three.
_WORD_JOINER = "\u2060"


def escape_markdown(text: object) -> str:
    """The text shown exactly as typed, never interpreted as markup, links, images or HTML."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))
    return escaped.replace(":", "\\:" + _WORD_JOINER)


def escape_markdown_line(text: object) -> str:
    """As `escape_markdown`, on one line (for table cells and list items in Markdown files)."""
    return escape_markdown(" ".join(str(text).split()))
