"""Answer files people bring: screening answers and impact answers on the command line, impact
answers uploaded in the app.

One size limit and one nesting limit for all of them, checked before anything is parsed, so a
small hostile file cannot take the memory or the time of the machine; every refusal is one line
that names the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from assessments.errors import WorkbenchError
from assessments.text import shorten
from assessments.yaml_io import SafeLoader, UntrustedYAMLError, load_untrusted

# The largest answer file read. The app's own answer files are a few kilobytes; the upload
# limit in .streamlit/config.toml (server.maxUploadSize, in MB) sits just above this.
ANSWER_FILE_MAX_MB = 1
ANSWER_FILE_MAX_BYTES = ANSWER_FILE_MAX_MB * 1024 * 1024
ANSWER_FILE_MAX_SIZE_TEXT = f"{ANSWER_FILE_MAX_MB} MB"
# Lists and mappings inside one another: an impact answer file needs four levels (answers,
# a table question, its row, its column); nothing legitimate comes near this.
ANSWER_FILE_MAX_DEPTH = 32
# How much of an uploaded file's name a message repeats.
_NAME_LIMIT = 120


class AnswerFileRefused(WorkbenchError, ValueError):
    """An answer file refused as a whole before its answers are read (too large, not UTF-8,
    nested too deeply, aliases); the message is one line naming the file."""


def read_answer_bytes(path: str | Path) -> bytes:
    """At most one byte more than the limit of a file, so a huge file (or /dev/zero) is never
    read whole; OSError as `open` raises it, for the caller to word."""
    with Path(path).open("rb") as handle:
        return handle.read(ANSWER_FILE_MAX_BYTES + 1)


def check_answer_file_size(size: int, name: str) -> None:
    """AnswerFileRefused when `size` bytes is more than an answer file may be."""
    if size > ANSWER_FILE_MAX_BYTES:
        raise AnswerFileRefused(
            f"{shorten(name, _NAME_LIMIT)} is larger than {ANSWER_FILE_MAX_SIZE_TEXT}, "
            "the limit for an answer file; nothing was read"
        )


def answer_text(data: bytes, name: str) -> str:
    """The text of an answer file's bytes: refused when too large or not UTF-8 (a byte order
    mark, as some editors write, is dropped). Never decoded with replacement characters, which
    would silently change the answers."""
    check_answer_file_size(len(data), name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnswerFileRefused(
            f"{shorten(name, _NAME_LIMIT)} is not UTF-8 text (byte {error.start}); save it as UTF-8"
        ) from None


def _too_deep(name: str) -> AnswerFileRefused:
    return AnswerFileRefused(
        f"{shorten(name, _NAME_LIMIT)}: lists or mappings are nested more than "
        f"{ANSWER_FILE_MAX_DEPTH} levels deep"
    )


def _unreadable_value(name: str, error: Exception) -> AnswerFileRefused:
    return AnswerFileRefused(
        f"{shorten(name, _NAME_LIMIT)} has a value that cannot be read ({shorten(str(error), 80)})"
    )


def _deeper_than(data: Any, limit: int) -> bool:
    """Whether lists and mappings nest more than `limit` levels (without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth + 1 > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def load_answer_json(text: str, name: str = "the answer file") -> Any:
    """The JSON of an answer file. json.JSONDecodeError is raised as json raises it (each caller
    words it); nesting too deep and values Python cannot hold (a 5,000-digit number) are
    AnswerFileRefused."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise _too_deep(name) from None
    except ValueError as error:
        raise _unreadable_value(name, error) from None
    if _deeper_than(data, ANSWER_FILE_MAX_DEPTH):
        raise _too_deep(name)
    return data


def load_answer_yaml(
    text: str, name: str = "the answer file", loader: type[yaml.SafeLoader] = SafeLoader
) -> Any:
    """The YAML of an answer file, read with `loader` once aliases, anchors, tags and deep
    nesting are ruled out (yaml_io.load_untrusted): those are AnswerFileRefused, and so are
    values the constructor cannot build (month 13, a 5,000-digit number). Other yaml.YAMLError
    (syntax) is raised for the caller to word."""
    try:
        return load_untrusted(text, max_depth=ANSWER_FILE_MAX_DEPTH, loader=loader)
    except UntrustedYAMLError as error:
        # Valid YAML, refused: said as a refusal, not as a syntax error.
        raise AnswerFileRefused(
            f"{shorten(name, _NAME_LIMIT)}: {error.problem} (line {error.problem_mark.line + 1})"
        ) from None
    except yaml.YAMLError:
        raise
    except RecursionError:
        raise _too_deep(name) from None
    except (ValueError, TypeError, AttributeError, OverflowError) as error:
        raise _unreadable_value(name, error) from None
