"""`conduct mail connect`: the pieces of connecting the school's mailbox, one guided step each.

A key pair and self-signed certificate for app-only sign-in; the tenant admin's checklist
and PowerShell script, filled in; one probe of the whole path (token, IMAP login, SELECT,
the Sent folder by its SPECIAL-USE attribute, SMTP AUTH) repeated until it works; and the
result written into config.toml with tomlkit, so every comment the school wrote stays.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from casework.mailauth import OAuth
from casework.mailconfig import Imap, Mail, Secret, Smtp
from casework.record import record
from mailer.credentials import SignIn
from mailer.errors import MailError
from mailer.imap_conn import connect
from mailer.oauth import Now
from mailer.smtp_send import open_smtp

CERT_NAME, KEY_NAME = "conduct-desk-app.crt", "conduct-desk-app.key"


@record
class AppKeys:
    """The app registration's certificate (public, for the admin) and our private key (0600)."""

    certificate: Path
    private_key: Path
    thumbprint: str  # SHA-1, as the Entra admin centre shows it
    not_after: datetime
    created: bool

    @property
    def pem(self) -> str:
        """The certificate's PEM text."""
        return self.certificate.read_text(encoding="ascii")


def app_keys(directory: Path, mailbox: str, *, now: datetime, days: int = 730) -> AppKeys:
    """The key pair in ``directory``; made (key 0600, directory 0700) if it is not there yet."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    cert_path, key_path = directory / CERT_NAME, directory / KEY_NAME
    created = False
    if not (cert_path.exists() and key_path.exists()):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Conduct Desk {mailbox}")])
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .sign(key, hashes.SHA256())
        )
        pem_key = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem_key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        created = True
    os.chmod(key_path, 0o600)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    der = cert.public_bytes(serialization.Encoding.DER)
    return AppKeys(
        certificate=cert_path,
        private_key=key_path,
        thumbprint=hashlib.sha1(der).hexdigest().upper(),  # noqa: S324 - Entra's display format
        not_after=cert.not_valid_after_utc,
        created=created,
    )


def microsoft_checklist(mailbox: str, tenant: str, keys: AppKeys, script: Path) -> str:
    """What the tenant admin must do for app-only sign-in, as a numbered checklist."""
    return f"""\
For the tenant admin of {tenant} (a Global or Privileged Role Administrator and an
Exchange administrator). Either run the PowerShell script {script}, which does steps
1-6, or do them by hand:

 1. Entra admin centre > App registrations > New registration: name "Conduct Desk",
    single tenant. Note its Application (client) ID.
 2. The app > Certificates & secrets > Certificates > Upload certificate:
    {keys.certificate}  (thumbprint {keys.thumbprint}, valid until {keys.not_after:%d %b %Y}).
 3. The app > API permissions > Add a permission > APIs my organization uses >
    "Office 365 Exchange Online" > Application permissions: IMAP.AccessAsApp and
    SMTP.SendAsApp. Then "Grant admin consent for {tenant}".
 4. In Exchange Online PowerShell, register the app's service principal:
    New-ServicePrincipal -AppId <client ID> -ObjectId <Enterprise application object ID>
 5. Give it the shared mailbox, and only that mailbox:
    Add-MailboxPermission -Identity {mailbox} -User <service principal ID> -AccessRights FullAccess
 6. Allow authenticated SMTP for the mailbox (off by default in new tenants):
    Set-CASMailbox -Identity {mailbox} -SmtpClientAuthenticationDisabled $false
 7. Send the Application (client) ID back to the office.

New permissions can take up to 30 minutes to apply; this command waits and says when
IMAP and SMTP sign-in work."""


def microsoft_script(mailbox: str, tenant: str, keys: AppKeys) -> str:
    """The same steps as a PowerShell script (Microsoft Graph and Exchange Online modules)."""
    pem_body = "".join(line for line in keys.pem.splitlines() if "-----" not in line)
    return f"""\
# Conduct Desk: app-only access to {mailbox} (IMAP and SMTP). Run as a tenant admin.
# Needs: Install-Module Microsoft.Graph, ExchangeOnlineManagement
$ErrorActionPreference = "Stop"
$Mailbox = "{mailbox}"
$Cert = "{pem_body}"

Connect-MgGraph -TenantId "{tenant}" -Scopes "Application.ReadWrite.All","AppRoleAssignment.ReadWrite.All"
$Exchange = Get-MgServicePrincipal -Filter "appId eq '00000002-0000-0ff1-ce00-000000000000'"
$Imap = $Exchange.AppRoles | Where-Object {{ $_.Value -eq "IMAP.AccessAsApp" }}
$Smtp = $Exchange.AppRoles | Where-Object {{ $_.Value -eq "SMTP.SendAsApp" }}
$App = New-MgApplication -DisplayName "Conduct Desk" -SignInAudience AzureADMyOrg `
  -KeyCredentials @(@{{ Type = "AsymmetricX509Cert"; Usage = "Verify"; Key = [Convert]::FromBase64String($Cert) }}) `
  -RequiredResourceAccess @(@{{ ResourceAppId = $Exchange.AppId; ResourceAccess = @(
      @{{ Id = $Imap.Id; Type = "Role" }}, @{{ Id = $Smtp.Id; Type = "Role" }}) }})
$Sp = New-MgServicePrincipal -AppId $App.AppId
# Admin consent: assign both application permissions to the app.
New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Sp.Id -PrincipalId $Sp.Id -ResourceId $Exchange.Id -AppRoleId $Imap.Id
New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $Sp.Id -PrincipalId $Sp.Id -ResourceId $Exchange.Id -AppRoleId $Smtp.Id

Connect-ExchangeOnline
New-ServicePrincipal -AppId $App.AppId -ObjectId $Sp.Id -DisplayName "Conduct Desk"
Add-MailboxPermission -Identity $Mailbox -User $Sp.Id -AccessRights FullAccess
Set-CASMailbox -Identity $Mailbox -SmtpClientAuthenticationDisabled $false

Write-Host "Application (client) ID for the office: $($App.AppId)"
"""


def google_checklist(mailbox: str, client_id: str, service_account: str) -> str:
    """What the Workspace super admin must do for the service account."""
    return f"""\
For a super admin of the school's Google Workspace:

 1. Admin console > Security > Access and data control > API controls >
    Manage domain-wide delegation > Add new:
      Client ID:    {client_id}   ({service_account})
      OAuth scopes: https://mail.google.com/
 2. Admin console > Apps > Google Workspace > Gmail > End user access:
    "POP and IMAP access" on for {mailbox}'s organisational unit.

Delegation can take a few minutes (rarely up to 24 hours) to apply; this command waits
and says when IMAP and SMTP sign-in work."""


@record
class Probe:
    """One try of the whole path; ``step`` names the first part that failed, if any."""

    ok: bool
    step: str
    message: str
    sent_folder: str | None = None


def probe(mail: Mail, clock: Now) -> Probe:
    """Get a token, log in to IMAP, SELECT the folder, find Sent, AUTH to SMTP."""
    signin = SignIn(mail, clock=clock)
    step = "token"
    try:
        cred = signin.imap()
        step = "IMAP login"
        with connect(mail.imap, credential=cred, timeout=30) as session:
            step = f"SELECT {mail.imap.folder}"
            session.select()
            step = "finding Sent"
            sent = session.special_folder()
        step = "SMTP AUTH"
        with open_smtp(mail.smtp, signin.smtp(), timeout=30):
            pass
    except (MailError, OSError) as exc:
        return Probe(False, step, str(exc))
    return Probe(True, "", "IMAP login, SELECT and SMTP AUTH work", sent)


def wait_until_working(
    mail: Mail,
    clock: Now,
    *,
    minutes: float,
    interval: float,
    say: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> Probe:
    """Probe until everything works or ``minutes`` pass, saying what happened each time."""
    deadline = time.monotonic() + minutes * 60
    attempt = 0
    while True:
        attempt += 1
        result = probe(mail, clock)
        if result.ok:
            say(f"[{attempt}] {result.message}.")
            return result
        left = deadline - time.monotonic()
        if left <= 0:
            return result
        say(
            f"[{attempt}] not yet: {result.step} failed: {result.message}\n"
            f"    new permissions can take up to 30 minutes to apply; trying again in "
            f"{interval:.0f} s ({left / 60:.0f} min left)"
        )
        sleep(min(interval, max(left, 0.0)))


def connected_mail(
    base: Mail | None, oauth: OAuth | None, imap: Imap, smtp: Smtp, sent_folder: str | None
) -> Mail:
    """The [mail] settings a connect produced, keeping the school's other choices."""
    if sent_folder:
        imap = replace(imap, sent_folder=sent_folder)
    return Mail(
        imap=imap,
        smtp=smtp,
        attachment_limit_mb=base.attachment_limit_mb if base else 25,
        oauth=oauth,
    )


_SECRET_KEYS = ("password_env", "password_command", "token_command", "auth", "password")


def write_mail_config(path: Path, mail: Mail, base_dir: Path) -> None:
    """Write hosts, ports, sign-in method, Sent folder and [mail.oauth] into config.toml.

    tomlkit edits the document in place: every comment and key the school wrote stays,
    apart from the old sign-in keys, which the new method replaces.
    """
    import tomlkit

    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    mail_t = _table(doc, "mail")
    imap_t = _table(mail_t, "imap")
    smtp_t = _table(mail_t, "smtp")
    for table, server in ((imap_t, mail.imap), (smtp_t, mail.smtp)):
        table["host"] = server.host
        table["port"] = server.port
        table["security"] = server.security
        if server.user:
            table["user"] = server.user
        _secret(table, server.secret)
        if server.ca_file is not None:
            table["ca_file"] = str(server.ca_file)
    imap_t["sent_folder"] = mail.imap.sent_folder
    if "from_address" not in smtp_t:
        smtp_t["from_address"] = mail.smtp.from_address
    if "oauth" in mail_t:
        del mail_t["oauth"]
    if mail.oauth is not None:
        mail_t["oauth"] = _oauth_table(mail.oauth, base_dir)
    text = tomlkit.dumps(doc)
    tmp = path.with_name(path.name + ".connect-tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _table(parent: Any, name: str) -> Any:
    import tomlkit

    if name not in parent:
        parent[name] = tomlkit.table()
    return parent[name]


def _secret(table: Any, secret: Secret) -> None:
    """Put the new sign-in key where the old one was, so the file still reads in order."""
    import tomlkit

    if secret.auth:
        key, value = "auth", secret.auth
    elif secret.password_env:
        key, value = "password_env", secret.password_env
    elif secret.password_command:
        key, value = "password_command", secret.password_command
    else:
        key, value = "token_command", secret.token_command or ""
    old = [k for k in _SECRET_KEYS if k in table]
    if old:
        # tomlkit's in-place rename keeps the key's position (and the old key's comment,
        # which described the old sign-in: replaced).
        table.value._replace(old[0], key, tomlkit.item(value))
        table[key].comment("set by `conduct mail connect`")
        for k in old[1:]:
            del table[k]
    else:
        table[key] = value


def _oauth_table(o: OAuth, base_dir: Path) -> Any:
    import tomlkit

    t = tomlkit.table()
    t.add(
        tomlkit.comment("Written by `conduct mail connect`; the README says what each key means.")
    )
    t["provider"] = o.provider
    t["flow"] = o.flow
    t["mailbox"] = o.mailbox
    for key, value in (
        ("client_id", o.client_id),
        ("tenant", o.tenant),
        ("authority", o.authority),
    ):
        if value:
            t[key] = value
    for key, path in (
        ("certificate", o.certificate),
        ("private_key", o.private_key),
        ("token_cache", o.token_cache),
        ("service_account", o.service_account),
        ("ca_file", o.ca_file),
    ):
        if path is not None:
            t[key] = _relative(path, base_dir)
    return t


def _relative(path: Path, base_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(base_dir.resolve()))
    except ValueError:
        return str(path)
