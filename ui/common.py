"""What every page shares: the database of this process, page names and small widgets. Who
the user is lives in ui/identity.py."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn, TypeVar

import streamlit as st
from pydantic import ValidationError

from assessments.config import database_target
from assessments.errors import (
    DatabaseBusyError,
    FieldErrors,
    NotFoundError,
    WorkbenchError,
    field_messages,
)
from assessments.regulatory import CLASS_COLOURS, class_label
from assessments.store.db import Database
from assessments.text import escape_markdown, shorten

Record = TypeVar("Record")
Result = TypeVar("Result")


# Page files, so links and switches name pages in one place.
HOME = "pages/home.py"
INVENTORY = "pages/inventory.py"
SYSTEM = "pages/system.py"
SYSTEM_EDIT = "pages/system_edit.py"
AUDIT_LOG = "pages/audit_log.py"
SOA = "pages/soa.py"  # ?control=<Annex A id> opens that control in the editor
READINESS = "pages/readiness.py"
RISK_CRITERIA = "pages/criteria.py"
RISK_NEW = "pages/risk_new.py"  # ?system=<id> preselects the AI system
RISK = "pages/risk.py"  # ?id=<risk id>
REGISTER = "pages/register.py"  # ?system=<id> preselects the AI system
PORTFOLIO = "pages/portfolio.py"
TRENDS = "pages/trends.py"  # ?risk=<risk id> or ?system=<id> opens that path
SCREENING = "pages/screening.py"
REGULATORY = "pages/regulatory.py"
IMPACT_ASSESSMENTS = "pages/impact_assessments.py"
IMPACT_WIZARD = "pages/impact_wizard.py"  # ?id=<response id>&section=<section id>
IMPACT_RESULT = "pages/impact_result.py"  # ?id=<response id>
WORKSHOPS = "pages/workshops.py"
WORKSHOP_CONSOLE = "pages/workshop_console.py"  # ?id=<workshop id> (the key never in the URL)
WORKSHOP_JOIN = "pages/workshop_join.py"  # ?code=<join code>&token=<participant token>
PEOPLE = "pages/people.py"
# Session key holding a new workshop's facilitator key until its facilitator confirms keeping it.
WORKSHOP_NEW_KEY = "workshop_new_key_{}"
# Session key holding a workshop's facilitator key for this browser session (a reload asks again).
WORKSHOP_KEY = "workshop_key_{}"


@st.cache_resource(show_spinner="Opening the database…")
def _open_database(path: str) -> Database:
    _warm_up_in_background()
    return Database(path)


def _warm_up_in_background() -> None:
    """Import the chart library and read the content files while the first page is read, so
    the first visit to a chart page after a start does not pay for them (seconds on 2 cores)."""

    def warm() -> None:
        import plotly.graph_objects  # noqa: F401

        from assessments import catalog, regulatory

        catalog.taxonomy()
        catalog.annex_a_controls()
        regulatory.class_filter_options()
        regulatory.screening_questionnaire()

    threading.Thread(target=warm, name="warm-up", daemon=True).start()


def database() -> Database:
    """The process-wide store (one DuckDB connection, or a pool of PostgreSQL connections; a
    cursor per unit of work)."""
    try:
        return _open_database(database_target())
    except DatabaseBusyError as error:
        st.error(str(error))
        st.stop()
        raise


def plain(text: object) -> str:
    """User text made safe for markdown rendering: never interpreted as markup or HTML."""
    return escape_markdown(text)


def attempt(work: Callable[[], Result]) -> tuple[Result | None, dict[str, str]]:
    """Run a form's write: (its result, {}) or (None, messages by field, 'form' for what
    concerns the whole form), ready for `field_error` beside each field."""
    try:
        return work(), {}
    except ValidationError as error:
        return None, field_messages(error)
    except FieldErrors as error:
        return None, dict(error.errors)
    except WorkbenchError as error:
        return None, {"form": str(error)}


def field_error(errors: Mapping[str, str], field: str) -> None:
    """The validation message for one field, shown right beneath it."""
    message = errors.get(field)
    if message:
        st.markdown(
            f":red[:material/error: {plain(message)}]",
            help=None,
        )


def labelled(vocabulary: Mapping[Any, str]) -> Callable[[Any], str]:
    """A format_func showing labels for stored keys."""
    return lambda key: vocabulary.get(key, str(key))


def options_with_all(values: Iterable[str]) -> list[str]:
    return ["All", *values]


# How many records a page draws before it says "First N of M … shown" and offers the rest (a
# download, or a link to the page that lists them all). A link, box or line per record costs the
# browser DOM nodes and seconds: 10,938 links took 181 s. The store reads only these (SQL LIMIT)
# and counts the rest.
LINK_LIMIT = 50
# Rows in one data grid (the register, the inventory, the screening and impact overviews): the
# grid draws only what is in view, but every row is read, styled and sent to the browser.
TABLE_LIMIT = 500
# Choices in one select box: pick from a search instead of scrolling thousands of options.
CHOICE_LIMIT = 200


def capped_list_note(
    shown: int,
    total: int,
    noun: str,
    *,
    hint: str = "",
    download: Callable[[], bytes] | None = None,
    file_name: str = "",
    mime: str = "text/csv",
    download_label: str = "",
    page: str | None = None,
    page_label: str = "",
    query_params: Mapping[str, object] | None = None,
    key: str | None = None,
) -> bool:
    """Below a list the store cut at its limit: "First N of M <noun> shown." (and a `hint`) and
    where the rest is: a download of the whole list (built only when clicked) or a link to the
    page that lists them all. Draws nothing and returns False when the list is whole."""
    if total <= shown:
        return False
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(f"First {shown:,} of {total:,} {noun} shown." + (f" {hint}" if hint else ""))
        if download is not None:
            st.download_button(
                download_label or f"Download all {total:,} ({mime.split('/')[-1].upper()})",
                data=download,
                file_name=file_name,
                mime=mime,
                on_click="ignore",
                icon=":material/download:",
                key=key,
            )
        if page is not None:
            st.page_link(
                page,
                label=page_label,
                icon=":material/table_view:",
                query_params=dict(query_params or {}),
            )
    return True


def flash(message: str, kind: str = "success", *, markdown: bool = False) -> None:
    """A message that survives the next rerun or page switch (shown once by `show_flash`).

    The message is shown exactly as written (it usually names user text: a system, a title);
    `markdown=True` is for a message whose markup is intended, with any user text in it
    already escaped by `plain`.
    """
    st.session_state["_flash"] = (kind, message if markdown else plain(message))


def show_flash() -> None:
    entry = st.session_state.pop("_flash", None)
    if entry:
        kind, message = entry
        getattr(st, kind)(message)


def _id_from_query(param: str) -> tuple[str, int | None]:
    """The raw ?param= value and the id it names (None when it is not a plausible id)."""
    raw = str(st.query_params.get(param, "") or "").strip()
    plausible = raw.isascii() and raw.isdigit() and len(raw) <= 18
    return raw, int(raw) if plausible else None


def _fetched(fetch: Callable[[int], Record], param: str) -> tuple[str, Record | None]:
    raw, record_id = _id_from_query(param)
    if record_id is None:
        return raw, None
    try:
        return raw, fetch(record_id)
    except NotFoundError:
        return raw, None


def _record_missing(
    raw: str,
    *,
    title: str,
    noun: str,
    hint: str | None,
    alternatives: Callable[[], None] | None,
) -> NoReturn:
    st.title(title, anchor=False)
    if raw:
        st.warning(f"There is no {noun} with id {plain(shorten(raw, 40))}.")
    elif hint:
        st.info(hint)
    if alternatives is not None:
        alternatives()
    st.stop()
    raise AssertionError("st.stop() ends the run")


def record_from_query(
    fetch: Callable[[int], Record],
    *,
    title: str,
    noun: str,
    hint: str | None = None,
    alternatives: Callable[[], None] | None = None,
    param: str = "id",
) -> Record:
    """The record a page's URL names (?id=), fetched by `fetch` (which raises NotFoundError).

    Without a usable id the page shows its `title`, "There is no <noun> with id …" for an id
    that names nothing (or `hint` when none was given), then `alternatives` (a picker, links),
    and stops there.
    """
    raw, record = _fetched(fetch, param)
    if record is None:
        _record_missing(raw, title=title, noun=noun, hint=hint, alternatives=alternatives)
    return record


def optional_record_from_query(
    fetch: Callable[[int], Record],
    *,
    title: str,
    noun: str,
    alternatives: Callable[[], None] | None = None,
    param: str = "id",
) -> Record | None:
    """As `record_from_query` for a page that also works without a record (it then creates
    one): None when the URL names none; an id that names nothing still stops the page."""
    raw, record = _fetched(fetch, param)
    if record is None and raw:
        _record_missing(raw, title=title, noun=noun, hint=None, alternatives=alternatives)
    return record


def system_picker(names: Mapping[int, str], label: str, key: str, empty: str) -> bool:
    """A choice of AI system that opens it on this same page (?id=); on an empty inventory,
    `empty` and a link to add a system instead. False when there is nothing to choose."""
    if not names:
        st.info(empty)
        st.page_link(SYSTEM_EDIT, label="Add an AI system", icon=":material/add:")
        return False
    choice = st.selectbox(label, list(names), format_func=names.get, index=None, key=key)
    if choice is not None:
        st.query_params["id"] = str(choice)
        st.rerun()
    return True


def class_badge(risk_class: str | None) -> None:
    """The EU AI Act class of a system as a badge: the same colour everywhere, always with its
    label (colour alone never carries the meaning)."""
    st.badge(
        f"EU AI Act: {class_label(risk_class)}",
        icon=":material/gavel:",
        color=CLASS_COLOURS.get(risk_class or "", "gray"),
    )
