"""The screening page, the regulatory overview and the class in the inventory, through AppTest."""

from __future__ import annotations

from pathlib import Path

from assessments.store import inventory as inventory_store
from assessments.store import screenings as screening_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.support.apptest import no_exceptions
from tests.support.legacy_screening import insert_old_screening
from tests.support.markdown import as_shown

SCREENING = "pages/screening.py"
REGULATORY = "pages/regulatory.py"
# Widget keys of the regulatory overview (the screening page's are scr_<system id>_<question>).
CLASSES, STALE, FRIA = "regs_classes", "regs_stale", "regs_fria"
SAVE = "Screen and save"


def texts(at) -> str:
    """Every text on the page, with markdown escapes removed."""
    shown = " ".join(
        [item.value for item in at.markdown]
        + [item.value for item in at.caption]
        + [item.value for item in at.info]
        + [item.value for item in at.warning]
        + [item.value for item in at.error]
        + [item.value for item in at.success]
    )
    return as_shown(shown)


def add_system(db_path: Path, **overrides: object) -> int:
    database = Database(db_path)
    system_id = inventory_store.create_system(database, "Ada", system_input(**overrides)).id
    database.close()
    return system_id


def answer_high_risk_employment(at, system_id: int) -> None:
    """Answer as a person would, one visible question after another."""
    prefix = f"scr_{system_id}_"
    at.radio(key=f"{prefix}ai_system").set_value("yes").run()
    at.radio(key=f"{prefix}eu_territorial_link").set_value("yes").run()
    at.checkbox(key=f"{prefix}roles__deployer").check().run()
    at.radio(key=f"{prefix}annex_i_product").set_value("no")
    at.checkbox(key=f"{prefix}annex_iii_areas__employment").check().run()
    at.radio(key=f"{prefix}profiles_natural_persons").set_value("yes")
    at.radio(key=f"{prefix}already_on_market").set_value("no")
    at.radio(key=f"{prefix}public_authority").set_value("no").run()
    at.radio(key=f"{prefix}public_service_provider").set_value("no")
    at.radio(key=f"{prefix}gpai_model_provider").set_value("no")
    at.radio(key=f"{prefix}colorado_consumers").set_value("no").run()


def overview(at):
    """The regulatory overview's table (one row per AI system)."""
    return next(frame.value for frame in at.dataframe if "eu_class" in frame.value.columns)


def save_button(at):
    return next(button for button in at.button if button.label == SAVE)


def test_pages_work_on_an_empty_database(app_test) -> None:
    at = app_test(SCREENING)
    no_exceptions(at)
    assert "The inventory is empty" in texts(at)
    at = app_test(REGULATORY)
    no_exceptions(at)
    assert "No AI systems yet" in texts(at)


def test_answer_the_questionnaire_and_see_the_class_and_reasons(app_test, db_path) -> None:
    system_id = add_system(db_path)
    at = app_test(SCREENING, id=str(system_id))
    no_exceptions(at)
    assert "Not screened yet" in texts(at)
    assert at.radio(key=f"scr_{system_id}_ai_system")
    assert not any(checkbox.key.startswith(f"scr_{system_id}_roles") for checkbox in at.checkbox), (
        "roles must wait until the system is known to be an AI system"
    )
    answer_high_risk_employment(at, system_id)
    no_exceptions(at)
    assert "Result if you save now" in texts(at)
    save_button(at).click().run()
    no_exceptions(at)
    page = texts(at)
    assert "EU AI Act: High risk" in page
    assert "Screened Loan Advisor: High risk." in page
    assert (
        'High-risk because the intended use is in the Annex III area "Employment and workers '
        'management" and the system profiles people' in page
    )
    assert "profiles_natural_persons" not in page and "obligation(s)" not in page
    assert "Annex III use (Art. 6(2))" in page
    assert "not required" in page  # the FRIA line
    database = Database(db_path)
    record = screening_store.current_screening(database, system_id)
    database.close()
    assert record is not None and record.risk_class == "high_risk"
    assert record.screened_by == "Test User"


def test_an_unanswered_question_is_named_and_nothing_is_saved(app_test, db_path) -> None:
    system_id = add_system(db_path)
    at = app_test(SCREENING, id=str(system_id))
    at.radio(key=f"scr_{system_id}_ai_system").set_value("yes").run()
    at.checkbox(key=f"scr_{system_id}_roles__provider").check().run()
    save_button(at).click().run()
    no_exceptions(at)
    page = texts(at)
    assert "please answer this question" in page
    assert "Nothing was saved" in page
    assert at.checkbox(key=f"scr_{system_id}_roles__provider").value is True
    database = Database(db_path)
    assert screening_store.current_screening(database, system_id) is None
    database.close()


def test_saving_needs_a_name(app_test, db_path) -> None:
    system_id = add_system(db_path)
    at = app_test(SCREENING, actor=None, id=str(system_id))
    no_exceptions(at)
    assert save_button(at).disabled


def test_update_an_obligation_from_the_checklist(app_test, db_path) -> None:
    system_id = add_system(db_path)
    at = app_test(SCREENING, id=str(system_id))
    answer_high_risk_employment(at, system_id)
    save_button(at).click().run()
    prefix = f"scr_{system_id}_"
    at.selectbox(key=f"{prefix}obligation").set_value("ai_literacy").run()
    at.selectbox(key=f"{prefix}status_ai_literacy").set_value("done")
    at.text_input(key=f"{prefix}owner_ai_literacy").set_value("Priya Raman")
    submit = f"FormSubmitter:{prefix}obligation_form_ai_literacy-Save obligation"
    at.button(key=submit).click().run()
    no_exceptions(at)
    assert "name the evidence" in texts(at)
    assert at.text_input(key=f"{prefix}owner_ai_literacy").value == "Priya Raman"
    at.text_area(key=f"{prefix}evidence_ai_literacy").set_value("LMS report 2026-05")
    at.button(key=submit).click().run()
    no_exceptions(at)
    assert "Saved: AI literacy." in texts(at)
    assert "1 of 3 obligations done" in " ".join(str(p.proto.text) for p in at.get("progress"))
    database = Database(db_path)
    rows = {row.item.id: row for row in screening_store.checklist(database, system_id)}
    database.close()
    row = rows["ai_literacy"]
    assert (row.status, row.owner, row.evidence) == ("done", "Priya Raman", "LMS report 2026-05")


def test_a_stale_screening_is_flagged_on_its_page_and_the_system_page(app_test, db_path) -> None:
    system_id = add_system(db_path)
    database = Database(db_path)
    screening_store.record_screening(
        database,
        "Ada",
        system_id,
        {
            "ai_system": "yes",
            "eu_territorial_link": "yes",
            "roles": ["deployer"],
            "annex_i_product": "no",
            "gpai_model_provider": "no",
            "colorado_consumers": "no",
        },
    )
    current = inventory_store.get_system(database, system_id)
    inventory_store.update_system(
        database,
        "Ada",
        system_id,
        current.as_input().model_copy(update={"purpose": "Now also decides on loans."}),
    )
    database.close()
    at = app_test(SCREENING, id=str(system_id))
    no_exceptions(at)
    assert "Stale: the system's inventory record changed" in texts(at)
    at = app_test("pages/system.py", id=str(system_id))
    no_exceptions(at)
    page = texts(at)
    assert "EU AI Act: Minimal risk" in page
    assert "Screening stale" in page


def test_the_colorado_result_shows_coverage_reasons_and_each_obligation_with_its_date(
    app_test, db_path
) -> None:
    """SB 26-189: covered, why, and each duty with its section and the date it applies from."""
    system_id = add_system(db_path)
    at = app_test(SCREENING, id=str(system_id))
    answer_high_risk_employment(at, system_id)
    prefix = f"scr_{system_id}_"
    at.radio(key=f"{prefix}colorado_consumers").set_value("yes").run()
    at.checkbox(key=f"{prefix}consequential_decision_areas__employment").check().run()
    at.radio(key=f"{prefix}materially_influences").set_value("yes").run()
    at.radio(key=f"{prefix}small_deployer").set_value("yes").run()
    save_button(at).click().run()
    no_exceptions(at)
    page = texts(at)
    assert "Colorado: covered" in page
    assert "Covered by the Colorado ADMT law (SB 26-189, C.R.S. 6-1-1701 et seq.)" in page
    assert "no relief for small deployers" in page
    assert "SB 24-205" in page and "never took effect" in page
    table = next(frame.value for frame in at.dataframe if "Section" in frame.value.columns)
    assert table["Obligation"].tolist()[0] == "Notice at the point of interaction"
    assert set(table["Roles"]) == {"deployer"}
    assert {str(value)[:10] for value in table["Applies from"]} == {"2027-01-01"}
    assert all(section.startswith("C.R.S. 6-1-17") for section in table["Section"])
    database = Database(db_path)
    rows = {row.item.id: row for row in screening_store.checklist(database, system_id)}
    database.close()
    assert rows["colorado:meaningful_human_review"].item.regime == "Colorado ADMT law"


def test_a_screening_stored_under_sb_24_205_opens_as_history(app_test, db_path) -> None:
    system_id = add_system(db_path)
    database = Database(db_path)
    insert_old_screening(database, system_id)
    database.close()
    at = app_test(SCREENING, id=str(system_id))
    no_exceptions(at)
    page = texts(at)
    assert "Colorado: screened under SB 24-205 (repealed)" in page
    assert "Screen the system again to apply SB 26-189" in page
    assert "the law changed" in page
    assert at.session_state[f"scr_{system_id}_colorado_consumers"] == "yes", (
        "the old answer fills the new question"
    )
    assert at.session_state[f"scr_{system_id}_consequential_decision_areas__employment"]
    at = app_test(REGULATORY)
    no_exceptions(at)
    assert overview(at)["colorado"].tolist() == ["screened under SB 24-205 (repealed)"]


def test_demo_portfolio_overview_inventory_and_filters(app_test, demo_db_path) -> None:
    db_path = demo_db_path
    database = Database(db_path)
    credit = inventory_store.find_system_by_name(database, "Retail Credit Scoring Engine")
    database.close()
    assert credit is not None

    at = app_test(REGULATORY)
    no_exceptions(at)
    page = texts(at)
    assert "High risk: 3" in page and "Prohibited: 1" in page
    table = overview(at)
    assert len(table) == 14
    downloads = [button.proto.label for button in at.get("download_button")]
    assert "Download every obligation (CSV)" in downloads
    at.multiselect(key=CLASSES).set_value(["prohibited"]).run()
    table = overview(at)
    assert table["name"].tolist() == ["Retention Insights Attrition Predictor"]
    at.multiselect(key=CLASSES).set_value([]).run()
    at.toggle(key=STALE).set_value(True).run()
    assert "Ask Northwind Customer Assistant" in overview(at)["name"].tolist()
    at.toggle(key=STALE).set_value(False).run()
    at.toggle(key=FRIA).set_value(True).run()
    fria = overview(at)
    assert len(fria) >= 1 and fria["fria_required"].all()
    database = Database(db_path)
    expected = screening_store.overview(database, fria_only=True)
    database.close()
    assert fria["progress"].tolist() == expected["progress"].tolist()
    own_keys = ("classes", "stale", "fria", "table")
    assert all(f"regs_{name}" in at.session_state for name in own_keys)
    assert not any(f"reg_{name}" in at.session_state for name in own_keys), (
        "the risk register's keys are its own"
    )

    at = app_test("pages/inventory.py")
    no_exceptions(at)
    listed = at.dataframe[0].value
    assert "eu_ai_act_class" in listed.columns
    at.multiselect(key="inv_class").set_value(["high_risk"]).run()
    assert sorted(at.dataframe[0].value["name"]) == [
        "Clinical Triage Assist",
        "Retail Credit Scoring Engine",
        "Talent Match CV Screening",
    ]

    at = app_test(SCREENING, id=str(credit.id))
    no_exceptions(at)
    page = texts(at)
    assert "Fundamental rights impact assessment (Art. 27):** required" in page
    assert "calls for an impact assessment" in page
