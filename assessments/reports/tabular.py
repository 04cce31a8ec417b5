"""Tables to CSV, JSON and XLSX bytes, and CSV or XLSX files back to rows.

Every export (inventory, risks, ratings, SoA, ...) goes through here, so the formats behave the
same everywhere: UTF-8 CSV with a header, JSON as a list of objects, XLSX with a bold, frozen
header and sensible column widths.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

FORMATS = ("csv", "json", "xlsx")
# Spreadsheets run a cell that starts with one of these as a formula ("CSV injection").
FORMULA_STARTS = ("=", "+", "@", "\t", "\r")
# User text is never a formula or a link in our workbooks.
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}


def neutral_text(text: str) -> str:
    """Text a spreadsheet shows as typed: a leading formula character gets a quote prefix."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore_text(text: str) -> str:
    """The inverse of `neutral_text`, for reading our own CSV files back."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def _plain(value: Any) -> Any:
    """A cell value as a JSON/CSV-friendly Python value (no NaN, no pandas types)."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().isoformat()
    if isinstance(value, datetime | date):
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
    return json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")


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


def read_rows(path: Path) -> list[dict[str, str]]:
    """A CSV or XLSX file as a list of {column: text} (header row first), for importing."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return [
                {
                    key.strip(): restore_text(value or "")
                    for key, value in row.items()
                    if key is not None
                }
                for row in csv.DictReader(handle)
            ]
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    raise ValueError(f"{path.name}: import reads .csv or .xlsx files, not '{suffix or path.name}'")


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


def _read_xlsx(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        return []
    names = [str(name).strip() if name is not None else "" for name in header]
    result = []
    for row in rows:
        if row is None or all(cell is None or str(cell).strip() == "" for cell in row):
            continue
        result.append(
            {name: _xlsx_text(cell) for name, cell in zip(names, row, strict=False) if name}
        )
    workbook.close()
    return result
