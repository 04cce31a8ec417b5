"""Page logic through AppTest: home, the inventory list, the form, the detail view, audit log."""

from __future__ import annotations

from assessments.store import inventory as store
from assessments.store.db import Database
from assessments.text import escape_markdown
from tests.factories import system_input
from tests.support.apptest import no_exceptions

FORM_FIELDS = {
    "name": "Triage Helper",
    "purpose": "Orders the queue of incoming support tickets.",
    "owner": "Ada Park",
    "business_unit": "Support",
}


def fill_new_form(at, **overrides: object) -> None:
    values = {**FORM_FIELDS, **overrides}
    for name, value in values.items():
        at.text_input(key=f"sysform_new_{name}").set_value(value) if name in {
            "name",
            "owner",
            "business_unit",
        } else at.text_area(key=f"sysform_new_{name}").set_value(value)
    at.multiselect(key="sysform_new_roles").set_value(["ai_user"])
    at.multiselect(key="sysform_new_stakeholders").set_value(["customers"])


def test_home_on_an_empty_database_offers_demo_and_first_system(app_test) -> None:
    at = app_test()
    no_exceptions(at)
    assert "The inventory is empty" in at.info[0].value
    button = next(b for b in at.button if b.label == "Load the demo portfolio")
    button.click().run()
    no_exceptions(at)
    assert any(metric.label == "AI systems in scope" for metric in at.metric)


def test_home_demo_button_needs_a_name(app_test) -> None:
    at = app_test(actor=None)
    button = next(b for b in at.button if b.label == "Load the demo portfolio")
    assert button.disabled


def test_create_through_the_form(app_test, db_path) -> None:
    at = app_test("pages/system_edit.py")
    no_exceptions(at)
    fill_new_form(at)
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    database = Database(db_path)
    saved = store.find_system_by_name(database, "Triage Helper")
    database.close()
    assert saved is not None and saved.created_by == "Test User"


def test_bad_input_shows_beside_the_field_and_keeps_what_was_typed(app_test, db_path) -> None:
    at = app_test("pages/system_edit.py")
    fill_new_form(at, owner="")
    at.text_area(key="sysform_new_purpose").set_value("Keeps this text")
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    markdown = " ".join(item.value for item in at.markdown)
    assert "this field is required" in markdown
    assert "Nothing was saved" in at.error[0].value
    assert at.text_area(key="sysform_new_purpose").value == "Keeps this text"
    assert at.text_input(key="sysform_new_name").value == "Triage Helper"
    database = Database(db_path)
    assert store.counts(database)["total"] == 0
    database.close()


def test_duplicate_name_is_refused_beside_the_name(app_test, db_path) -> None:
    database = Database(db_path)
    store.create_system(database, "Ada", system_input(name="Triage Helper"))
    database.close()
    at = app_test("pages/system_edit.py")
    fill_new_form(at)
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    markdown = " ".join(item.value for item in at.markdown)
    assert "already exists" in markdown


def test_saving_without_a_name_is_refused(app_test, db_path) -> None:
    at = app_test("pages/system_edit.py", actor=None)
    fill_new_form(at)
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    assert any("Enter your name" in item.value for item in at.error)
    database = Database(db_path)
    assert store.counts(database)["total"] == 0
    database.close()


def test_edit_prefills_and_records_history(app_test, db_path) -> None:
    database = Database(db_path)
    created = store.create_system(database, "Ada", system_input())
    database.close()
    at = app_test("pages/system_edit.py", id=str(created.id))
    prefix = f"sysform_{created.id}_"
    assert at.text_input(key=prefix + "name").value == "Loan Advisor"
    at.text_input(key=prefix + "owner").set_value("Grace Hopper")
    at.button(key=f"FormSubmitter:{prefix}form-Save").click().run()
    no_exceptions(at)
    at.switch_page("pages/system.py")
    at.query_params["id"] = str(created.id)
    at.run()
    no_exceptions(at)
    assert any("update · Test User" in expander.label for expander in at.expander)
    assert "Owner" in at.dataframe[0].value["Field"].tolist()  # the newest event first
    created_rows = at.dataframe[-1].value.set_index("Field")  # the creation, in words
    assert created_rows.loc["AI technique", "After"] == "Machine learning"


def test_inventory_list_filters_and_empty_states(app_test, db_path) -> None:
    at = app_test("pages/inventory.py")
    no_exceptions(at)
    assert "No AI systems yet" in at.info[0].value
    database = Database(db_path)
    store.create_system(database, "Ada", system_input(name="Chat", ai_technique="generative_llm"))
    store.create_system(database, "Ada", system_input(name="Scorer"))
    database.close()
    at.run()
    assert len(at.dataframe[0].value) == 2
    at.text_input(key="inv_search").set_value("chat").run()
    assert at.dataframe[0].value["name"].tolist() == ["Chat"]
    at.text_input(key="inv_search").set_value("nothing like this").run()
    assert "No system matches" in at.info[0].value


def test_detail_page_handles_unknown_ids(app_test, db_path) -> None:
    database = Database(db_path)
    store.create_system(database, "Ada", system_input())
    database.close()
    at = app_test("pages/system.py", id="999")
    no_exceptions(at)
    assert "There is no AI system with id 999" in at.warning[0].value


def test_user_text_is_not_rendered_as_markup(app_test, db_path) -> None:
    database = Database(db_path)
    created = store.create_system(
        database, "Ada", system_input(purpose="<script>alert(1)</script> **bold**")
    )
    database.close()
    at = app_test("pages/system.py", id=str(created.id))
    purpose = next(item.value for item in at.markdown if "Purpose" in item.value)
    assert "\\<script\\>" in purpose and "\\*\\*bold\\*\\*" in purpose


MARKUP_NAME = "[Loan](https://evil.example) **Advisor** <b>"


def test_a_system_name_with_markup_shows_as_typed_in_title_link_and_message(
    app_test, db_path
) -> None:
    database = Database(db_path)
    created = store.create_system(database, "Ada", system_input(name=MARKUP_NAME))
    database.close()
    at = app_test("pages/system_edit.py", id=str(created.id))
    no_exceptions(at)
    page_links = [element.proto.label for element in at.get("page_link")]
    assert escape_markdown(MARKUP_NAME) in page_links
    at.button(key=f"FormSubmitter:sysform_{created.id}_form-Save").click().run()
    at.switch_page("pages/system.py")
    at.query_params["id"] = str(created.id)
    at.run()
    no_exceptions(at)
    assert at.title[0].value == escape_markdown(MARKUP_NAME)


def test_the_flash_message_escapes_the_name_it_names(app_test, db_path) -> None:
    at = app_test("pages/system_edit.py")
    fill_new_form(at, name="Ticket *triage* :rocket:")
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    assert [item.value for item in at.success] == [
        escape_markdown("Saved Ticket *triage* :rocket:.")
    ]


def test_an_id_from_the_url_is_never_rendered_as_markup(app_test) -> None:
    """The edit form, the system page and the screening page share one ?id= check."""
    wanted = "[x](https://evil.example)"
    for page in ("pages/system_edit.py", "pages/system.py", "pages/screening.py"):
        at = app_test(page, id=wanted)
        no_exceptions(at)
        assert [item.value for item in at.warning] == [
            f"There is no AI system with id {escape_markdown(wanted)}."
        ], page
        assert not at.get("form"), "no form for a system that does not exist"


def test_detail_page_without_an_id_offers_a_picker_that_opens_the_system(app_test, db_path) -> None:
    database = Database(db_path)
    created = store.create_system(database, "Ada", system_input())
    database.close()
    at = app_test("pages/system.py")
    no_exceptions(at)
    assert not at.warning
    at.selectbox(key="sys_pick").set_value(created.id).run()
    no_exceptions(at)
    assert at.query_params["id"] == [str(created.id)] or at.query_params["id"] == str(created.id)
    assert at.title[0].value == "Loan Advisor"


def test_home_counts_the_systems_in_scope(app_test, db_path) -> None:
    database = Database(db_path)
    store.create_system(database, "Ada", system_input(name="Live", status="active"))
    store.create_system(database, "Ada", system_input(name="Next", status="planned"))
    store.create_system(
        database, "Ada", system_input(name="Gone", status="retired", lifecycle_stage="retired")
    )
    database.close()
    at = app_test()
    no_exceptions(at)
    in_scope = next(metric for metric in at.metric if metric.label == "AI systems in scope")
    assert in_scope.value == "2"


def test_audit_log_lists_and_filters(app_test, db_path) -> None:
    at = app_test("pages/audit_log.py")
    no_exceptions(at)
    database = Database(db_path)
    created = store.create_system(database, "Ada", system_input())
    store.update_system(database, "Ben", created.id, system_input(owner="Ben"))
    database.close()
    at.run()
    at.selectbox(key="aud_entity").set_value("ai_system").run()
    assert len(at.dataframe[0].value) == 2
    at.selectbox(key="aud_actor").set_value("Ben").run()
    assert at.dataframe[0].value["action"].tolist() == ["update"]
