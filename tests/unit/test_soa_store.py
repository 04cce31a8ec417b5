"""SoA and readiness storage: versions, the dated view, derived links, the fix, exports, demo."""

from __future__ import annotations

import io
import json
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from assessments import catalog, cli
from assessments.compliance import load_view, readiness_export, soa_export
from assessments.demo import DEMO_STEPS, load_demo
from assessments.errors import ConflictError
from assessments.risks import TreatmentInput
from assessments.soa import ReadinessInput, SoAEntryInput
from assessments.soa_demo import load_soa
from assessments.store import risks as risk_store
from assessments.store import soa as store
from assessments.store.audit import entity_history
from assessments.store.db import Database, Transaction
from assessments.store.health import check
from assessments.store.inventory import create_system
from tests.factories import system_input
from tests.risk_factories import risk_input

ACTOR = "Ada Park"


def line(control_id: str = "A.6.2.4", **overrides: Any) -> SoAEntryInput:
    values: dict[str, Any] = {
        "control_id": control_id,
        "applicable": True,
        "inclusion_reasons": ["legal"],
        "status": "planned",
        "owner": "Ada Park",
    }
    values.update(overrides)
    return SoAEntryInput.model_validate(values)


def excluded(control_id: str) -> SoAEntryInput:
    return line(
        control_id,
        applicable=False,
        status="not_applicable",
        exclusion_reason="We supply no AI to customer organisations.",
    )


def treat(db: Database, controls: list[str], title: str = "A treated risk") -> int:
    """A risk on a fresh system whose treatment uses `controls`; returns the risk id."""
    system = create_system(db, ACTOR, system_input(name=f"System for {title}"))
    risk = risk_store.create_risk(db, ACTOR, risk_input(system.id, title=title))
    risk_store.set_treatment(
        db, ACTOR, risk.id, TreatmentInput(option="change_likelihood", controls=controls)
    )
    return risk.id


def count(db: Database, table: str) -> int:
    row = db.query_one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


# Versions


def test_every_change_is_a_new_version_with_its_audit_event(db: Database) -> None:
    first = store.save_entry(db, ACTOR, line(), expected_entry_id=store.NO_ENTRY)
    assert first is not None and first.changed_by == ACTOR
    second = store.save_entry(
        db, "Grace Hopper", line(status="implemented", evidence="Report"), first.id
    )
    assert second is not None and second.id != first.id
    assert count(db, "soa_entries") == 2
    current = store.current_entries(db)
    assert list(current) == ["A.6.2.4"] and current["A.6.2.4"].status == "implemented"
    history = store.entry_history(db, "A.6.2.4")
    assert history["status"].tolist() == ["implemented", "planned"]
    events = entity_history(db, store.SOA_ENTITY, "A.6.2.4")
    assert [(event["action"], event["actor"]) for event in events] == [
        ("create", ACTOR),
        ("update", "Grace Hopper"),
    ]
    assert events[1]["before"]["status"] == "planned"
    assert events[1]["after"]["status"] == "implemented"


def test_saving_an_unchanged_line_writes_nothing(db: Database) -> None:
    store.save_entry(db, ACTOR, line())
    events = count(db, "audit_events")
    assert store.save_entry(db, ACTOR, line()) is None
    assert count(db, "soa_entries") == 1 and count(db, "audit_events") == events


def test_a_stale_edit_is_refused_not_overwritten(db: Database) -> None:
    first = store.save_entry(db, ACTOR, line())
    assert first is not None
    store.save_entry(db, "Grace Hopper", line(status="partial"), first.id)
    with pytest.raises(ConflictError, match=r"Grace Hopper changed A\.6\.2\.4"):
        store.save_entry(db, ACTOR, line(status="implemented", evidence="x"), first.id)
    with pytest.raises(ConflictError):
        store.save_entry(db, ACTOR, line(status="implemented", evidence="x"), store.NO_ENTRY)
    assert store.current_entries(db)["A.6.2.4"].status == "partial"


def _backdated(db: Database, data: SoAEntryInput, when: datetime) -> None:
    def work(transaction: Transaction) -> None:
        store.insert_entry(transaction, data, changed_at=when)

    db.write(ACTOR, work)


def test_the_soa_as_it_stood_on_a_date(db: Database) -> None:
    _backdated(db, line(status="planned"), datetime(2026, 3, 1, 10))
    _backdated(db, excluded("A.10.4"), datetime(2026, 3, 1, 23, 59))
    _backdated(db, line(status="partial"), datetime(2026, 6, 2, 8))
    _backdated(db, line(status="implemented", evidence="Report"), datetime(2026, 9, 30, 12))

    assert store.current_entries(db, date(2026, 2, 28)) == {}
    on_first = store.current_entries(db, date(2026, 3, 1))
    assert on_first["A.6.2.4"].status == "planned", "the whole day counts"
    assert not on_first["A.10.4"].applicable
    assert store.current_entries(db, date(2026, 6, 30))["A.6.2.4"].status == "partial"
    assert store.current_entries(db)["A.6.2.4"].status == "implemented"
    assert store.first_change(db) == date(2026, 3, 1)
    view = load_view(db, date(2026, 6, 30))
    assert view.summary.assessed == 2 and view.statement()["status"].iloc[0] == "not_assessed"


def test_a_backdated_version_does_not_replace_a_newer_current_line(db: Database) -> None:
    store.save_entry(db, ACTOR, line(status="implemented", evidence="Report"))
    _backdated(db, line(status="planned"), datetime(2020, 1, 1))
    assert store.current_entries(db)["A.6.2.4"].status == "implemented"


# Derived links and the fix


def test_linked_risks_come_from_the_treatments(db: Database) -> None:
    first = treat(db, ["A.6.2.4", "A.8.2"], "Unequal error rates")
    second = treat(db, ["A.6.2.4"], "Unexplained declines")
    assert store.treated_by(db) == {"A.6.2.4": [first, second], "A.8.2": [first]}
    linked = store.risks_treated_by(db, "A.6.2.4")
    assert linked["id"].tolist() == [first, second]
    assert linked["system"].tolist() == [
        "System for Unequal error rates",
        "System for Unexplained declines",
    ]
    view = load_view(db)
    frame = view.statement().set_index("control_id")
    assert frame.loc["A.6.2.4", "risk_references"] == f"R-{first}, R-{second}"
    assert frame.loc["A.2.2", "risk_references"] == ""
    assert frame["risks"].to_dict() == {cid: view.linked_risk_count(cid) for cid in frame.index}
    counts = {cid: view.linked_risk_count(cid) for cid in ("A.6.2.4", "A.8.2", "A.2.2")}
    assert counts == {"A.6.2.4": 2, "A.8.2": 1, "A.2.2": 0}


def test_the_view_says_which_controls_must_be_made_applicable(db: Database) -> None:
    store.save_entry(db, ACTOR, excluded("A.10.4"))
    store.save_entry(db, ACTOR, line("A.8.2"))
    treat(db, ["A.10.4", "A.5.5", "A.8.2"])
    view = load_view(db)
    must = [
        control.id for control in catalog.annex_a_controls() if view.must_be_applicable(control.id)
    ]
    assert must == ["A.5.5", "A.10.4"], "excluded or never assessed, and used by a treatment"
    assert must == [finding.control_id for finding in view.findings if finding.fixable]
    store.make_treated_controls_applicable(db, ACTOR)
    assert not load_view(db).must_be_applicable("A.10.4")


def test_an_unknown_export_format_is_refused(db: Database) -> None:
    view = load_view(db)
    with pytest.raises(ValueError, match="The SoA exports as csv, json, xlsx, pdf, not 'odt'"):
        soa_export(view, "odt")
    with pytest.raises(ValueError, match="Readiness exports as csv, json, xlsx, pdf"):
        readiness_export(view, "docx")


def test_the_one_click_fix_makes_treated_controls_applicable(db: Database) -> None:
    store.save_entry(
        db, ACTOR, excluded("A.10.4").model_copy(update={"last_reviewed": date(2026, 2, 3)})
    )
    store.save_entry(db, ACTOR, line("A.8.2"))
    risk_id = treat(db, ["A.10.4", "A.5.5", "A.8.2"])
    fixable = [f.control_id for f in load_view(db).findings if f.fixable]
    assert fixable == ["A.5.5", "A.10.4"]

    assert store.make_treated_controls_applicable(db, "Grace Hopper") == ["A.5.5", "A.10.4"]
    current = store.current_entries(db)
    for control_id in ("A.5.5", "A.10.4"):
        assert current[control_id].applicable
        assert "risk_treatment" in current[control_id].inclusion_reasons
        assert current[control_id].changed_by == "Grace Hopper"
    assert current["A.10.4"].status == "not_started"
    # The fix is nobody's review: the date stays as a person set it, empty when never set.
    assert current["A.10.4"].last_reviewed == date(2026, 2, 3)
    assert current["A.5.5"].last_reviewed is None
    assert not [f for f in load_view(db).findings if f.kind == "treated_but_not_applicable"]
    events = entity_history(db, store.SOA_ENTITY, "A.10.4")
    assert events[-1]["summary"] == "A.10.4 made applicable: risk treatments use it"

    events_before = count(db, "audit_events")
    assert store.make_treated_controls_applicable(db, ACTOR) == []
    assert count(db, "audit_events") == events_before
    assert risk_id in store.treated_by(db)["A.10.4"]


def test_the_fix_can_be_narrowed_to_some_controls(db: Database) -> None:
    treat(db, ["A.10.4", "A.5.5"])
    assert store.make_treated_controls_applicable(db, ACTOR, ["A.5.5"]) == ["A.5.5"]
    assert list(store.current_entries(db)) == ["A.5.5"]


# Readiness


def test_readiness_ratings_are_versioned_and_checked_for_staleness(db: Database) -> None:
    changed = store.save_ratings(
        db,
        ACTOR,
        [
            ReadinessInput(item_id="4.1", maturity=2, evidence="Context draft"),
            ReadinessInput(item_id="4.2", maturity=1),
        ],
        expected={"4.1": store.NO_ENTRY, "4.2": store.NO_ENTRY},
    )
    assert changed == ["4.1", "4.2"]
    ratings = store.current_ratings(db)
    unchanged_again = store.save_ratings(
        db, ACTOR, [ReadinessInput(item_id="4.1", maturity=2, evidence="Context draft")]
    )
    assert unchanged_again == []
    store.save_ratings(
        db,
        "Grace Hopper",
        [ReadinessInput(item_id="4.1", maturity=3, evidence="Context v1")],
        expected={"4.1": ratings["4.1"].id},
    )
    with pytest.raises(ConflictError, match=r"Grace Hopper rated 4\.1"):
        store.save_ratings(
            db,
            ACTOR,
            [ReadinessInput(item_id="4.1", maturity=4, evidence="x")],
            expected={"4.1": ratings["4.1"].id},
        )
    assert store.rating_history(db, "4.1")["maturity"].tolist() == [3, 2]
    assert store.current_ratings(db)["4.1"].maturity == 3
    figures = load_view(db).figures
    assert figures.clauses[0].percent == round((3 + 1) / 4 / 5 * 100, 1)
    assert [e["action"] for e in entity_history(db, store.READINESS_ENTITY, "4.1")] == [
        "create",
        "update",
    ]


def test_the_health_check_finds_every_soa_and_readiness_record_audited(db: Database) -> None:
    store.save_entry(db, ACTOR, line())
    store.save_entry(db, ACTOR, line(status="partial"))
    store.save_ratings(db, ACTOR, [ReadinessInput(item_id="4.1", maturity=2)])
    report = check(db)
    assert report.unaudited["soa_control"] == 0
    assert report.unaudited["clause_readiness"] == 0
    with db.cursor() as cursor:  # a line written around the store is caught
        cursor.execute("INSERT INTO soa_current VALUES ('A.2.2', 999, now())")
    assert check(db).unaudited["soa_control"] == 1


# Exports


def _demo_like(db: Database) -> int:
    risk_id = treat(db, ["A.6.2.4", "A.8.2"])
    store.save_entry(db, ACTOR, line(owner="Łukasz Żółkiewski — Model Risk"))
    store.save_entry(db, ACTOR, excluded("A.10.4"))
    store.save_ratings(db, ACTOR, [ReadinessInput(item_id="6.1.3", maturity=3, evidence="SoA")])
    return risk_id


def test_soa_exports_have_the_required_columns(db: Database) -> None:
    risk_id = _demo_like(db)
    view = load_view(db)
    required = [
        "control_id", "group", "title", "applicable", "justification", "inclusion_reasons",
        "status", "owner", "evidence", "risks", "risk_references", "last_reviewed",
    ]  # fmt: skip
    csv_text = soa_export(view, "csv").decode("utf-8")
    header = csv_text.splitlines()[0].split(",")
    assert set(required) <= set(header)
    records = json.loads(soa_export(view, "json"))
    assert len(records) == 38
    by_id = {record["control_id"]: record for record in records}
    assert (by_id["A.6.2.4"]["risks"], by_id["A.6.2.4"]["risk_references"]) == (1, f"R-{risk_id}")
    assert by_id["A.8.2"]["applicable"] == "" and by_id["A.8.2"]["status"] == "not_assessed"
    assert by_id["A.10.4"]["applicable"] == "no"
    assert by_id["A.6.2.4"]["owner"] == "Łukasz Żółkiewski — Model Risk"


def test_the_soa_workbook_is_formatted_and_reads_back(db: Database) -> None:
    risk_id = _demo_like(db)
    workbook = load_workbook(io.BytesIO(soa_export(load_view(db), "xlsx")))
    assert workbook.sheetnames == ["Statement of Applicability", "About"]
    sheet = workbook["Statement of Applicability"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]
    assert len(rows) == 38
    by_id = {row["Control"]: row for row in rows}
    assert (by_id["A.6.2.4"]["Risks"], by_id["A.6.2.4"]["Risk references"]) == (1, f"R-{risk_id}")
    # A workbook is for people: labels, never the stable keys of CSV and JSON.
    assert by_id["A.6.2.4"]["Implementation status"] == "Planned"
    assert by_id["A.6.2.4"]["Reasons for inclusion"] == "Legal or regulatory requirement"
    assert by_id["A.6.2.4"]["Applicable"] == "Yes"
    assert (by_id["A.10.4"]["Applicable"], by_id["A.10.4"]["Implementation status"]) == (
        "No",
        "Not applicable",
    )
    assert by_id["A.8.2"]["Implementation status"] == "Not assessed"
    cells = [value for row in rows for value in row.values() if isinstance(value, str)]
    assert not {"not_applicable", "not_assessed", "planned", "legal", "best_practice"} & set(cells)
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref
    assert sheet[1][0].font.bold
    status_column = header.index("Implementation status")
    row_of = {row[0].value: row for row in sheet.iter_rows(2)}
    assert row_of["A.6.2.4"][status_column].fill.fgColor.rgb.endswith("DCE8F7")


def test_the_pdfs_hold_unicode_text(db: Database, tmp_path: Path) -> None:
    risk_id = _demo_like(db)
    view = load_view(db)
    for name, payload, expected in (
        ("soa.pdf", soa_export(view, "pdf"), "Łukasz Żółkiewski"),
        ("readiness.pdf", readiness_export(view, "pdf"), "Ready for a stage 1 audit?"),
    ):
        assert payload.startswith(b"%PDF")
        path = tmp_path / name
        path.write_bytes(payload)
        text = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert expected in text, name
    soa_text = subprocess.run(
        ["pdftotext", str(tmp_path / "soa.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "A.10 Third-party and customer relationships" in soa_text
    assert "Excluded: We supply no AI to customer" in soa_text
    assert "— Model Risk" in soa_text
    assert "references" in soa_text and f"R-{risk_id}" in soa_text  # the heading wraps


def test_the_readiness_workbook_has_items_figures_and_gaps(db: Database) -> None:
    _demo_like(db)
    workbook = load_workbook(io.BytesIO(readiness_export(load_view(db), "xlsx")))
    assert workbook.sheetnames == ["Clause items", "Readiness by clause", "Stage 1 gaps", "About"]
    items = list(workbook["Clause items"].iter_rows(2, values_only=True))
    assert len(items) == len(catalog.clause_items())
    clauses = list(workbook["Readiness by clause"].iter_rows(2, values_only=True))
    assert clauses[-1][:2] == ("All", "Overall")
    header = [cell.value for cell in workbook["Clause items"][1]]
    assert header[:5] == ["Item", "Clause", "Clause title", "Title", "Maturity (0-5)"]
    assert {row[header.index("Key for stage 1")] for row in items} == {"Yes", "No"}
    assert clauses[2][0] == "6" and clauses[2][-1] == round(3 / 6 / 5 * 100, 1)


def test_the_export_command(
    db_path: Path | str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = Database(db_path)
    risk_id = _demo_like(database)
    database.close()
    assert cli.main(["export", "soa", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 39 and lines[0].startswith("control_id,group,group_title,title")
    assert cli.main(["export", "soa", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["control_id"]: r for r in records}["A.6.2.4"]["risk_references"] == f"R-{risk_id}"
    out = tmp_path / "soa.xlsx"
    assert cli.main(["export", "soa", "--format", "xlsx", "--out", str(out)]) == 0
    assert load_workbook(out)["Statement of Applicability"].max_row == 39
    assert cli.main(["export", "readiness", "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("item_id,clause,clause_title,title,maturity")


# Demo


def test_the_demo_soa_is_consistent_with_the_demo_treatments(demo_db: Database) -> None:
    db = demo_db
    names = [name for name, _ in DEMO_STEPS]
    assert names.index("Risks") < names.index("Statement of Applicability")
    view = load_view(db)
    for control_id in store.treated_by(db):
        entry = view.entries[control_id]
        assert entry.applicable and "risk_treatment" in entry.inclusion_reasons, control_id
    assert not [f for f in view.findings if f.kind == "treated_but_not_applicable"]
    assert view.summary.assessed == 38
    assert 1 <= view.summary.excluded <= 5 < view.summary.applicable
    assert len({e.status for e in view.entries.values() if e.applicable}) >= 4
    assert 0 < view.figures.rated < view.figures.items
    assert load_demo(db).added["Statement of Applicability"] == 0
    assert check(db).unaudited["soa_control"] == 0


def test_the_demo_includes_a_control_that_a_treatment_uses(db: Database) -> None:
    """Whatever the demo risks choose: a control excluded in soa.yaml becomes applicable, and
    its history shows the exclusion first."""
    risk_id = treat(db, ["A.10.4"])
    db.write("Demo loader", load_soa)
    entry = store.current_entries(db)["A.10.4"]
    assert entry.applicable and entry.inclusion_reasons == ["risk_treatment"]
    assert "previously excluded" in entry.justification
    assert store.entry_history(db, "A.10.4")["applicable"].tolist()[-1] is False
    assert store.treated_by(db)["A.10.4"] == [risk_id]
    june = store.current_entries(db, date(2026, 7, 1))
    assert not june["A.10.4"].applicable and june["A.2.2"].status == "partial"
