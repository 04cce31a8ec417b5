"""Who is using the app: a person signed in through OpenID Connect (`st.login`), or, only when
chosen with AIMS_AUTH=local, a typed name; their roles; the sidebar that shows them.

The mode: AIMS_AUTH=local is local mode; AIMS_AUTH=oidc, or an `[auth]` section in
.streamlit/secrets.toml with AIMS_AUTH unset, is sign-in. With neither, the app explains how to
set one up and shows nothing else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

import streamlit as st

from assessments.errors import WorkbenchError
from assessments.identity import (
    NAME_MAX_LENGTH,
    ROLE_LABELS,
    Actor,
    Permission,
    local_actor,
    normalise_name,
    refusal,
    roles_from_claims,
    signed_in_actor,
)
from assessments.store import people
from ui.common import database, plain

LOCAL = "local"
OIDC = "oidc"
UNCONFIGURED = "unconfigured"

ACTOR_KEY = "actor_name"
ACTOR_STATE = "_actor_name_kept"
_ACTOR_COOKIE = "aims_actor"
_ACTOR_COOKIE_PENDING = "_actor_cookie_pending"
# The person recorded for this session, the run their roles were read in, and those roles: a
# rerun writes nothing, and the roles are read once per run of app.py.
_KNOWN = "_person_known"
_RUN = "_app_run"

LOCAL_BANNER = (
    "Local mode: names are typed, not verified. Anyone can type any name here, so this record "
    "cannot prove who did what. Set up sign-in (see the README) for evidence an auditor can rely "
    "on."
)


def _secrets_section(name: str) -> Mapping[str, Any]:
    """A section of .streamlit/secrets.toml, or {} when there is no such file or section (or
    the file cannot be read: Streamlit raises a FileNotFoundError for both)."""
    try:
        section = st.secrets.get(name)
    except FileNotFoundError:
        return {}
    return section if isinstance(section, Mapping) else {}


def auth_mode() -> str:
    chosen = os.environ.get("AIMS_AUTH", "").strip().lower()
    if chosen == LOCAL:
        return LOCAL
    if chosen == OIDC or (not chosen and _secrets_section("auth")):
        return OIDC if _secrets_section("auth") else UNCONFIGURED
    return UNCONFIGURED


def providers() -> list[str | None]:
    """The providers of `[auth]`: None for one provider set in the section itself, else the
    names of its `[auth.<name>]` subsections."""
    section = _secrets_section("auth")
    named = [key for key, value in section.items() if isinstance(value, Mapping)]
    return [None] if "client_id" in section or not named else named


def _role_settings() -> tuple[list[str], dict[str, str]]:
    """`[aims]` in secrets.toml: which claims carry roles and how their values map to roles."""
    settings = _secrets_section("aims")
    claims = settings.get("role_claims") or []
    mapping = settings.get("role_map") or {}
    return [str(claim) for claim in claims], {str(k): str(v) for k, v in dict(mapping).items()}


def start_run() -> None:
    """app.py's run begins: roles are read again once in this run (an admin may have changed
    them), however many links and forms ask."""
    st.session_state[_RUN] = st.session_state.get(_RUN, 0) + 1


def _recorded(actor: Actor) -> Actor:
    """The person with their stored roles, recording them on their first visit."""
    signature = (actor.subject, actor.name, actor.email)
    run = st.session_state.get(_RUN, 0)
    known = st.session_state.get(_KNOWN)
    if known is not None and known[:2] == (signature, run):
        return actor.with_roles(known[2])
    if known is None or known[0] != signature:
        people.sign_in(database(), actor)
    roles = people.stored_roles(database(), actor.subject)
    st.session_state[_KNOWN] = (signature, run, roles)
    return actor.with_roles(roles)


def _signed_in() -> Actor | None:
    if not st.user.is_logged_in:
        return None
    claims = {key: st.user.get(key) for key in st.user}
    actor = _recorded(signed_in_actor(claims))
    claim_names, role_map = _role_settings()
    return actor.with_roles(actor.roles | roles_from_claims(claims, claim_names, role_map))


def _remembered_name() -> str:
    """The typed name of this session; on its first run, the one this browser's cookie kept
    (read before the menu is built, so a deep link opens the pages the person's roles allow)."""
    if ACTOR_STATE not in st.session_state:
        cookie = st.context.cookies.get(_ACTOR_COOKIE)
        remembered = unquote(cookie) if isinstance(cookie, str) else ""
        st.session_state[ACTOR_STATE] = normalise_name(remembered)[:NAME_MAX_LENGTH]
    return str(st.session_state[ACTOR_STATE] or "")


def _typed() -> Actor | None:
    name = normalise_name(_remembered_name())
    if not name:
        return None
    try:
        return _recorded(local_actor(name))
    except WorkbenchError:
        return None


def current_actor() -> Actor | None:
    """The person acting in this run, with their roles, or None."""
    mode = auth_mode()
    if mode == OIDC:
        return _signed_in()
    if mode == LOCAL:
        return _typed()
    return None


def may(permission: Permission) -> bool:
    actor = current_actor()
    return actor is not None and actor.may(permission)


def require_actor_notice(permission: Permission | None = None) -> Actor | None:
    """The actor allowed to make this change, or None with a visible note beside the form
    saying why saving is disabled (no name given, or a role the person lacks)."""
    actor = current_actor()
    if actor is None:
        st.warning(
            "Enter your name in the sidebar (top left) before saving: every change "
            "records who made it.",
            icon=":material/person:",
        )
        return None
    if permission is not None and not actor.may(permission):
        st.info(plain(refusal(actor, permission)), icon=":material/lock:")
        return None
    return actor


def _remember_actor() -> None:
    """The sidebar field changed: keep the name and write it to the browser's cookie."""
    st.session_state[ACTOR_STATE] = normalise_name(st.session_state.get(ACTOR_KEY) or "")
    st.session_state[_ACTOR_COOKIE_PENDING] = True


def _local_sidebar() -> None:
    """Local mode: the typed name (kept in the session and in a cookie of this browser, so a
    reload or a new tab does not ask again)."""
    st.session_state[ACTOR_KEY] = _remembered_name()
    with st.sidebar:
        st.text_input(
            "Your name",
            key=ACTOR_KEY,
            max_chars=NAME_MAX_LENGTH,
            placeholder="e.g. Dana Whitfield",
            help="Recorded as 'who' on every change you make (the audit trail). Remembered in "
            "this browser. Typed, not verified: local mode.",
            on_change=_remember_actor,
        )
        actor = current_actor()
        if actor is None:
            st.caption("Give your name to make changes; reading needs none.")
        else:
            _roles_caption(actor)
        if st.session_state.pop(_ACTOR_COOKIE_PENDING, False):
            name = st.session_state.get(ACTOR_STATE) or ""
            value = json.dumps(quote(name))
            age = 0 if not name else 400 * 24 * 3600
            st.html(
                f"<script>document.cookie = '{_ACTOR_COOKIE}=' + {value} + "
                f"'; path=/; max-age={age}; SameSite=Strict';</script>",
                unsafe_allow_javascript=True,
            )


def _roles_caption(actor: Actor) -> None:
    roles = ", ".join(ROLE_LABELS[role] for role in sorted(actor.roles)) or "none yet"
    st.caption(f"Roles: {plain(roles)}")


def _signed_in_sidebar(actor: Actor) -> None:
    with st.sidebar:
        st.markdown(f"Signed in as **{plain(actor.name)}**")
        if actor.email:
            st.caption(plain(actor.email))
        _roles_caption(actor)
        if st.button("Sign out", icon=":material/logout:"):
            st.session_state.pop(_KNOWN, None)
            st.logout()


def identity_sidebar() -> None:
    """The sidebar's 'who': the signed-in person with a sign-out, or the typed name."""
    mode = auth_mode()
    if mode == LOCAL:
        _local_sidebar()
    elif mode == OIDC:
        actor = current_actor()
        if actor is not None:
            _signed_in_sidebar(actor)


def local_banner() -> None:
    if auth_mode() == LOCAL:
        st.warning(LOCAL_BANNER, icon=":material/badge:")


def sign_in_page() -> None:
    """Shown instead of the app to a visitor who has not signed in."""
    st.title("Sign in")
    st.write(
        "The AI risk & impact workbench records who did what: sign in with your organisation's "
        "account to continue. A workshop member joining with a code needs no account: open "
        "'Join a workshop'."
    )
    for provider in providers():
        label = "Sign in" if provider is None else f"Sign in with {provider.title()}"
        if st.button(label, type="primary", icon=":material/login:", key=f"login_{provider}"):
            if provider is None:
                st.login()
            else:
                st.login(provider)


def setup_page() -> None:
    """Shown when neither sign-in nor local mode is set up."""
    st.title("Set up sign-in")
    chosen = os.environ.get("AIMS_AUTH", "").strip()
    if chosen.lower() == OIDC:
        st.error("AIMS_AUTH is 'oidc' but .streamlit/secrets.toml has no readable [auth] section.")
    elif chosen and chosen.lower() != LOCAL:
        st.error(f"AIMS_AUTH is {plain(repr(chosen))}: use 'local' or 'oidc'.")
    st.write(
        "This workbench records who made every change, so it needs to know who you are. Choose one:"
    )
    st.markdown(
        "- **Sign-in with your identity provider** (Microsoft Entra ID, Google, Okta, Keycloak "
        "or any OpenID Connect provider): add an `[auth]` section to `.streamlit/secrets.toml` "
        "(the README shows an example) and restart.\n"
        "- **Local mode** for a laptop or a workshop room without a provider: start the app "
        "with `AIMS_AUTH=local` (`make run` does this when secrets.toml has no `[auth]`). "
        "Names are then typed and not verified."
    )
