"""Reading YAML content files (questionnaires, law data, the risk library, the demo portfolio),
and YAML files people bring (answer files), which are checked before they are loaded.

PyYAML's C parser reads these files several times faster than its pure-Python one; the
constructor is the same safe one either way, so the result does not depend on which is there.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

from assessments.text import shorten

# The C-accelerated safe loader when PyYAML was built with libyaml, else the Python one.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """`yaml.safe_load`, through the fastest safe loader available."""
    return yaml.load(source, Loader=SafeLoader)


# --- Files people bring (answer files) -----------------------------------------------------------

# Explicit tags an answer file may use: the plain scalar types a hand-written file could want
# (`!!str 5`). Others (!!binary, !!set, !!timestamp, !!python/...) are refused: no answer needs
# them, and some make the safe constructor fail with errors that are not YAML errors.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null")
)


class UntrustedYAMLError(yaml.MarkedYAMLError):
    """YAML refused in a file people bring; `problem` says why, `problem_mark` where."""

    def __init__(self, problem: str, mark: Any) -> None:
        super().__init__(problem=problem, problem_mark=mark)


def load_untrusted(text: str, *, max_depth: int, loader: type[yaml.SafeLoader] = SafeLoader) -> Any:
    """A YAML file someone brought, read without what lets a small file do large harm.

    Refused (UntrustedYAMLError, a yaml.YAMLError): anchors and aliases, which let 500 bytes
    stand for a billion items ("billion laughs"); lists and mappings nested deeper than
    `max_depth`, which the C loader composes by recursion in C, with no Python recursion limit
    to stop it before the stack runs out; and explicit tags other than plain scalar types.

    The check reads the parser's events, which both the C and the Python loader produce one at a
    time, and stops at the first problem, so a hostile file costs a few events, not its whole
    size. Only then is the text loaded, with `loader`.
    """
    events = loader(text)
    try:
        depth = 0
        while events.check_event():
            event = events.get_event()
            if isinstance(event, yaml.AliasEvent):
                raise UntrustedYAMLError(
                    f"aliases (*{shorten(event.anchor, 40)}) are not allowed in answer files",
                    event.start_mark,
                )
            if isinstance(event, yaml.NodeEvent) and event.anchor is not None:
                raise UntrustedYAMLError(
                    f"anchors (&{shorten(event.anchor, 40)}) are not allowed in answer files",
                    event.start_mark,
                )
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _PLAIN_TAGS and tag != "!":
                raise UntrustedYAMLError(
                    f"tags such as {shorten(tag, 40)} are not allowed in answer files",
                    event.start_mark,
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > max_depth:
                    raise UntrustedYAMLError(
                        f"lists or mappings are nested more than {max_depth} levels deep",
                        event.start_mark,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        events.dispose()
    return yaml.load(text, Loader=loader)
