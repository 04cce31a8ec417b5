"""Importing the inventory from CSV or XLSX: every row validated before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assessments.inventory import PLAUSIBLE_DATES, AISystemInput, field_errors
from assessments.reports.tabular import ReadLimits, UnreadableFile, read_rows
from assessments.text import echo

# What one import file may hold (README, command line); a file past a limit is refused in one
# line naming it, before anything is written.
IMPORT_MAX_BYTES = 50_000_000  # the file on disk, checked before parsing
IMPORT_MAX_UNPACKED_BYTES = 50_000_000  # an .xlsx unpacked, from its zip directory
IMPORT_MAX_ZIP_RATIO = 100  # unpacked / packed size of any part of an .xlsx (real ones: ~15)
IMPORT_MAX_ROWS = 100_000  # data rows (blank rows are skipped)
IMPORT_MAX_COLUMNS = 100
IMPORT_MAX_CELL_CHARS = 100_000  # far above any field's own limit, which validation names

REQUIRED_COLUMNS = (
    "name",
    "purpose",
    "owner",
    "business_unit",
    "roles",
    "lifecycle_stage",
    "ai_technique",
    "autonomy",
    "stakeholders",
    "personal_data",
    "deployment_context",
)
IGNORED_COLUMNS = {"id", "eu_ai_act_class"}
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
    columns = set(rows[0])
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    known = set(AISystemInput.model_fields) | IGNORED_COLUMNS
    unknown = sorted(column for column in columns if column not in known)
    header_errors = [RowError(1, column, "required column is missing") for column in missing]
    header_errors += [RowError(1, column, "unknown column") for column in unknown]
    if header_errors:
        raise ImportFileError(header_errors)

    errors: list[RowError] = []
    systems: list[AISystemInput] = []
    seen_names: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        values: dict[str, object] = {
            key: value for key, value in row.items() if key not in IGNORED_COLUMNS
        }
        row_errors: list[RowError] = []
        for column in ("personal_data", "special_category_data"):
            if column in values:
                values[column] = _boolean(str(values[column]), index, column, row_errors)
        if values.get("next_review") == "":
            values["next_review"] = None
        if values.get("status") == "":
            values.pop("status")
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
