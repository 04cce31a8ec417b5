"""The audit trail: every change, who made it and when, with the state before and after."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from assessments.audit import describe_value, entity_label, field_changes
from assessments.store import audit as audit_store
from pages.common import database, options_with_all, plain

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
)
# While a range is being picked the widget holds one date: filter from it, open-ended.
start, end = ([*period, None, None][:2]) if isinstance(period, tuple) else (period, None)

events = audit_store.list_events(
    db,
    entity=None if entity == "All" else entity,
    actor=None if actor == "All" else actor,
    start=start,
    end=end,
)
if events.empty:
    if audit_store.count_events(db) == 0:
        st.info("Nothing has been recorded yet: changes appear here as soon as anyone saves.")
    else:
        st.info("No event matches these filters.")
    st.stop()

noun = "event" if len(events) == 1 else "events"
st.caption(f"{len(events)} {noun}, newest first · select one to see what changed")
shown = events[["at", "actor", "action", "entity", "entity_id", "summary"]].assign(
    entity=events["entity"].map(entity_label)
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
        "entity_id": "Record",
        "summary": st.column_config.TextColumn("Summary", width="large"),
    },
)
rows = selection["selection"]["rows"] if selection else []
if rows:
    event = events.iloc[rows[0]]
    before = json.loads(event["before"]) if event["before"] else None
    after = json.loads(event["after"]) if event["after"] else None
    st.subheader(
        f"Event {event['id']}: {event['action']} · {entity_label(event['entity'])} "
        f"{plain(event['entity_id'])}"
    )
    changes = field_changes(before, after)
    if changes:
        st.dataframe(
            pd.DataFrame(
                [
                    {"Field": name, "Before": describe_value(old), "After": describe_value(new)}
                    for name, old, new in changes
                ]
            ),
            hide_index=True,
        )
    else:
        st.caption("No field-level change recorded for this event.")
