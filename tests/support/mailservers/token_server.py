"""A loopback HTTPS token endpoint that msal and google-auth really talk to.

It serves what Microsoft's identity platform serves for one tenant (the OpenID discovery
document, ``/devicecode`` and ``/token`` for client credentials with a certificate, the
device code and refresh grants, refresh tokens rotated on every use) and Google's token
endpoint for a service account with domain-wide delegation. Errors are Microsoft's real
error bodies (``AADSTS...`` codes). Access tokens are RS256 JWTs signed with one key, which
Dovecot's ``oauth2`` passdb and the test SMTP server both check locally.
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .dovecot import make_self_signed_cert

TENANT = "hillside.example"
RESOURCE = "https://outlook.office365.com"
GOOGLE_SCOPE = "https://mail.google.com/"
ISSUER = "https://token.test/"  # the issuer Dovecot and the SMTP server accept

# The descriptions Microsoft's identity platform really returns (trace ids aside).
AADSTS = {
    700082: (
        "invalid_grant",
        "AADSTS700082: The refresh token has expired due to inactivity. The token was issued "
        "on 2026-01-05T08:00:00.0000000Z and was inactive for 90.00:00:00.",
    ),
    50173: (
        "invalid_grant",
        "AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth "
        "token is needed. The user might have changed or reset their password. The grant was "
        "issued on '2026-01-05T08:00:00.0000000Z' and the TokensValidFrom date (before which "
        "tokens are not valid) for this user is '2026-02-01T09:00:00.0000000Z'.",
    ),
    70043: (
        "invalid_grant",
        "AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency "
        "checks by conditional access. The token was issued on 2026-01-05T08:00:00.0000000Z "
        "and the maximum allowed lifetime for this request is 43200.",
    ),
    65001: (
        "invalid_grant",
        "AADSTS65001: The user or administrator has not consented to use the application with "
        "ID '{client_id}' named 'Conduct Desk'. Send an interactive authorization request for "
        "this user and resource.",
    ),
    7000222: (
        "invalid_client",
        "AADSTS7000222: The provided client secret keys for app '{client_id}' are expired. "
        "Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, "
        "or consider using certificate credentials for added security: https://aka.ms/certCreds.",
    ),
    700027: (
        "invalid_client",
        "AADSTS700027: The certificate with identifier used to sign the client assertion is not "
        "registered on application.",
    ),
    700016: (
        "unauthorized_client",
        "AADSTS700016: Application with identifier '{client_id}' was not found in the directory "
        "'Hillside'.",
    ),
}


def microsoft_error(code: int, client_id: str = "") -> dict[str, Any]:
    """An error body exactly as login.microsoftonline.com shapes it."""
    error, text = AADSTS[code]
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    return {
        "error": error,
        "error_description": f"{text.format(client_id=client_id)}\r\nTrace ID: {trace}\r\n"
        f"Correlation ID: {corr}\r\nTimestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        **({"suberror": "consent_required"} if code == 65001 else {}),
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class App:
    """An app registration: its uploaded certificates and whether consent was granted."""

    client_id: str
    certificates: list[str] = field(default_factory=list)  # PEM
    consent: bool = True
    mailbox: str = ""  # the mailbox its service principal has FullAccess to


@dataclass
class Grant:
    """A refresh token's owner; ``fail`` makes its next use fail with that AADSTS code."""

    client_id: str
    user: str
    scope: str


@dataclass
class DeviceCode:
    """A device code waiting for someone to enter its user code."""

    client_id: str
    scope: str
    user_code: str
    approved_by: str | None = None


class TokenServer:
    """The identity platform on loopback; ``authority`` is what ``--authority`` takes."""

    def __init__(self, directory: Path, *, lifetime: int = 3600, key: Any = None) -> None:
        self.lifetime = lifetime
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        cert, tls_key = make_self_signed_cert(directory)
        self.ca_file = cert
        self._key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.apps: dict[str, App] = {}
        self.grants: dict[str, Grant] = {}
        self.devices: dict[str, DeviceCode] = {}
        self.service_accounts: dict[str, tuple[str, bool]] = {}  # email -> (public PEM, delegated)
        self.fail_refresh_with: int | None = None  # an AADSTS code for every refresh grant
        self.issued: list[dict[str, Any]] = []  # claims of every access token issued
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(cert), str(tls_key))
        self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True)
        self.port = int(self._httpd.server_address[1])
        self.base = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- what a test sets up ---

    @property
    def authority(self) -> str:
        """The authority URL for msal (``--authority``)."""
        return f"{self.base}/{TENANT}"

    @property
    def public_key_pem(self) -> bytes:
        """The key every access token is signed with, for Dovecot and the SMTP server."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def register_app(
        self,
        client_id: str,
        certificate: Path | None = None,
        *,
        consent: bool = True,
        mailbox: str = "",
    ) -> App:
        """An app registration, with an uploaded certificate and FullAccess to a mailbox."""
        app = self.apps.setdefault(client_id, App(client_id))
        if certificate is not None:
            app.certificates.append(certificate.read_text())
        app.consent = consent
        app.mailbox = mailbox or app.mailbox
        return app

    def register_service_account(
        self, email: str, public_pem: str, *, delegated: bool = True
    ) -> None:
        """A Google service account, and whether the admin granted domain-wide delegation."""
        self.service_accounts[email] = (public_pem, delegated)

    def approve(self, user_code: str, user: str) -> None:
        """A member of staff enters the code at microsoft.com/devicelogin and signs in."""
        with self.lock:
            for d in self.devices.values():
                if d.user_code == user_code:
                    d.approved_by = user
                    return
        raise KeyError(user_code)

    def pending_user_codes(self) -> list[str]:
        """User codes shown and not yet entered."""
        with self.lock:
            return [d.user_code for d in self.devices.values() if d.approved_by is None]

    def mint(
        self,
        user: str,
        *,
        lifetime: int | None = None,
        issuer: str = ISSUER,
        key: Any = None,
        **extra: Any,
    ) -> str:
        """An access token for ``user``: Dovecot reads ``email``, our SMTP server too."""
        now = int(time.time())
        claims = {
            "iss": issuer,
            "sub": user,
            "email": user,
            "aud": RESOURCE,
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + (self.lifetime if lifetime is None else lifetime),
            "tid": TENANT,
            "jti": secrets.token_hex(8),
            **extra,
        }
        with self.lock:
            self.issued.append(claims)
        return jwt.encode(claims, key or self._key, algorithm="RS256")

    # --- the protocol ---

    def discovery(self) -> dict[str, Any]:
        """The OpenID configuration msal reads first."""
        a = self.authority
        return {
            "issuer": f"{a}/v2.0",
            "authorization_endpoint": f"{a}/oauth2/v2.0/authorize",
            "token_endpoint": f"{a}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{a}/oauth2/v2.0/devicecode",
            "jwks_uri": f"{a}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "tenant_region_scope": "EU",
        }

    def devicecode(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """Start a device flow."""
        client_id = form.get("client_id", "")
        if client_id not in self.apps:
            return 400, microsoft_error(700016, client_id)
        user_code = "".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9))
        device_code = secrets.token_urlsafe(24)
        with self.lock:
            self.devices[device_code] = DeviceCode(client_id, form.get("scope", ""), user_code)
        return 200, {
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 1,
            "message": "To sign in, use a web browser to open the page "
            f"https://microsoft.com/devicelogin and enter the code {user_code} to authenticate.",
        }

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: every grant the product uses."""
        grant = form.get("grant_type", "")
        with self.lock:
            self.requests.append(grant)
        if grant == "client_credentials":
            return self._client_credentials(form)
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            return self._device(form)
        if grant == "refresh_token":
            return self._refresh(form)
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return self._google(form)
        return 400, {"error": "unsupported_grant_type", "error_description": grant}

    def _client_credentials(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client_id = form.get("client_id", "")
        app = self.apps.get(client_id)
        if app is None:
            return 400, microsoft_error(700016, client_id)
        assertion = form.get("client_assertion", "")
        for pem in app.certificates:
            public = x509.load_pem_x509_certificate(pem.encode()).public_key()
            try:
                jwt.decode(
                    assertion,
                    public,  # type: ignore[arg-type]
                    algorithms=["PS256", "RS256"],
                    audience=f"{self.authority}/oauth2/v2.0/token",
                    issuer=client_id,
                )
                break
            except jwt.PyJWTError:
                continue
        else:
            return 401, microsoft_error(700027, client_id)
        if not app.consent:
            return 400, microsoft_error(65001, client_id)
        # Exchange lets an app-only token open the mailboxes its FullAccess grant names;
        # Dovecot checks a claim instead, so the token carries that mailbox.
        return 200, self._tokens(client_id, app.mailbox, form.get("scope", ""), refresh=False)

    def _device(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            d = self.devices.get(form.get("device_code", ""))
        if d is None:
            return 400, {
                "error": "expired_token",
                "error_description": "AADSTS70020: The provided value for the input parameter 'device_code' is not valid. This device code has expired.",
            }
        if d.approved_by is None:
            return 400, {
                "error": "authorization_pending",
                "error_description": "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                "error_codes": [70016],
            }
        if not self.apps[d.client_id].consent:
            return 400, microsoft_error(65001, d.client_id)
        with self.lock:
            del self.devices[form["device_code"]]
        return 200, self._tokens(d.client_id, d.approved_by, d.scope, refresh=True)

    def _refresh(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        client_id = form.get("client_id", "")
        with self.lock:
            grant = self.grants.pop(form.get("refresh_token", ""), None)
        if self.fail_refresh_with is not None:
            return 400, microsoft_error(self.fail_refresh_with, client_id)
        if grant is None:
            # Rotation: a refresh token works once; an old one is refused like a revoked grant.
            return 400, microsoft_error(50173, client_id)
        if not self.apps[grant.client_id].consent:
            return 400, microsoft_error(65001, client_id)
        return 200, self._tokens(
            grant.client_id, grant.user, form.get("scope", grant.scope), refresh=True
        )

    def _tokens(self, client_id: str, user: str, scope: str, *, refresh: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": self.lifetime,
            "ext_expires_in": self.lifetime,
            "access_token": self.mint(user),
        }
        if refresh:
            rt = "rt-" + secrets.token_urlsafe(24)
            with self.lock:
                self.grants[rt] = Grant(client_id, user, scope)
            now = int(time.time())
            uid = _b64url(user.encode())
            body["refresh_token"] = rt
            body["client_info"] = _b64url(json.dumps({"uid": uid, "utid": TENANT}).encode())
            body["id_token"] = jwt.encode(
                {
                    "iss": f"{self.authority}/v2.0",
                    "aud": client_id,
                    "iat": now,
                    "nbf": now,
                    "exp": now + 3600,
                    "oid": uid,
                    "sub": uid,
                    "tid": TENANT,
                    "preferred_username": user,
                    "name": user,
                },
                self._key,
                algorithm="RS256",
            )
        return body

    def _google(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        assertion = form.get("assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            public, delegated = self.service_accounts[unverified["iss"]]
            claims = jwt.decode(
                assertion,
                public,
                algorithms=["RS256"],
                # google-auth names Google's own endpoint whatever token_uri says, as Google expects.
                audience=[f"{self.base}/google/token", "https://oauth2.googleapis.com/token"],
            )
        except (jwt.PyJWTError, KeyError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        if not delegated or GOOGLE_SCOPE not in claims.get("scope", "").split():
            return 401, {
                "error": "unauthorized_client",
                "error_description": "Client is unauthorized to retrieve access tokens using this "
                "method, or client not authorized for any of the scopes requested.",
            }
        return 200, {
            "access_token": self.mint(claims.get("sub", "")),
            "expires_in": self.lifetime,
            "token_type": "Bearer",
        }


def _handler(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            path = urlparse(self.path).path
            if path.endswith("/.well-known/openid-configuration"):
                self._reply(200, server.discovery())
            else:
                self._reply(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length).decode()
            form = {k: v[0] for k, v in parse_qs(raw).items()}
            path = urlparse(self.path).path
            if path.endswith("/devicecode"):
                self._reply(*server.devicecode(form))
            elif path.endswith("/token"):
                self._reply(*server.token(form))
            else:
                self._reply(404, {"error": "not_found"})

    return Handler
