"""The audit trail: every change, who made it and when, with the state before and after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from assessments.audit_view import (
    RecordNames,
    audit_export,
    entity_label,
    labelled_changes,
    parse_state,
    record_name,
    referenced_ids,
    snapshot_of,
)
from assessments.store import audit as audit_store
from assessments.store.db import Database
from ui.common import database, options_with_all, plain
from ui.navigation import run_page

EVENT_LIMIT = 2000
MIME_TYPES = {"csv": "text/csv", "json": "application/json"}


@dataclass(frozen=True)
class Filters:
    """What the filters narrow the trail to (None: all)."""

    entity: str | None
    actor: str | None
    start: date | None
    end: date | None

    def conditions(self) -> dict[str, Any]:
        return {"entity": self.entity, "actor": self.actor, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class NamedEvents:
    """Each event's state before and after, the record it is about as people know it, and the
    names looked up for it."""

    befores: list[dict[str, Any] | None]
    afters: list[dict[str, Any] | None]
    records: list[str]
    names: RecordNames


def main() -> None:
    db = database()
    render_header()
    filters = render_filters(db)
    events = load_events(db, filters)
    named = named_records(db, events)
    render_count_and_downloads(db, filters, events)
    index = render_events_table(events, named.records)
    if index is not None:
        render_event_detail(events.iloc[index], index, named)


def render_header() -> None:
    st.title("Audit log")
    st.caption(
        "Every write records who, when, what and the record before and after, in the same "
        "transaction as the change itself."
    )


def render_filters(db: Database) -> Filters:
    facets = audit_store.audit_facets(db)
    columns = st.columns([1, 1, 2])
    entity = columns[0].selectbox(
        "Record type",
        options_with_all(facets["entity"]),
        format_func=lambda key: key if key == "All" else entity_label(key),
        key="aud_entity",
    )
    actor = columns[1].selectbox("Who", options_with_all(facets["actor"]), key="aud_actor")
    today = date.today()
    period = columns[2].date_input(
        "Between",
        value=(today - timedelta(days=365), today),
        format="YYYY-MM-DD",
        key="aud_period",
        help="The last 12 months to start with: clear or widen the dates to see older events.",
    )
    # While a range is being picked the widget holds one date: filter from it, open-ended.
    start, end = ([*period, None, None][:2]) if isinstance(period, tuple) else (period, None)
    return Filters(
        entity=None if entity == "All" else entity,
        actor=None if actor == "All" else actor,
        start=start,
        end=end,
    )


def load_events(db: Database, filters: Filters) -> pd.DataFrame:
    """The newest EVENT_LIMIT events the filters match, after saying how many older ones the
    period hides; the page stops here when none match."""
    events = audit_store.list_events(db, **filters.conditions(), limit=EVENT_LIMIT)
    start = filters.start
    older = (
        audit_store.count_events(db, entity=filters.entity, actor=filters.actor, before=start)
        if start
        else 0
    )
    if older:
        them = "it" if older == 1 else "them"
        st.info(
            f"{older} older {'event is' if older == 1 else 'events are'} hidden by the period:"
            f" move the start of 'Between' back before {start.isoformat()} to see {them}.",
            icon=":material/history:",
        )
    if events.empty:
        if audit_store.count_events(db) == 0:
            st.info("Nothing has been recorded yet: changes appear here as soon as anyone saves.")
        else:
            st.info("No event matches these filters.")
        st.stop()
    return events


def named_records(db: Database, events: pd.DataFrame) -> NamedEvents:
    """Each event's state before and after, the record it is about as people know it, and the
    names looked up for it (one query per kind of record)."""
    befores = [parse_state(text) for text in events["before"]]
    afters = [parse_state(text) for text in events["after"]]
    keys = list(zip(events["entity"], events["entity_id"].astype(str), strict=True))
    snapshots = [snapshot_of(old, new) for old, new in zip(befores, afters, strict=True)]
    names = RecordNames(
        **audit_store.record_names(
            db,
            referenced_ids(
                [(kind, key, shot) for (kind, key), shot in zip(keys, snapshots, strict=True)]
            ),
        )
    )
    records = [
        record_name(kind, key, shot, names)
        for (kind, key), shot in zip(keys, snapshots, strict=True)
    ]
    return NamedEvents(befores, afters, records, names)


def every_matching_event(db: Database, filters: Filters, fmt: str) -> bytes:
    """Every event these filters match, not only the newest EVENT_LIMIT listed: read from the
    store with the same conditions when the download is clicked."""
    every = audit_store.list_events(db, **filters.conditions(), limit=None)
    return audit_export(every, named_records(db, every).records, fmt)


def render_count_and_downloads(db: Database, filters: Filters, events: pd.DataFrame) -> None:
    noun = "event" if len(events) == 1 else "events"
    matching = (
        audit_store.count_events(db, **filters.conditions())
        if len(events) >= EVENT_LIMIT
        else len(events)
    )
    limited = (
        f" (the newest {len(events):,} of {matching:,} shown: narrow the filters or the period "
        "for older ones)"
        if matching > len(events)
        else ""
    )
    header = st.columns([3, 1, 1], vertical_alignment="bottom")
    header[0].caption(
        f"{len(events):,} {noun}{limited}, newest first · select one to see what changed"
    )
    for column, fmt, label in zip(header[1:], ("csv", "json"), ("CSV", "JSON"), strict=True):
        column.download_button(
            f"All {matching:,} ({label})",
            data=partial(every_matching_event, db, filters, fmt),
            file_name=f"audit-log.{fmt}",
            mime=MIME_TYPES[fmt],
            on_click="ignore",
            icon=":material/download:",
            key=f"aud_download_{fmt}",
            width="stretch",
            help="Every event these filters match (not only those listed), with the record "
            "before and after each change.",
        )


def render_events_table(events: pd.DataFrame, records: list[str]) -> int | None:
    """The events, one selectable row each; the index of the selected one."""
    shown = pd.DataFrame(
        {
            "at": events["at"],
            "actor": events["actor"],
            "action": events["action"],
            "entity": events["entity"].map(entity_label),
            "record": records,
            "summary": events["summary"],
        }
    )
    selection = st.dataframe(
        shown,
        hide_index=True,
        key="aud_table",
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "actor": "Who",
            "action": "Action",
            "entity": "Record type",
            "record": st.column_config.TextColumn("Record", width="medium"),
            "summary": st.column_config.TextColumn("Summary", width="large"),
        },
    )
    rows = selection["selection"]["rows"] if selection else []
    return rows[0] if rows else None


def render_event_detail(event: pd.Series, index: int, named: NamedEvents) -> None:
    """What one event changed, field by field, in people's words."""
    st.subheader(
        f"Event {event['id']}: {event['action']} · {entity_label(event['entity'])} · "
        f"{plain(named.records[index])}",
        anchor=False,
    )
    st.caption(
        f"{pd.Timestamp(event['at']):%Y-%m-%d %H:%M:%S} UTC by {plain(event['actor'])}"
        f" · record id {plain(event['entity_id'])}"
    )
    changes = labelled_changes(
        event["entity"], named.befores[index], named.afters[index], named.names
    )
    if changes:
        st.dataframe(pd.DataFrame(changes), hide_index=True, width="stretch")
    else:
        st.caption("No field-level change recorded for this event.")


run_page(main)
