"""The SoA and readiness pages through AppTest: editing a control, refusals beside the field,
the one-click fix, the dated view and rating clause items."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from assessments.risks import TreatmentInput
from assessments.soa import IMPLEMENTATION_STATUSES, SoAEntryInput
from assessments.store import inventory as inventory_store
from assessments.store import risks as risks_store
from assessments.store import soa as soa_store
from assessments.store.db import Database
from assessments.text import escape_markdown
from tests.factories import system_input
from tests.risk_factories import risk_input
from tests.support.apptest import no_exceptions
from tests.support.markdown import as_shown

SOA_PAGE = "pages/soa.py"
READINESS_PAGE = "pages/readiness.py"
# Widget keys of the pages (pages/soa.py AS_OF_KEY; the editor's are soa_<control>_<field>).
AS_OF = "soa_as_of"


def texts(at) -> str:
    return as_shown(
        " ".join(
            item.value
            for kind in (at.markdown, at.caption, at.error, at.warning, at.info, at.success)
            for item in kind
        )
    )


def read(db_path: Path, work: Callable[[Database], Any]) -> Any:
    database = Database(db_path)
    try:
        return work(database)
    finally:
        database.close()


def metric(at, label: str) -> str:
    """The value of the metric with this label."""
    return next(item.value for item in at.metric if item.label == label)


def fill(at, control_id: str, **values: Any) -> None:
    """Type values into the editor of one control (keys soa_<control>_<field>)."""
    widgets = {
        "applicable": at.radio,
        "inclusion_reasons": at.multiselect,
        "status": at.selectbox,
        "owner": at.text_input,
    }
    for name, value in values.items():
        widget = widgets.get(name, at.text_area)
        widget(key=f"soa_{control_id}_{name}").set_value(value)


def save(at, control_id: str) -> None:
    at.button(key=f"FormSubmitter:soa_{control_id}_form-Save").click().run()


def test_the_soa_page_on_an_empty_database(app_test) -> None:
    at = app_test(SOA_PAGE)
    no_exceptions(at)
    assert "No control has been assessed yet" in at.info[0].value
    assert metric(at, "Assessed") == "0 of 38"
    assert "No consistency findings" in texts(at)
    assert len(at.dataframe) == 9, "one table per Annex A group"
    assert not [widget for widget in at.date_input if widget.key == AS_OF]
    assert "there is no history yet" in texts(at), "why there is no dated view"
    assert "load the demo portfolio from Home" in at.info[0].value
    assert "python -m assessments" not in texts(at)


def test_an_exclusion_without_a_reason_is_refused_beside_the_field(app_test, db_path) -> None:
    at = app_test(SOA_PAGE)
    next(box for box in at.selectbox if box.label == "Control").set_value("A.10.4").run()
    fill(at, "A.10.4", applicable=False, status="not_applicable", owner="Ada Park")
    save(at, "A.10.4")
    no_exceptions(at)
    assert at.error[0].value == escape_markdown(
        "Nothing was saved: please correct the fields marked below."
    )
    field_messages = [m.value for m in at.markdown if ":material/error:" in m.value]
    assert len(field_messages) == 1 and "exclusion needs a justification" in field_messages[0]
    assert at.text_input(key="soa_A.10.4_owner").value == "Ada Park", "what was typed stays"
    assert read(db_path, soa_store.current_entries) == {}
    assert read(db_path, lambda db: db.query_one("SELECT count(*) FROM soa_entries"))[0] == 0


def test_the_status_must_fit_applicability_and_only_known_statuses_are_offered(
    app_test, db_path
) -> None:
    at = app_test(SOA_PAGE, control="A.6.2.4")
    assert at.selectbox(key="soa_A.6.2.4_status").options == list(IMPLEMENTATION_STATUSES.values())
    fill(at, "A.6.2.4", applicable=True, inclusion_reasons=["legal"], status="not_applicable")
    save(at, "A.6.2.4")
    assert any(
        "needs an implementation status other than" in m.value
        for m in at.markdown
        if ":material/error:" in m.value
    )
    assert read(db_path, soa_store.current_entries) == {}


def test_saving_a_control_and_seeing_it_in_the_statement(app_test, db_path) -> None:
    at = app_test(SOA_PAGE, control="A.6.2.4")
    no_exceptions(at)
    fill(
        at,
        "A.6.2.4",
        applicable=True,
        inclusion_reasons=["legal", "best_practice"],
        justification="Supervisors expect validation before release.",
        status="implemented",
        owner="Ada Park",
        evidence="Validation report 2026-05",
    )
    save(at, "A.6.2.4")
    no_exceptions(at)
    assert escape_markdown("Saved A.6.2.4.") in [s.value for s in at.success]
    entry = read(db_path, soa_store.current_entries)["A.6.2.4"]
    assert (entry.status, entry.changed_by) == ("implemented", "Test User")
    assert entry.inclusion_reasons == ["legal", "best_practice"]
    assert metric(at, "Assessed") == "1 of 38"
    assert at.radio(key="soa_A.6.2.4_applicable").value is True
    assert "Change history (1 versions)" in [expander.label for expander in at.expander]
    assert entry.last_reviewed is None, "saving is no review: nobody set the date"


def test_save_reviewed_today_records_the_review(app_test, db_path) -> None:
    at = app_test(SOA_PAGE, control="A.2.2")
    assert at.date_input(key="soa_A.2.2_last_reviewed").value is None, "empty until set"
    fill(at, "A.2.2", applicable=True, inclusion_reasons=["legal"], status="planned")
    at.button(key="FormSubmitter:soa_A.2.2_form-Save, reviewed today").click().run()
    no_exceptions(at)
    entry = read(db_path, soa_store.current_entries)["A.2.2"]
    assert entry.last_reviewed == date.today()


def test_saving_needs_a_name(app_test, db_path) -> None:
    at = app_test(SOA_PAGE, actor=None, control="A.2.2")
    fill(at, "A.2.2", applicable=True, inclusion_reasons=["legal"], status="planned")
    save(at, "A.2.2")
    assert "Enter your name in the sidebar first" in at.error[0].value
    assert read(db_path, soa_store.current_entries) == {}


def prepare_treated_exclusion(db_path: Path) -> int:
    database = Database(db_path)
    system = inventory_store.create_system(database, "Ada", system_input())
    risk = risks_store.create_risk(database, "Ada", risk_input(system.id))
    risks_store.set_treatment(
        database, "Ada", risk.id, TreatmentInput(option="change_likelihood", controls=["A.10.4"])
    )
    soa_store.save_entry(
        database,
        "Ada",
        SoAEntryInput(
            control_id="A.10.4",
            applicable=False,
            exclusion_reason="No customers.",
            status="not_applicable",
        ),
    )
    database.close()
    return risk.id


def test_the_page_flags_a_treated_exclusion_and_fixes_it_in_one_click(app_test, db_path) -> None:
    risk_id = prepare_treated_exclusion(db_path)
    at = app_test(SOA_PAGE, control="A.10.4")
    no_exceptions(at)
    assert f"The treatment of risk R-{risk_id} uses A.10.4" in texts(at)
    links = [link for link in at.get("page_link") if f"R-{risk_id}:" in as_shown(link.proto.label)]
    assert links and (links[0].proto.page, links[0].proto.query_string) == ("risk", f"id={risk_id}")
    risks = {
        control: count
        for table in at.dataframe
        if "Risks" in table.value.columns
        for control, count in zip(table.value["Control"], table.value["Risks"], strict=True)
    }
    assert risks["A.10.4"] == 1 and risks["A.2.2"] == 0
    assert not any("Risk references" in table.value.columns for table in at.dataframe), (
        "a risk is named by a link, never as plain text in a grid"
    )
    finding_links = [
        link for link in at.get("page_link") if as_shown(link.proto.label) == f"R-{risk_id}"
    ]
    assert [(link.proto.page, link.proto.query_string) for link in finding_links] == [
        ("risk", f"id={risk_id}")
    ], "the finding's risk is a link to its page"
    must = "Risk treatments use this control, so it must be applicable"
    assert any(must in warning.value for warning in at.warning)
    fix = next(b for b in at.button if b.label == "Make 1 control applicable")
    fix.click().run()
    no_exceptions(at)
    assert not any(must in warning.value for warning in at.warning)
    assert "Made applicable, because risk treatments use them: A.10.4." in texts(at)
    entry = read(db_path, soa_store.current_entries)["A.10.4"]
    assert entry.applicable and entry.inclusion_reasons == ["risk_treatment"]
    assert "No consistency findings" in texts(at)
    assert at.radio(key="soa_A.10.4_applicable").value is True, "the editor shows the fix"
    assert entry.last_reviewed is None, "the fix is nobody's review"


def test_the_dated_view_is_read_only(app_test, db_path) -> None:
    prepare_treated_exclusion(db_path)
    at = app_test(SOA_PAGE, control="A.10.4")
    today = read(db_path, soa_store.first_change)
    at.date_input(key=AS_OF).set_value(today).run()
    no_exceptions(at)
    assert f"The SoA as it stood at the end of {today.isoformat()}" in at.info[0].value
    assert not [b for b in at.button if b.label.startswith("Make ")]
    assert "Reason for exclusion:** No customers" in texts(at)
    assert not at.get("form")


def test_the_readiness_page_on_an_empty_database(app_test) -> None:
    at = app_test(READINESS_PAGE)
    no_exceptions(at)
    assert "No clause item is rated yet" in at.info[0].value
    assert "load the demo portfolio from Home" in at.info[0].value
    assert metric(at, "Overall readiness") == "0%"
    assert metric(at, "Ready for stage 1?") == "Not yet"
    assert "32 clause items below maturity 3" in at.warning[0].value


def test_rating_clause_items(app_test, db_path) -> None:
    at = app_test(READINESS_PAGE)
    at.selectbox(key="rd_4.1_maturity").set_value(3)
    at.text_area(key="rd_4.1_evidence").set_value("Context analysis 2026")
    at.text_area(key="rd_4.2_note").set_value("Workshop planned")
    at.button(key="FormSubmitter:rd_4_form-Save clause 4").click().run()
    no_exceptions(at)
    assert read(db_path, soa_store.current_ratings) == {}, "nothing saved while 4.2 is unrated"
    assert any(
        "rate this item to save its evidence and note" in m.value
        for m in at.markdown
        if ":material/error:" in m.value
    )
    at.selectbox(key="rd_4.2_maturity").set_value(1)
    at.button(key="FormSubmitter:rd_4_form-Save clause 4").click().run()
    no_exceptions(at)
    ratings = read(db_path, soa_store.current_ratings)
    assert {key: rating.maturity for key, rating in ratings.items()} == {"4.1": 3, "4.2": 1}
    assert ratings["4.1"].evidence == "Context analysis 2026"
    assert escape_markdown("Saved clause 4: 2 items changed.") in [s.value for s in at.success]
    assert metric(at, "Items rated") == "2 of 32"


def test_a_control_saved_by_someone_else_meanwhile_is_not_overwritten(app_test, db_path) -> None:
    at = app_test(SOA_PAGE, control="A.2.2")
    fill(at, "A.2.2", applicable=True, inclusion_reasons=["legal"], status="planned")
    read(
        db_path,
        lambda db: soa_store.save_entry(
            db,
            "Bo",
            SoAEntryInput(
                control_id="A.2.2",
                applicable=True,
                inclusion_reasons=["best_practice"],
                status="implemented",
                evidence="Policy v2",
            ),
        ),
    )
    save(at, "A.2.2")
    no_exceptions(at)
    assert "Bo changed A.2.2 since you opened it" in as_shown(at.error[0].value)
    assert read(db_path, soa_store.current_entries)["A.2.2"].changed_by == "Bo"
    at.button(key="soa_A.2.2_reload").click().run()
    no_exceptions(at)
    assert at.selectbox(key="soa_A.2.2_status").value == "implemented", "the latest version"


def test_readiness_links_the_risks_an_soa_finding_names(app_test, db_path) -> None:
    risk_id = prepare_treated_exclusion(db_path)
    at = app_test(READINESS_PAGE)
    no_exceptions(at)
    assert f"The treatment of risk R-{risk_id} uses A.10.4" in texts(at)
    links = [link for link in at.get("page_link") if as_shown(link.proto.label) == f"R-{risk_id}"]
    assert [(link.proto.page, link.proto.query_string) for link in links] == [
        ("risk", f"id={risk_id}")
    ]


def test_a_rating_saved_by_someone_else_meanwhile_is_not_overwritten(app_test, db_path) -> None:
    from assessments.soa import ReadinessInput

    at = app_test(READINESS_PAGE)
    at.selectbox(key="rd_4.1_maturity").set_value(3)
    read(
        db_path,
        lambda db: soa_store.save_ratings(
            db, "Bo", [ReadinessInput(item_id="4.1", maturity=5, evidence="Audit")]
        ),
    )
    at.button(key="FormSubmitter:rd_4_form-Save clause 4").click().run()
    no_exceptions(at)
    assert "Bo rated 4.1 since you opened this page" in as_shown(at.error[0].value)
    assert read(db_path, soa_store.current_ratings)["4.1"].maturity == 5
    at.button(key="rd_4_reload").click().run()
    no_exceptions(at)
    assert at.selectbox(key="rd_4.1_maturity").value == 5, "the latest rating"
