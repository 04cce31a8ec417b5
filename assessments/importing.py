"""Importing the inventory from CSV or XLSX: every row validated before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assessments.inventory import PLAUSIBLE_DATES, AISystemInput, field_errors, system_fields
from assessments.reports.tabular import ReadLimits, UnreadableFile, read_rows
from assessments.store.inventory import EXPORT_CLASS, EXPORT_ID
from assessments.text import echo

# What one import file may hold (README, command line); a file past a limit is refused in one
# line naming it, before anything is written.
IMPORT_MAX_BYTES = 50_000_000  # the file on disk, checked before parsing
IMPORT_MAX_UNPACKED_BYTES = 50_000_000  # an .xlsx unpacked, from its zip directory
IMPORT_MAX_ZIP_RATIO = 100  # unpacked / packed size of any part of an .xlsx (real ones: ~15)
IMPORT_MAX_ROWS = 100_000  # data rows (blank rows are skipped)
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_CELL_CHARS = 100_000  # far above any field's own limit, which validation names

# The columns of a file are the model's fields, each named by its key or its label (any
# capitals); the fields the model requires must be there. The export's derived columns (id and
# the EU AI Act class of the current screening) are ignored.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in system_fields() if spec.required)
IGNORED_COLUMNS = {EXPORT_ID, EXPORT_CLASS}
TRUE_WORDS = {"true", "yes", "y", "1"}
FALSE_WORDS = {"false", "no", "n", "0", ""}


@dataclass(frozen=True)
class RowError:
    """One problem, located the way a spreadsheet user finds it: row number and column."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class ImportFileError(Exception):
    """The file cannot be imported; `errors` lists every bad row, column and reason."""

    def __init__(self, errors: list[RowError], message: str | None = None) -> None:
        self.errors = errors
        lines = [str(error) for error in errors]
        super().__init__(message or "\n".join(lines))


def _boolean(text: str, row: int, column: str, errors: list[RowError]) -> bool | None:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(RowError(row, column, f"{echo(text)} is not true or false"))
    return None


def _field_names() -> dict[str, str]:
    """Column name (lower case) -> field: each field by its key and by its label."""
    names = {spec.label.lower(): spec.name for spec in system_fields()}
    return names | {spec.name: spec.name for spec in system_fields()}


def import_limits() -> ReadLimits:
    """The IMPORT_MAX_* limits, read when an import starts (tests may lower them)."""
    return ReadLimits(
        max_file_bytes=IMPORT_MAX_BYTES,
        max_unpacked_bytes=IMPORT_MAX_UNPACKED_BYTES,
        max_zip_ratio=IMPORT_MAX_ZIP_RATIO,
        max_rows=IMPORT_MAX_ROWS,
        max_columns=IMPORT_MAX_COLUMNS,
        max_cell_chars=IMPORT_MAX_CELL_CHARS,
    )


def parse_inventory(path: Path) -> list[AISystemInput]:
    """Validated systems from the file, or ImportFileError naming every bad row and column.

    Rows are numbered as a spreadsheet shows them: the header is row 1.
    """
    try:
        rows = read_rows(path, import_limits())
    except UnreadableFile as error:
        raise ImportFileError([], f"{path.name}: {error}") from error
    except OSError as error:
        reason = error.strerror or str(error)
        raise ImportFileError([], f"{path.name}: cannot read the file ({reason})") from error
    if not rows:
        raise ImportFileError([], f"{path.name}: the file has no data rows")
    fields = _field_names()
    header = list(rows[0])
    present = {fields.get(column.strip().lower()) for column in header}
    missing = [column for column in REQUIRED_COLUMNS if column not in present]
    unknown = sorted(
        column
        for column in header
        if column not in IGNORED_COLUMNS and column.strip().lower() not in fields
    )
    header_errors = [RowError(1, column, "required column is missing") for column in missing]
    header_errors += [RowError(1, column, "unknown column") for column in unknown]
    first: dict[str, str] = {}
    for column in header:
        field = fields.get(column.strip().lower())
        if field in first:
            header_errors.append(RowError(1, column, f"names the same field as {first[field]}"))
        elif field:
            first[field] = column
    if header_errors:
        raise ImportFileError(header_errors)

    errors: list[RowError] = []
    systems: list[AISystemInput] = []
    seen_names: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        values: dict[str, object] = {
            fields[key.strip().lower()]: value
            for key, value in row.items()
            if key not in IGNORED_COLUMNS
        }
        row_errors: list[RowError] = []
        for spec in system_fields():
            if spec.name not in values:
                continue
            if values[spec.name] == "" and not spec.required:
                values.pop(spec.name)  # an empty cell of an optional field: its default
            elif spec.kind == "flag":
                values[spec.name] = _boolean(str(values[spec.name]), index, spec.name, row_errors)
        name_key = str(values.get("name", "")).strip().lower()
        if name_key and name_key in seen_names:
            row_errors.append(
                RowError(index, "name", f"the same name is already on row {seen_names[name_key]}")
            )
        elif name_key:
            seen_names[name_key] = index
        if not row_errors:
            try:
                systems.append(
                    AISystemInput.model_validate(values, context={PLAUSIBLE_DATES: True})
                )
            except ValidationError as error:
                row_errors.extend(
                    RowError(index, column, reason)
                    for column, reason in field_errors(error, values).items()
                )
        errors.extend(row_errors)
    if errors:
        raise ImportFileError(errors)
    return systems
