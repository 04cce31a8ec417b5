"""A real OpenID Connect provider on this machine for the sign-in browser tests.

oidc-provider-mock serves discovery, an authorization page, tokens and keys from a thread inside
pytest, so `st.login()` runs the same redirects, nonce check and token exchange it runs against
Entra ID or Google; only the provider's login screen differs (one button per predefined user)."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from oidc_provider_mock import User, run_server_in_thread

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Route

# The only hosts a sign-in test's browser may reach: the app and the provider.
_LOCAL_HOSTS = {"localhost", "127.0.0.1"}


@dataclass(frozen=True)
class Person:
    """Someone the provider knows. `roles=None` sends no roles claim at all (as a provider
    without app roles does); a tuple sends it as the `roles` claim Entra ID uses."""

    sub: str
    name: str
    email: str
    roles: tuple[str, ...] | None = None

    def as_provider_user(self) -> User:
        claims: dict[str, object] = {
            "name": self.name,
            "email": self.email,
            "email_verified": True,
        }
        if self.roles is not None:
            claims["roles"] = list(self.roles)
        return User(sub=self.sub, claims=claims)


@dataclass(frozen=True)
class OidcProvider:
    """The running provider: its port and the discovery URL an app's secrets point at."""

    port: int

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def authorize_url(self) -> str:
        return f"{self.issuer}/oauth2/authorize"


@contextmanager
def running_provider(people: Sequence[Person]) -> Iterator[OidcProvider]:
    """Serve a provider on a free port for the duration of the block. Any client id and secret
    are accepted (no registration), and a nonce is required, as real providers do."""
    with run_server_in_thread(
        port=0,
        require_nonce=True,
        user_claims=[person.as_provider_user() for person in people],
    ) as server:
        yield OidcProvider(port=server.server_port)


def write_auth_secrets(
    path: Path, *, app_port: int, provider: OidcProvider, more_toml: str = ""
) -> Path:
    """Write a secrets file whose `[auth]` section signs in with `provider` for an app served
    on `app_port`, followed by `more_toml` (the app's own sections). The secrets are random per
    file: nothing here is a real credential."""
    auth = {
        "redirect_uri": f"http://localhost:{app_port}/oauth2callback",
        "cookie_secret": secrets.token_hex(32),
        "client_id": "aims-browser-tests",
        "client_secret": secrets.token_urlsafe(24),
        "server_metadata_url": provider.metadata_url,
    }
    # JSON string literals of ASCII text are valid TOML basic strings.
    lines = ["[auth]", *(f"{key} = {json.dumps(value)}" for key, value in auth.items())]
    path.write_text("\n".join(lines) + "\n\n" + more_toml, encoding="utf-8")
    return path


def block_external_requests(context: BrowserContext) -> None:
    """Let the browser reach only this machine: the provider's page asks a CDN for its
    stylesheet, which would make a test depend on the network (the page works without it)."""

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname in _LOCAL_HOSTS:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)


def choose_person_at_provider(page: Page, provider: OidcProvider, person: Person) -> None:
    """On the provider's authorization page, sign in as a predefined person: one click on the
    button that carries their subject. The provider then redirects to the app's callback."""
    page.wait_for_url(f"{provider.authorize_url}?*")
    predefined = page.get_by_role("form", name="Authenticate predefined users")
    predefined.get_by_role("button", name=person.sub, exact=True).click()


def end_session_at_provider(page: Page, provider: OidcProvider) -> None:
    """After `st.logout()` the app sends the browser to the provider's end-session page; its
    one button confirms and the provider redirects back to the app, signed out."""
    page.wait_for_url(f"{provider.issuer}/oauth2/end_session?*")
    page.get_by_role("button", name="End session", exact=True).click()
