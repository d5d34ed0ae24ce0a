"""How the daemon signs in to the school's mailbox with OAuth2: the ``[mail.oauth]`` table.

Only reading and checking the table lives here (casework does no I/O beyond reading the
configuration); fetching tokens is ``mailer.oauth``'s job.
"""

from __future__ import annotations

from pathlib import Path

from casework.record import record
from casework.tomlread import Problem, TableReader

PROVIDERS = ("microsoft", "google")
FLOWS = ("app", "delegated", "service-account")
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"


@record
class OAuth:
    """Where the mailbox's access tokens come from: a Microsoft app or user, or a Google service account."""

    provider: str
    flow: str
    mailbox: str
    client_id: str = ""
    tenant: str = ""
    authority: str = ""
    scopes: tuple[str, ...] = ()
    certificate: Path | None = None
    private_key: Path | None = None
    token_cache: Path | None = None
    service_account: Path | None = None
    ca_file: Path | None = None

    @property
    def describe(self) -> str:
        """Where the token comes from, in the words `check --mail` prints."""
        if self.provider == "google":
            return (
                f"Google service account {self.service_account} acting for {self.mailbox} "
                "(domain-wide delegation)"
            )
        if self.flow == "delegated":
            return (
                f"Microsoft 365, signed in as a member of staff (device code, token cache "
                f"{self.token_cache}), app {self.client_id} at {self.authority}"
            )
        return (
            f"Microsoft 365 app-only (client credentials, certificate {self.certificate}), "
            f"app {self.client_id} at {self.authority}"
        )


def default_scopes(provider: str, flow: str, authority: str) -> tuple[str, ...]:
    """The scopes each flow asks for; a national cloud's Exchange has its own resource."""
    if provider == "google":
        return ("https://mail.google.com/",)
    resource = exchange_resource(authority)
    if flow == "delegated":
        return (f"{resource}/IMAP.AccessAsUser.All", f"{resource}/SMTP.Send")
    return (f"{resource}/.default",)


def exchange_resource(authority: str) -> str:
    """Exchange Online's resource for the cloud an authority belongs to."""
    host = authority.split("://", 1)[-1].split("/", 1)[0].lower()
    if host.endswith("microsoftonline.us"):
        return "https://outlook.office365.us"
    if host.endswith("chinacloudapi.cn"):
        return "https://partner.outlook.cn"
    return "https://outlook.office365.com"


def parse_oauth(r: TableReader, base: Path) -> OAuth:
    """Read ``[mail.oauth]``; every mistake is named with its dotted key."""
    provider = r.choice("provider", PROVIDERS)
    flow = r.choice("flow", FLOWS, "service-account" if provider == "google" else "app")
    tenant = r.text("tenant", "")
    authority = r.text("authority", "") or (
        f"{MICROSOFT_AUTHORITY}/{tenant}" if provider == "microsoft" and tenant else ""
    )
    oauth = OAuth(
        provider=provider,
        flow=flow,
        mailbox=r.text("mailbox"),
        client_id=r.text("client_id", ""),
        tenant=tenant,
        authority=authority.rstrip("/"),
        scopes=r.texts("scopes", []) or default_scopes(provider, flow, authority),
        certificate=_path(r, "certificate", base),
        private_key=_path(r, "private_key", base),
        token_cache=_path(r, "token_cache", base),
        service_account=_path(r, "service_account", base),
        ca_file=_path(r, "ca_file", base),
    )
    _check(r, oauth)
    r.finish()
    return oauth


def _path(r: TableReader, name: str, base: Path) -> Path | None:
    value = r.text(name, "")
    if not value:
        return None
    # $CREDENTIALS_DIRECTORY (systemd's LoadCredential=) is expanded when the key is read.
    p = Path(value).expanduser()
    return p if p.is_absolute() or value.startswith("$") else base / p


def _check(r: TableReader, o: OAuth) -> None:
    def need(key: str, why: str) -> None:
        r.problems.append(Problem(r.key(key), f"expected a value: {why}"))

    if o.provider == "google":
        if o.flow != "service-account":
            r.problems.append(
                Problem(r.key("flow"), f'expected "service-account" for Google, got "{o.flow}"')
            )
        if o.service_account is None:
            need("service_account", "the service account's key file (KEY.json)")
        return
    if o.flow == "service-account":
        r.problems.append(
            Problem(
                r.key("flow"), 'expected "app" or "delegated" for Microsoft, got "service-account"'
            )
        )
    if not o.client_id:
        need("client_id", "the app registration's Application (client) ID")
    if not o.authority:
        need("tenant", "the school's Microsoft 365 tenant (its domain or directory ID)")
    elif not o.authority.startswith("https://"):
        r.problems.append(
            Problem(r.key("authority"), f'expected an https:// URL, got "{o.authority}"')
        )
    if o.flow == "app" and (o.certificate is None or o.private_key is None):
        need("certificate", "app-only sign-in needs certificate and private_key")
    if o.flow == "delegated" and o.token_cache is None:
        need("token_cache", "delegated sign-in keeps its tokens in a file")
