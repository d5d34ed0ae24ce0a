"""Access tokens for the school's mailbox, from msal (Microsoft 365) or google-auth (Google).

No OAuth is written by hand here: msal speaks to the identity platform (client credentials
with a certificate, device code, refresh) and keeps a delegated sign-in in a 0600 token cache
locked across processes (msal-extensions), so a refresh token rotated by the daemon is the
one the dashboard reads next. google-auth signs the service account's assertion. What this
module adds is the keeping: the token and its expiry, renewed before it expires.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from casework.mailauth import OAuth
from casework.mailrecords import TokenStatus
from casework.record import record
from mailer.errors import SignInError, TokenNetworkError
from mailer.signin_errors import Who, explain_token_error

log = logging.getLogger("conduct.mailer")

Now = Callable[[], datetime]  # a clock's now(): casework.clock.Clock.now
# Hosts msal knows (public and national clouds); any other authority skips instance discovery.
KNOWN_AUTHORITY_HOSTS = (
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.chinacloudapi.cn",
    "login.partner.microsoftonline.cn",
)
# Renew this long before expiry (at most; a short-lived token renews at three quarters of its
# life). Kept under msal's own five minutes so msal never hands back the token we are replacing.
RENEW_MARGIN_S = 240.0


def renew_margin(lifetime: float) -> float:
    """Seconds before expiry at which a token of this lifetime is renewed."""
    return min(RENEW_MARGIN_S, lifetime / 4.0)


@record
class AccessToken:
    """A bearer token and when it stops working (monotonic for deadlines, wall for people)."""

    value: str = field(repr=False)
    lifetime: float
    acquired_mono: float
    expires: datetime

    @property
    def renew_at_mono(self) -> float:
        """The monotonic time at which to renew, and to sign in to IMAP again."""
        return self.acquired_mono + self.lifetime - renew_margin(self.lifetime)


class TokenSource(Protocol):
    """Something that fetches a fresh token: (token, seconds it lives)."""

    describe: str

    def fetch(self, *, force: bool) -> tuple[str, float]:
        """Ask the identity provider for a token; ``force`` bypasses any cache."""
        ...


def who(oauth: OAuth) -> Who:
    """The facts error sentences are filled in with."""
    return Who(oauth.mailbox, oauth.client_id, oauth.tenant, oauth.flow == "delegated")


def http_session(oauth: OAuth) -> Any:
    """A requests session that trusts ``ca_file`` when one is configured.

    Set per request, because requests lets $REQUESTS_CA_BUNDLE override a session's own
    ``verify``; proxies from the environment still apply.
    """
    import functools

    import requests

    session = requests.Session()
    if oauth.ca_file is not None:
        session.request = functools.partial(  # type: ignore[method-assign]
            session.request, verify=str(oauth.ca_file), timeout=30
        )
    return session


def _expand(path: Path) -> Path:
    # A key kept as a systemd credential: private_key = "$CREDENTIALS_DIRECTORY/conduct-key".
    return Path(os.path.expandvars(str(path)))


def _msal_kwargs(oauth: OAuth) -> dict[str, Any]:
    host = oauth.authority.split("://", 1)[-1].split("/", 1)[0].lower()
    kwargs: dict[str, Any] = {"authority": oauth.authority, "http_client": http_session(oauth)}
    if host not in KNOWN_AUTHORITY_HOSTS:
        # An authority msal does not know (a test endpoint, a sovereign cloud it has not
        # listed): skip the instance-discovery call to login.microsoftonline.com.
        kwargs["instance_discovery"] = False
    return kwargs


def _msal_call(oauth: OAuth, what: str, call: Callable[[], Any]) -> Any:
    """Run an msal call; a network failure is a TokenNetworkError, anything else a SignInError."""
    import requests

    try:
        return call()
    except requests.RequestException as exc:
        raise TokenNetworkError(f"{what}: cannot reach {oauth.authority}: {exc}") from exc
    except ValueError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, requests.RequestException):
            raise TokenNetworkError(f"{what}: cannot reach {oauth.authority}: {cause}") from exc
        raise SignInError(
            f"{what}: {oauth.authority} is not a Microsoft 365 tenant we can sign in to "
            f"({exc}); check tenant and authority in [mail.oauth]"
        ) from exc


def _token_from(result: Any, oauth: OAuth, what: str) -> tuple[str, float]:
    if not isinstance(result, dict) or "access_token" not in result:
        if result is None:
            raise SignInError(
                f"{what}: nobody is signed in for {oauth.mailbox}: a member of staff with "
                f"access must run `{who(oauth).reconnect}`"
            )
        raise SignInError(explain_token_error(result, who(oauth)))
    return str(result["access_token"]), float(result.get("expires_in") or 3600)


class MicrosoftApp:
    """App-only sign-in: client credentials with our certificate (the unattended daemon's way)."""

    def __init__(self, oauth: OAuth) -> None:
        self.oauth = oauth
        self.describe = oauth.describe
        self._app: Any = None

    def _make(self) -> Any:
        import msal

        assert self.oauth.certificate is not None and self.oauth.private_key is not None
        try:
            key = _expand(self.oauth.private_key).read_text(encoding="ascii")
            cert = _expand(self.oauth.certificate).read_text(encoding="ascii")
        except OSError as exc:
            raise SignInError(f"cannot read the app's key or certificate: {exc}") from exc
        credential = {"private_key": key, "public_certificate": cert}
        return msal.ConfidentialClientApplication(
            self.oauth.client_id, client_credential=credential, **_msal_kwargs(self.oauth)
        )

    def fetch(self, *, force: bool) -> tuple[str, float]:
        """A token for the app itself (``.default`` scope: IMAP.AccessAsApp, SMTP.SendAsApp)."""
        if self._app is None or force:
            # msal caches app tokens in memory; a new app object is the way to bypass it.
            self._app = _msal_call(self.oauth, "Microsoft sign-in", self._make)
        app = self._app
        result = _msal_call(
            self.oauth,
            "Microsoft sign-in",
            lambda: app.acquire_token_for_client(scopes=list(self.oauth.scopes)),
        )
        return _token_from(result, self.oauth, "Microsoft sign-in")


def open_token_cache(path: Path) -> Any:
    """The delegated sign-in's token cache: a 0600 file, locked across processes."""
    from msal_extensions import FilePersistence, PersistedTokenCache

    path = _expand(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(path, 0o600)
    return PersistedTokenCache(FilePersistence(str(path)))


def public_app(oauth: OAuth) -> Any:
    """msal's public client on the persisted cache (device code sign-in and refresh)."""
    import msal

    assert oauth.token_cache is not None
    cache = open_token_cache(oauth.token_cache)
    return _msal_call(
        oauth,
        "Microsoft sign-in",
        lambda: msal.PublicClientApplication(
            oauth.client_id, token_cache=cache, **_msal_kwargs(oauth)
        ),
    )


class MicrosoftDelegated:
    """A member of staff's sign-in (device code), refreshed from the shared token cache."""

    def __init__(self, oauth: OAuth) -> None:
        self.oauth = oauth
        self.describe = oauth.describe
        self._app: Any = None

    def fetch(self, *, force: bool) -> tuple[str, float]:
        """The access token from the cache, refreshed (and the refresh token rotated) by msal."""
        if self._app is None:
            self._app = public_app(self.oauth)
        app = self._app
        accounts = app.get_accounts()
        if not accounts:
            return _token_from(None, self.oauth, "Microsoft sign-in")
        result = _msal_call(
            self.oauth,
            "Microsoft sign-in",
            lambda: app.acquire_token_silent_with_error(
                list(self.oauth.scopes), accounts[0], force_refresh=force
            ),
        )
        return _token_from(result, self.oauth, "Microsoft sign-in")


def device_sign_in(oauth: OAuth, show: Callable[[str], None]) -> str:
    """The device-code flow: show the code, wait for the member of staff; return who signed in."""
    app = public_app(oauth)
    flow = _msal_call(
        oauth, "Microsoft sign-in", lambda: app.initiate_device_flow(scopes=list(oauth.scopes))
    )
    if "user_code" not in flow:
        raise SignInError(explain_token_error(flow, who(oauth)))
    show(str(flow["message"]))
    result = _msal_call(oauth, "Microsoft sign-in", lambda: app.acquire_token_by_device_flow(flow))
    _token_from(result, oauth, "Microsoft sign-in")
    claims = result.get("id_token_claims") or {}
    return str(claims.get("preferred_username") or oauth.mailbox)


class GoogleServiceAccount:
    """A Workspace service account acting for the mailbox (domain-wide delegation)."""

    def __init__(self, oauth: OAuth) -> None:
        self.oauth = oauth
        self.describe = oauth.describe

    def fetch(self, *, force: bool) -> tuple[str, float]:
        """Sign an assertion with the service account's key and trade it for a token."""
        import google.auth.exceptions
        from google.auth.transport.requests import Request
        from google.oauth2 import service_account

        assert self.oauth.service_account is not None
        try:
            creds = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                str(_expand(self.oauth.service_account)),
                scopes=list(self.oauth.scopes),
                subject=self.oauth.mailbox,
            )
        except (OSError, ValueError, KeyError) as exc:
            raise SignInError(
                f"cannot read the service account key {self.oauth.service_account}: {exc}"
            ) from exc
        try:
            creds.refresh(Request(http_session(self.oauth)))
        except google.auth.exceptions.TransportError as exc:
            raise TokenNetworkError(
                f"Google sign-in: cannot reach the token endpoint: {exc}"
            ) from exc
        except google.auth.exceptions.RefreshError as exc:
            body = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], dict) else {}
            result = {
                "error": body.get("error", "error"),
                "error_description": body.get("error_description", str(exc)),
            }
            raise SignInError(explain_token_error(result, _google_who(self.oauth))) from exc
        if creds.expiry is None:
            return str(creds.token), 3600.0
        # google-auth set the expiry from its own reading of the clock (as msal does); the
        # lifetime is measured against that same reading, whatever our injected clock says.
        from google.auth import _helpers

        lifetime = (creds.expiry - _helpers.utcnow()).total_seconds()  # type: ignore[no-untyped-call]
        return str(creds.token), max(1.0, lifetime)


def _google_who(oauth: OAuth) -> Who:
    import json

    client_id = ""
    if oauth.service_account is not None:
        try:
            client_id = str(json.loads(_expand(oauth.service_account).read_text())["client_id"])
        except (OSError, ValueError, KeyError):
            client_id = ""
    return Who(oauth.mailbox, client_id)


def token_source(oauth: OAuth, clock: Now) -> TokenSource:
    """The source the configuration names."""
    if oauth.provider == "google":
        return GoogleServiceAccount(oauth)
    if oauth.flow == "delegated":
        return MicrosoftDelegated(oauth)
    return MicrosoftApp(oauth)


class TokenKeeper:
    """Holds the current token and its expiry; renews it before it expires. Thread-safe."""

    def __init__(
        self,
        source: TokenSource,
        *,
        clock: Now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._clock = clock
        self._mono = monotonic
        self._token: AccessToken | None = None
        self._lock = threading.Lock()
        self._renewed: datetime | None = None
        self._renewals = 0
        self._event = ""
        self._event_at: datetime | None = None
        self._stale: str | None = None

    def current(self) -> AccessToken:
        """The token, renewed first if it is due (or missing, or refused by a server)."""
        with self._lock:
            t = self._token
            if self._stale is not None:
                t = self._renew(force=True, why=self._stale)
                self._stale = None
            elif t is None or self._mono() >= t.renew_at_mono:
                t = self._renew(force=False, why="renewed before expiry" if t else "signed in")
            return t

    def invalidate(self, why: str) -> None:
        """A server refused the token: the next use fetches a new one, bypassing every cache."""
        with self._lock:
            self._stale = why
            self.note(why)

    def renew(self, why: str) -> AccessToken:
        """A new token whatever the cache holds (the server said ours had expired)."""
        with self._lock:
            return self._renew(force=True, why=why)

    def _renew(self, *, force: bool, why: str) -> AccessToken:
        value, lifetime = self.source.fetch(force=force)
        acquired = self._mono()
        self._token = AccessToken(
            value, lifetime, acquired, self._clock() + timedelta(seconds=lifetime)
        )
        self._renewed = self._clock()
        self._renewals += 1
        self.note(why)
        log.info("access token %s; valid for %.0f s", why, lifetime)
        return self._token

    def note(self, event: str) -> None:
        """Record a sign-in event for the health record."""
        self._event, self._event_at = event, self._clock()

    def due_in(self) -> float | None:
        """Seconds until the token should be renewed (None before the first token)."""
        t = self._token
        return None if t is None else t.renew_at_mono - self._mono()

    def status(self) -> TokenStatus:
        """Where the token comes from, when it expires, when it was last renewed."""
        t = self._token
        return TokenStatus(
            source=self.source.describe,
            expires=t.expires if t else None,
            renewed=self._renewed,
            renewals=self._renewals,
            last_event=self._event,
            last_event_at=self._event_at,
        )
