"""A date field whose typed day always reaches the server.

Streamlit's date_input refuses a typed day outside its min/max in the browser ("Date set outside
allowed range") and sends nothing, so a Save then runs with the old value and the typed day is
silently lost. Its default bounds are only ten years either side of today. These fields open
the widget to every day it can show; the domain's rules (assessments.dates and the models)
decide what is plausible and say so beside the field.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

TYPEABLE_MIN = date(1, 1, 1)
TYPEABLE_MAX = date(9999, 12, 31)


def date_field(label: str, **options: Any) -> Any:
    """st.date_input in YYYY-MM-DD with the widest bounds; `options` (key, help, on_change,
    ...) go to the widget."""
    options.setdefault("format", "YYYY-MM-DD")
    return st.date_input(label, min_value=TYPEABLE_MIN, max_value=TYPEABLE_MAX, **options)
