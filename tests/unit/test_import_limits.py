"""Hostile or careless import files get one plain line naming the limit, and nothing is written
(issue 12); a large valid import writes every record with its audit event."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from assessments import importing
from assessments.cli import main
from assessments.errors import ConflictError
from assessments.store import inventory as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.perf.bench import time_imports, write_import_file

SHEET = "xl/worksheets/sheet1.xml"


def import_file(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    code = main(["import", "inventory", str(path)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def refusal(err: str, path: Path) -> str:
    """The one line that says why nothing was imported; never a traceback."""
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith(". Nothing was imported.\n"), err
    return err.removesuffix(". Nothing was imported.\n")


def assert_nothing_written(db_path: Path) -> None:
    database = Database(db_path)
    try:
        assert database.query_one("SELECT count(*) FROM ai_systems")[0] == 0
        assert (
            database.query_one("SELECT count(*) FROM audit_events WHERE entity = 'ai_system'")[0]
            == 0
        )
    finally:
        database.close()


def refused(capsys: pytest.CaptureFixture[str], path: Path, db_path: Path) -> str:
    code, out, err = import_file(capsys, path)
    assert code == 1 and out == ""
    assert_nothing_written(db_path)
    return refusal(err, path)


def valid_csv(path: Path, rows: int) -> list[str]:
    """A valid inventory CSV of `rows` systems; returns its lines."""
    write_import_file(path, rows)
    return path.read_text(encoding="utf-8").splitlines()


def test_the_limits_are_the_documented_ones() -> None:
    assert importing.IMPORT_MAX_ROWS == 100_000
    assert importing.IMPORT_MAX_BYTES == 50_000_000
    assert importing.IMPORT_MAX_UNPACKED_BYTES == 50_000_000
    assert importing.IMPORT_MAX_ZIP_RATIO == 100
    assert importing.IMPORT_MAX_COLUMNS == 100
    assert importing.IMPORT_MAX_CELL_CHARS == 100_000


@pytest.mark.parametrize("length", [1_000_000, 100_001])
def test_a_cell_past_the_limit_is_refused_with_its_row(
    tmp_path: Path, db_path: Path, capsys, length: int
) -> None:
    """1 MB is past csv's own field limit (it raised _csv.Error); 100,001 is past ours."""
    header, first, second = valid_csv(tmp_path / "source.csv", 2)
    columns = header.split(",")
    cells = second.split(",")
    cells[columns.index("purpose")] = "x" * length
    path = tmp_path / "long-cell.csv"
    path.write_text("\n".join([header, first, ",".join(cells)]) + "\n", encoding="utf-8")

    line = refused(capsys, path, db_path)
    assert line.startswith("long-cell.csv: row 3")
    assert "longer than 100,000 characters" in line


@pytest.mark.parametrize(
    "content",
    [b"name,purpose\nnot a workbook\n", b"PK\x03\x04 a broken zip", "a zip without a workbook"],
)
def test_a_file_that_is_not_a_workbook_is_refused(
    tmp_path: Path, db_path: Path, capsys, content: bytes | str
) -> None:
    path = tmp_path / "inventory.xlsx"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", content)
    line = refused(capsys, path, db_path)
    assert "inventory.xlsx: the file is not a valid .xlsx workbook" in line


def write_bomb(path: Path, sheet_megabytes: int) -> None:
    """A real workbook whose first sheet is `sheet_megabytes` of one repeated row: a few KB of
    zip that unpacks to megabytes of XML."""
    template = path.with_name("template.xlsx")
    write_import_file(template, 1)
    row = '<row><c t="inlineStr"><is><t>bomb</t></is></c></row>' * 20_000
    with (
        zipfile.ZipFile(template) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for entry in source.infolist():
            if entry.filename != SHEET:
                bomb.writestr(entry, source.read(entry))
        with bomb.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet'
                b' xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            )
            chunk = row.encode()
            written = 0
            while written < sheet_megabytes * 1_000_000:
                sheet.write(chunk)
                written += len(chunk)
            sheet.write(b"</sheetData></worksheet>")


def never_opened(*args: object, **kwargs: object) -> None:
    raise AssertionError("openpyxl opened a workbook that should have been refused")


def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bomb.xlsx"
    write_bomb(path, 60)
    assert path.stat().st_size < 1_000_000
    monkeypatch.setattr("openpyxl.load_workbook", never_opened)
    line = refused(capsys, path, db_path)
    assert line.startswith("bomb.xlsx: the workbook unpacks to 60.")
    assert line.endswith("MB; an import workbook may unpack to at most 50.0 MB")


def test_a_workbook_claiming_an_absurd_compression_ratio_is_refused(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under the size limit, but no real workbook packs a thousand times smaller."""
    path = tmp_path / "dense.xlsx"
    write_bomb(path, 5)
    monkeypatch.setattr("openpyxl.load_workbook", never_opened)
    line = refused(capsys, path, db_path)
    assert "times its packed size (a real workbook stays under 100)" in line
    assert "possible zip bomb" in line


def test_rows_past_the_limit_are_refused_without_reading_on(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "IMPORT_MAX_ROWS", 5)
    lines = valid_csv(tmp_path / "source.csv", 7)
    path = tmp_path / "many.csv"
    # Row 9 holds a megabyte cell: reading on past the limit would report that instead.
    poison = lines[7].replace("Imported system", "x" * 1_000_000)
    path.write_text("\n".join([*lines[:7], poison]) + "\n", encoding="utf-8")
    line = refused(capsys, path, db_path)
    assert line == (
        "many.csv: the file has more than 5 data rows, the most one import takes; split it and"
        " import the parts one after another"
    )

    workbook = tmp_path / "many.xlsx"
    write_import_file(workbook, 6)
    assert "the file has more than 5 data rows" in refused(capsys, workbook, db_path)

    exactly = tmp_path / "five.xlsx"
    write_import_file(exactly, 5)
    code, out, _ = import_file(capsys, exactly)
    assert code == 0 and "5 created" in out


def test_a_file_larger_than_the_limit_is_refused_before_parsing(
    tmp_path: Path, db_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "IMPORT_MAX_BYTES", 1_000_000)
    path = tmp_path / "big.csv"
    path.write_bytes(b"\xff" * 1_200_000)  # not even UTF-8: the size is checked first
    line = refused(capsys, path, db_path)
    assert line == "big.csv: the file is 1.2 MB; an import file may be at most 1.0 MB"


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_csv_that_is_not_utf8_is_refused_naming_the_byte(
    tmp_path: Path, db_path: Path, capsys, bom: bytes
) -> None:
    header, first, second = valid_csv(tmp_path / "source.csv", 2)
    latin1 = "\n".join([header, first, second.replace("Owner", "Propriétaire")]) + "\n"
    data = bom + latin1.encode("latin-1")
    path = tmp_path / "latin1.csv"
    path.write_bytes(data)
    position = data.index("é".encode("latin-1"))
    line = refused(capsys, path, db_path)
    assert line == (
        f"latin1.csv: byte {position:,} (counting from 0, on line 3) is not UTF-8"
        " text; save the file as 'CSV UTF-8' and import it again"
    )


def test_a_header_wider_than_the_limit_is_refused(tmp_path: Path, db_path: Path, capsys) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"column{i}" for i in range(101)) + "\n" + "x," * 100 + "x\n")
    line = refused(capsys, path, db_path)
    assert line == "wide.csv: row 1 has 101 columns; an import file may have at most 100"


def test_two_thousand_rows_are_all_created_and_audited(
    tmp_path: Path, db_path: Path, capsys
) -> None:
    path = tmp_path / "inventory.csv"
    write_import_file(path, 2_000)
    code, out, _ = import_file(capsys, path)
    assert code == 0 and "2000 created, 0 updated, 0 unchanged" in out

    database = Database(db_path)
    try:
        stored = {system.id: system for system in store.all_systems(database)}
        events = database.query_rows(
            "SELECT entity_id, action, before_state, after_state, summary FROM audit_events"
            " WHERE entity = 'ai_system' ORDER BY id"
        )
    finally:
        database.close()
    assert len(stored) == 2_000 and len(events) == 2_000
    assert [int(entity_id) for entity_id, *_ in events] == sorted(stored)
    for entity_id, action, before, after, summary in events:
        system = stored[int(entity_id)]
        assert action == "create" and before is None and summary == f"Added {system.name}"
        assert json.loads(after) == system.model_dump(mode="json")
    code, out, _ = run_check(capsys)
    assert code == 0 and out.splitlines()[-1] == "OK"


def run_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_an_import_records_updates_as_an_edit_does(db: Database) -> None:
    """Created, updated and unchanged as before; an update's event has the record before and
    after and names the changed fields, and the name matches whatever the capitals."""
    kept = store.create_system(db, "Ada", system_input(name="Kept"))
    edited = store.create_system(db, "Ada", system_input(name="Edited"))
    before = edited.model_dump(mode="json")
    outcome = store.import_systems(
        db,
        "Importer",
        [
            system_input(name="New one"),
            system_input(name="EDITED", purpose="A changed purpose."),
            kept.as_input(),
        ],
    )
    assert (outcome.created, outcome.updated, outcome.unchanged) == (
        ["New one"],
        ["EDITED"],
        ["Kept"],
    )
    after = store.get_system(db, edited.id)
    assert after.name == "EDITED" and after.revision == 2 and after.updated_by == "Importer"
    created = store.find_system_by_name(db, "New one")
    assert created is not None and created.revision == 1
    events = db.query_rows(
        "SELECT action, entity_id, before_state, after_state, summary, actor FROM audit_events"
        " WHERE actor = 'Importer' ORDER BY id"
    )
    assert [(action, entity_id) for action, entity_id, *_ in events] == [
        ("create", str(created.id)),
        ("import", str(edited.id)),
    ]
    _, _, update_before, update_after, summary, _ = events[1]
    assert json.loads(update_before) == before
    assert json.loads(update_after) == after.model_dump(mode="json")
    assert summary == "Changed name, purpose"
    assert json.loads(events[0][3]) == created.model_dump(mode="json")


def test_an_import_naming_one_system_twice_writes_nothing(db: Database) -> None:
    with pytest.raises(ConflictError, match="'Twin' and 'TWIN' name the same AI system"):
        store.import_systems(db, "Ada", [system_input(name="Twin"), system_input(name="TWIN")])
    assert db.query_one("SELECT count(*) FROM ai_systems")[0] == 0


def test_the_benchmark_times_an_import_of_each_format(tmp_path: Path) -> None:
    csv_timing, xlsx_timing = time_imports(tmp_path, 20)
    assert (csv_timing.fmt, xlsx_timing.fmt) == ("csv", "xlsx")
    assert csv_timing.rows == xlsx_timing.rows == 20
    assert csv_timing.audit_complete and xlsx_timing.audit_complete
    assert csv_timing.command is not None and csv_timing.command > 0
    assert set(csv_timing.summary()) == {
        "rows",
        "seconds",
        "parse",
        "write",
        "audit_complete",
        "command",
    }
    assert "csv: 20 rows in" in csv_timing.line()


def test_a_long_bad_value_is_echoed_short_and_thousands_of_bad_rows_are_listed_briefly(
    tmp_path: Path, db_path: Path, capsys
) -> None:
    import csv

    source = tmp_path / "source.csv"
    valid_csv(source, 120)
    rows = list(csv.DictReader(source.read_text(encoding="utf-8").splitlines()))
    for row in rows:
        row["personal_data"] = "maybe " * 2_000
    target = tmp_path / "bad.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = import_file(capsys, target)
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == "bad.csv: nothing was imported; 120 problem(s):"
    assert len(lines) == 52 and lines[-1].startswith("... and 70 more")
    assert max(len(line) for line in lines) < 300
    assert_nothing_written(db_path)
