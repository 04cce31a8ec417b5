"""A database busy with other writers: the person sees the app's own message, never DuckDB's."""

from __future__ import annotations

import duckdb
import pytest

from assessments.errors import DatabaseBusyError
from assessments.store import db as db_module
from assessments.store import inventory as store
from assessments.store.db import WRITE_BUSY_MESSAGE
from tests.pages.test_inventory_pages import fill_new_form, no_exceptions
from tests.support.markdown import as_shown


def test_a_save_that_keeps_clashing_shows_busy_beside_the_form_and_keeps_the_input(
    app_test, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app_test("pages/system_edit.py")
    fill_new_form(at)
    monkeypatch.setattr(db_module, "WRITE_RETRY_SECONDS", 0.0)

    def clashing_insert(*_args: object, **_kwargs: object) -> None:
        raise duckdb.TransactionException("TransactionContext Error: Conflict on update!")

    monkeypatch.setattr(store, "insert_system", clashing_insert)
    at.button(key="FormSubmitter:sysform_new_form-Save").click().run()
    no_exceptions(at)
    shown = " ".join(item.value for item in [*at.error, *at.markdown])
    assert "The database is busy" in shown and "Conflict on" not in shown
    assert at.text_input(key="sysform_new_name").value == "Triage Helper"


def test_a_busy_demo_load_is_a_message_not_a_traceback(
    app_test, monkeypatch: pytest.MonkeyPatch
) -> None:
    import assessments.demo

    def busy(*_args: object, **_kwargs: object) -> None:
        raise DatabaseBusyError(WRITE_BUSY_MESSAGE)

    monkeypatch.setattr(assessments.demo, "load_demo", busy)
    at = app_test()
    next(b for b in at.button if b.label == "Load the demo portfolio").click().run()
    no_exceptions(at)
    assert any(as_shown(item.value) == WRITE_BUSY_MESSAGE for item in at.error)
