"""User text made literal for Markdown: the one escaper behind pages and Markdown reports; and
user values quoted short in messages (`echo`)."""

from __future__ import annotations

import re
import reprlib
from collections.abc import Sequence

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


# --- Markdown files (minutes and other downloads) -------------------------------------------------

# In a Markdown file people read and copy the raw text, so only what Markdown would act on is
# escaped: emphasis, code, links and images, HTML, tables, strikethrough and headings. A '_'
# inside a word never starts emphasis (file_name, URLs) and stays as typed; so do '.', ':', '(',
# '-' and the rest of punctuation, and nothing invisible is added.
_FILE_SPECIAL = re.compile(r"[\\`*\[\]<>#|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])|&(?=#?\w+;)")
# What would make a line a list item, a quote, a thematic break or a setext heading underline.
_LINE_START_MARKER = re.compile(r"^(\d{1,9})([.)])(?=\s|$)|^([-+=])")


def _escape_file_line(line: str, line_start: bool = True) -> str:
    # Leading indentation would make the line a code block: it is dropped.
    escaped = _FILE_SPECIAL.sub(lambda match: "\\" + match.group(0), line.lstrip(" \t"))
    if not line_start:
        return escaped
    return _LINE_START_MARKER.sub(
        lambda match: (
            f"{match.group(1)}\\{match.group(2)}" if match.group(1) else "\\" + match.group(3)
        ),
        escaped,
    )


def escape_markdown_file(text: object) -> str:
    """User text for a Markdown file: literal when rendered, and as typed when read raw.

    Unlike `escape_markdown` (for Streamlit pages), dates, colons, parentheses and words with
    '_' are left alone, and each line is guarded against list, quote and heading markers.
    """
    return "\n".join(_escape_file_line(line) for line in str(text).splitlines() or [""])


def escape_markdown_file_line(text: object, *, line_start: bool = True) -> str:
    """As `escape_markdown_file`, on one line (list items, table cells, headings).

    `line_start=False` for text that follows other text on its line (after "Rationale: ", in a
    table cell or a heading), where list and quote markers mean nothing and stay as typed.
    """
    return _escape_file_line(" ".join(str(text).split()), line_start)


# --- Values quoted in messages --------------------------------------------------------------------

# A message that names a value from a file or a form quotes at most this many characters of it:
# a 10,000-character answer (or a whole nested structure) must not become a 10,000-character line.
ECHO_LIMIT = 200
ELLIPSIS = "\u2026"

# Bounded work whatever the size of the value: a few items of each container, a few levels deep.
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 3
_SHORT_REPR.maxdict = _SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = 8
_SHORT_REPR.maxset = _SHORT_REPR.maxfrozenset = 8
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _SHORT_REPR.maxlong = ECHO_LIMIT


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """The text cut to `limit` characters, with an ellipsis when something was cut."""
    return text if len(text) <= limit else text[:limit] + ELLIPSIS


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value the person gave, quoted as `repr` quotes it, in at most `limit` characters plus
    an ellipsis: what messages use instead of `{value!r}`, so they stay one short line."""
    if isinstance(value, str):
        # Cut before quoting: repr of a megabyte string would copy the megabyte first.
        return shorten(repr(value[: limit + 1]), limit)
    try:
        quoted = _SHORT_REPR.repr(value)
    except ValueError:  # an integer too long to print
        quoted = f"<a {type(value).__name__} too long to show>"
    return shorten(quoted, limit)


def first_few(items: Sequence[str], limit: int = 10, separator: str = "; ") -> str:
    """The first `limit` items joined, and how many more there are: a file with 100,000 bad
    answers gets a message of ten, not a message of 100,000."""
    shown = separator.join(items[:limit])
    hidden = len(items) - limit
    return shown + (f"{separator}and {hidden:,} more" if hidden > 0 else "")
