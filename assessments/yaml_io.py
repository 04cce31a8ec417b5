"""Reading YAML content files (questionnaires, law data, the risk library, the demo portfolio).

PyYAML's C parser reads these files several times faster than its pure-Python one; the
constructor is the same safe one either way, so the result does not depend on which is there.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

# The C-accelerated safe loader when PyYAML was built with libyaml, else the Python one.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """`yaml.safe_load`, through the fastest safe loader available."""
    return yaml.load(source, Loader=SafeLoader)
