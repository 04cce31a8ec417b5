"""What `python -m assessments export <what>` can write, and the pages' download buttons too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assessments.reports.tabular import encode
from assessments.store.db import Database
from assessments.store.inventory import export_frame as inventory_frame


@dataclass(frozen=True)
class Export:
    formats: tuple[str, ...]
    build: Callable[[Database, str], bytes]
    file_stem: str


def _inventory(database: Database, fmt: str) -> bytes:
    return encode(inventory_frame(database), fmt, sheet="AI systems")


# Each feature registers its exports here.
EXPORTS: dict[str, Export] = {
    "inventory": Export(("csv", "json", "xlsx"), _inventory, "ai-inventory"),
}


def build_export(database: Database, what: str, fmt: str) -> bytes:
    export = EXPORTS.get(what)
    if export is None:
        raise ValueError(f"Unknown export '{what}'; choose one of {', '.join(EXPORTS)}")
    if fmt not in export.formats:
        raise ValueError(f"'{what}' exports as {', '.join(export.formats)}, not '{fmt}'")
    return export.build(database, fmt)
