"""The audit trail: every change, who made it and when, with the state before and after."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from assessments.audit import entity_label
from assessments.audit_view import (
    RecordNames,
    audit_export,
    labelled_changes,
    parse_state,
    record_name,
    referenced_ids,
    snapshot_of,
)
from assessments.store import audit as audit_store
from ui.common import database, options_with_all, plain

EVENT_LIMIT = 2000
MIME_TYPES = {"csv": "text/csv", "json": "application/json"}

db = database()
st.title("Audit log")
st.caption(
    "Every write records who, when, what and the record before and after, in the same "
    "transaction as the change itself."
)

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
chosen_entity = None if entity == "All" else entity
chosen_actor = None if actor == "All" else actor

events = audit_store.list_events(
    db, entity=chosen_entity, actor=chosen_actor, start=start, end=end, limit=EVENT_LIMIT
)
older = (
    audit_store.count_events(db, entity=chosen_entity, actor=chosen_actor, before=start)
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


def named_records(
    events: pd.DataFrame,
) -> tuple[list[dict[str, Any] | None], list[dict[str, Any] | None], list[str], RecordNames]:
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
    return befores, afters, records, names


def every_matching_event(fmt: str) -> bytes:
    """Every event these filters match, not only the newest EVENT_LIMIT listed: read from the
    store with the same conditions when the download is clicked."""
    every = audit_store.list_events(
        db, entity=chosen_entity, actor=chosen_actor, start=start, end=end, limit=None
    )
    return audit_export(every, named_records(every)[2], fmt)


befores, afters, records, names = named_records(events)

noun = "event" if len(events) == 1 else "events"
matching = (
    audit_store.count_events(db, entity=chosen_entity, actor=chosen_actor, start=start, end=end)
    if len(events) >= EVENT_LIMIT
    else len(events)
)
limited = (
    f" (the newest {len(events):,} of {matching:,} shown: narrow the filters or the period for "
    "older ones)"
    if matching > len(events)
    else ""
)
header = st.columns([3, 1, 1], vertical_alignment="bottom")
header[0].caption(f"{len(events):,} {noun}{limited}, newest first · select one to see what changed")
for column, fmt, label in zip(header[1:], ("csv", "json"), ("CSV", "JSON"), strict=True):
    column.download_button(
        f"All {matching:,} ({label})",
        data=partial(every_matching_event, fmt),
        file_name=f"audit-log.{fmt}",
        mime=MIME_TYPES[fmt],
        on_click="ignore",
        icon=":material/download:",
        key=f"aud_download_{fmt}",
        width="stretch",
        help="Every event these filters match (not only those listed), with the record "
        "before and after each change.",
    )

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
if rows:
    index = rows[0]
    event = events.iloc[index]
    st.subheader(
        f"Event {event['id']}: {event['action']} · {entity_label(event['entity'])} · "
        f"{plain(records[index])}",
        anchor=False,
    )
    st.caption(
        f"{pd.Timestamp(event['at']):%Y-%m-%d %H:%M:%S} UTC by {plain(event['actor'])}"
        f" · record id {plain(event['entity_id'])}"
    )
    changes = labelled_changes(event["entity"], befores[index], afters[index], names)
    if changes:
        st.dataframe(pd.DataFrame(changes), hide_index=True, width="stretch")
    else:
        st.caption("No field-level change recorded for this event.")
