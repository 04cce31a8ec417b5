"""Tables to CSV, JSON and XLSX bytes, and CSV or XLSX files back to rows.

Every export (inventory, risks, ratings, SoA, ...) goes through here, so the formats behave the
same everywhere: UTF-8 CSV with a header, JSON as a list of objects, XLSX with a bold, frozen
header and sensible column widths.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from assessments.dates import export_timestamp

FORMATS = ("csv", "json", "xlsx")
# Spreadsheets run a cell that starts with one of these as a formula ("CSV injection"; the
# OWASP list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number (negative, decimal, exponent) is data, not a formula: it stays as it is.
_PLAIN_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
# User text is never a formula or a link in our workbooks.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}


def _needs_quote(text: str) -> bool:
    """True for text a spreadsheet would run, and for text that already looks neutralised (so
    reading our own file back gives exactly what was written)."""
    if text.startswith("'"):
        return _needs_quote(text[1:])
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


def neutral_text(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading formula character gets a quote prefix."""
    return "'" + text if _needs_quote(text) else text


def restore_text(text: str) -> str:
    """The inverse of `neutral_text`, for reading our own CSV files back."""
    if text.startswith("'") and _needs_quote(text[1:]):
        return text[1:]
    return text


def _json_default(value: Any) -> Any:
    """For JSON: timestamps in the export format, dates as ISO days, anything else as text."""
    if isinstance(value, datetime):
        return export_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _plain(value: Any) -> Any:
    """A cell value as a JSON/CSV-friendly Python value (no NaN, no pandas types)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return export_timestamp(value.to_pydatetime())
    if isinstance(value, datetime):
        return export_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts, in column order."""
    columns = list(frame.columns)
    return [
        {column: _plain(value) for column, value in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _text_cell(value: Any) -> str:
    """A cell as text: empty for missing, true/false, JSON for lists and mappings."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _csv_cell(value: Any) -> str:
    return neutral_text(_text_cell(value))


def to_csv(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        writer.writerow([_csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def to_json(frame_or_records: pd.DataFrame | list[dict[str, Any]]) -> bytes:
    data = (
        records(frame_or_records)
        if isinstance(frame_or_records, pd.DataFrame)
        else frame_or_records
    )
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default).encode("utf-8")


def to_xlsx(
    sheets: dict[str, pd.DataFrame],
    *,
    title: str | None = None,
    wrap_columns: Iterable[str] = (),
) -> bytes:
    """One formatted worksheet per frame: bold frozen header, filters, readable widths."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DCE8E6", "border": 1, "text_wrap": True, "valign": "top"}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    top = workbook.add_format({"valign": "top"})
    wrapped = set(wrap_columns)
    if title:
        workbook.set_properties({"title": title})
    for sheet_name, frame in sheets.items():
        sheet = workbook.add_worksheet(sheet_name[:31])
        columns = list(frame.columns)
        for column_index, column in enumerate(columns):
            sheet.write(0, column_index, column, header)
        for row_index, row in enumerate(frame.itertuples(index=False, name=None), start=1):
            for column_index, value in enumerate(row):
                cell = _text_cell(value) if not isinstance(_plain(value), int | float) else value
                if isinstance(_plain(value), bool):
                    cell = "true" if value else "false"
                style = wrap if columns[column_index] in wrapped else top
                sheet.write(row_index, column_index, cell, style)
        for column_index, column in enumerate(columns):
            longest = max(
                [len(str(column))] + [len(_text_cell(value)) for value in frame[column].head(200)]
            )
            width = 60 if column in wrapped else min(max(10, longest + 2), 45)
            sheet.set_column(column_index, column_index, width)
        sheet.freeze_panes(1, 0)
        if columns:
            sheet.autofilter(0, 0, max(len(frame), 1), len(columns) - 1)
    workbook.close()
    return buffer.getvalue()


def encode(frame: pd.DataFrame, fmt: str, *, sheet: str = "data") -> bytes:
    """The frame in one of FORMATS."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "json":
        return to_json(frame)
    if fmt == "xlsx":
        return to_xlsx({sheet: frame})
    raise ValueError(f"Unknown format '{fmt}'; use one of {', '.join(FORMATS)}")


@dataclass(frozen=True)
class ReadLimits:
    """How much one file may hold: a hostile or mistaken file (a zip bomb, a megabyte cell,
    millions of rows) is refused before it can take the machine's memory or minutes of CPU."""

    max_file_bytes: int
    max_unpacked_bytes: int
    max_zip_ratio: int
    max_rows: int
    max_columns: int
    max_cell_chars: int


class UnreadableFile(ValueError):
    """The file cannot be read as a table, or goes past a ReadLimits limit (one plain line)."""


# A worksheet has at most this many rows; openpyxl fills any gap up to the row number a file
# names, so reading stops here whatever a hostile file claims.
EXCEL_MAX_ROWS = 1_048_576
_UTF8_BOM = b"\xef\xbb\xbf"
# csv's own default field limit (131,072) lies above any sensible ReadLimits.max_cell_chars:
# reaching it always means "a cell is too long".
_CSV_FIELD_LIMIT_ERROR = "field larger than field limit"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def read_rows(path: Path, limits: ReadLimits) -> list[dict[str, str]]:
    """A CSV or XLSX file as a list of {column: text} (header row first), for importing.

    Raises UnreadableFile, with one line naming the row or the limit, for a file that is not
    what its name says or that goes past `limits`; sizes are checked before anything is parsed.
    """
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".xlsx", ".xlsm"}:
        raise UnreadableFile(f"import reads .csv or .xlsx files, not '{suffix or path.name}'")
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            f"the file is {_megabytes(size)}; an import file may be at most"
            f" {_megabytes(limits.max_file_bytes)}"
        )
    if suffix == ".csv":
        return _read_csv(path, limits)
    return _read_xlsx(path, limits)


def _too_many_rows(limits: ReadLimits) -> UnreadableFile:
    return UnreadableFile(
        f"the file has more than {limits.max_rows:,} data rows, the most one import takes;"
        " split it and import the parts one after another"
    )


def _check_columns(count: int, limits: ReadLimits) -> None:
    if count > limits.max_columns:
        raise UnreadableFile(
            f"row 1 has {count:,} columns; an import file may have at most {limits.max_columns:,}"
        )


def _check_cell(text: str, row: int, column: str, limits: ReadLimits) -> None:
    if len(text) > limits.max_cell_chars:
        where = f"row {row}, column {column[:40]}" if column else f"row {row}"
        raise UnreadableFile(
            f"{where}: the cell is longer than {limits.max_cell_chars:,} characters, the most"
            " an import cell may hold"
        )


def _utf8_text(data: bytes) -> str:
    """The bytes as text; the first byte that is not UTF-8 is named by position and line."""
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        return str(memoryview(data)[start:], "utf-8")
    except UnicodeDecodeError as error:
        position = start + error.start
        line = data.count(b"\n", 0, position) + 1
        raise UnreadableFile(
            f"byte {position:,} (counting from 0, on line {line:,}) is not UTF-8 text; save the"
            " file as 'CSV UTF-8' and import it again"
        ) from None


def _read_csv(path: Path, limits: ReadLimits) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV (a byte-order mark is allowed); blank lines are skipped and reading
    stops at the first row past the limit."""
    reader = csv.reader(io.StringIO(_utf8_text(path.read_bytes()), newline=""))
    result: list[dict[str, str]] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        _check_columns(len(header), limits)
        for cell in header:
            _check_cell(cell, 1, "", limits)
        for record in reader:
            if not record:
                continue
            if len(result) >= limits.max_rows:
                raise _too_many_rows(limits)
            row_number = len(result) + 2
            row: dict[str, str] = {}
            for index, name in enumerate(header):
                value = record[index] if index < len(record) else ""
                _check_cell(value, row_number, name, limits)
                row[name] = restore_text(value)
            result.append(row)
    except csv.Error as error:
        row_number = len(result) + 2
        if _CSV_FIELD_LIMIT_ERROR in str(error):
            raise UnreadableFile(
                f"row {row_number}: a cell is longer than {limits.max_cell_chars:,} characters,"
                " the most an import cell may hold"
            ) from None
        raise UnreadableFile(f"row {row_number}: not readable as CSV ({error})") from None
    return result


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_NOT_A_WORKBOOK = (
    "the file is not a valid .xlsx workbook (damaged, password-protected or an old .xls?);"
    " open it in Excel, save it as .xlsx and import it again"
)
# What openpyxl and zipfile raise on a damaged workbook (XML errors are SyntaxError subclasses).
_BROKEN_WORKBOOK = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    AttributeError,
    SyntaxError,
)


def _check_archive(path: Path, limits: ReadLimits) -> None:
    """Refuse a zip bomb from the sizes its directory declares, before anything is unpacked
    (zipfile never unpacks more than an entry declares: a lie ends in a CRC error)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise UnreadableFile(_NOT_A_WORKBOOK) from None
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise UnreadableFile(
            f"the workbook unpacks to {_megabytes(unpacked)}; an import workbook may unpack to at"
            f" most {_megabytes(limits.max_unpacked_bytes)}"
        )
    for entry in entries:
        if entry.file_size > limits.max_zip_ratio * max(entry.compress_size, 1):
            ratio = entry.file_size // max(entry.compress_size, 1)
            raise UnreadableFile(
                f"a part of the workbook claims to unpack to {ratio:,} times its packed size"
                f" (a real workbook stays under {limits.max_zip_ratio:,}); refused as a"
                " possible zip bomb"
            )


def _read_xlsx(path: Path, limits: ReadLimits) -> list[dict[str, str]]:
    """Rows of the first worksheet; blank rows are skipped, reading stops at the first row past
    the limit, and no row is read wider than the header."""
    from openpyxl import load_workbook

    _check_archive(path, limits)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except _BROKEN_WORKBOOK:
        raise UnreadableFile(_NOT_A_WORKBOOK) from None
    try:
        return _worksheet_rows(workbook.worksheets[0], limits)
    except UnreadableFile:
        raise
    except _BROKEN_WORKBOOK:
        raise UnreadableFile(_NOT_A_WORKBOOK) from None
    finally:
        workbook.close()


def _worksheet_rows(sheet: Any, limits: ReadLimits) -> list[dict[str, str]]:
    header = next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), None)
    names = [str(name).strip() if name is not None else "" for name in header or ()]
    while names and not names[-1]:
        names.pop()
    if not names:
        return []
    _check_columns(len(names), limits)
    for name in names:
        _check_cell(name, 1, "", limits)
    result: list[dict[str, str]] = []
    rows = sheet.iter_rows(min_row=2, max_row=EXCEL_MAX_ROWS, max_col=len(names), values_only=True)
    for row_number, row in enumerate(rows, start=2):
        if row.count(None) == len(row) or all(
            cell is None or str(cell).strip() == "" for cell in row
        ):
            continue
        if len(result) >= limits.max_rows:
            raise _too_many_rows(limits)
        values: dict[str, str] = {}
        for name, cell in zip(names, row, strict=False):
            if name:
                text = _xlsx_text(cell)
                _check_cell(text, row_number, name, limits)
                values[name] = text
        result.append(values)
    return result
