"""Helpers every page shares (ui/common.py): messages that survive a rerun."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assessments.text import escape_markdown


def flash_script() -> None:
    import streamlit as st

    from ui.common import flash, show_flash

    if st.session_state.get("step") == "typed":
        flash("Saved *Loan* [Advisor](https://evil.example).")
    elif st.session_state.get("step") == "markup":
        flash(":green[**Done**] for *Loan*", "info", markdown=True)
    show_flash()


def test_a_flash_message_shows_as_written_unless_its_markup_is_intended() -> None:
    at = AppTest.from_function(flash_script, default_timeout=30)
    at.session_state["step"] = "typed"
    at.run()
    assert [item.value for item in at.success] == [
        escape_markdown("Saved *Loan* [Advisor](https://evil.example).")
    ]
    at.session_state["step"] = "markup"
    at.run()
    assert [item.value for item in at.info] == [":green[**Done**] for *Loan*"]
    at.session_state["step"] = "nothing"
    at.run()
    assert not at.info and not at.success, "a message shows once"
