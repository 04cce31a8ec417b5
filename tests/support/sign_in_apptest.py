"""AppTest runs of app.py in a chosen sign-in mode, with secrets and a signed-in user: what the
sign-in page tests and the workshop sign-in tests share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from ui.identity import ACTOR_STATE

REPO = Path(__file__).resolve().parents[2]
# Dummy settings: nothing here contacts a provider (port 1 refuses at once if anything tried).
AUTH = {
    "client_id": "workbench",
    "client_secret": "not-a-secret",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-cookie-secret",
}


def app_in_mode(
    monkeypatch: pytest.MonkeyPatch,
    auth: str | None,
    secrets: dict[str, Any],
    user: dict[str, Any] | None = None,
    page: str | None = None,
    typed_name: str | None = None,
    **query: str,
) -> AppTest:
    """Run app.py once with AIMS_AUTH = `auth` (None: unset), these secrets sections and this
    `st.user`, opened on `page` as a link would open it."""
    if auth is None:
        monkeypatch.delenv("AIMS_AUTH", raising=False)
    else:
        monkeypatch.setenv("AIMS_AUTH", auth)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    for section, values in secrets.items():
        at.secrets[section] = values
    at.user = dict(user) if user is not None else {"is_logged_in": False}
    if typed_name:
        at.session_state[ACTOR_STATE] = typed_name
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run()
