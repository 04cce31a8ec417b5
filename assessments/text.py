"""User text made literal for Markdown: the one escaper behind pages and Markdown reports."""

from __future__ import annotations

import re

# The colon is escaped too: Streamlit turns :name: into emoji and :colour[...] into coloured
# text. (Bare web addresses still become links, opened in a new tab; nothing invisible is
# inserted into the text, so what people copy is what they typed.)
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$:])")


def escape_markdown(text: object) -> str:
    """The text shown as typed: never bold, headings, Markdown links, images or HTML."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def escape_markdown_line(text: object) -> str:
    """As `escape_markdown`, on one line (for table cells and list items in Markdown files)."""
    return escape_markdown(" ".join(str(text).split()))
