"""`conduct mail connect microsoft|google`: connect the school's mailbox, guided, in one command."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from casework.clock import process_clock
from casework.config import Config
from casework.mailauth import MICROSOFT_AUTHORITY, OAuth, default_scopes, exchange_resource
from casework.mailconfig import Imap, Secret, Smtp

GOOGLE_SERVERS = ("imap.gmail.com", "smtp.gmail.com")


def register(sub: Any) -> None:
    """Add `conduct mail connect ...` to the parser."""
    p = sub.add_parser("mail", help="connect the school's mailbox")
    mail_sub = p.add_subparsers(dest="mail_command", metavar="ACTION", required=True)
    c = mail_sub.add_parser("connect", help="sign in to Microsoft 365 or Google Workspace")
    providers = c.add_subparsers(dest="provider", metavar="PROVIDER", required=True)

    m = providers.add_parser("microsoft", help="Microsoft 365 (Exchange Online)")
    m.add_argument("--mailbox", required=True, help="the shared mailbox, e.g. office@school.sch.uk")
    m.add_argument("--tenant", required=True, help="the tenant: its domain or directory ID")
    m.add_argument("--client-id", help="the app registration's Application (client) ID")
    m.add_argument(
        "--delegated",
        action="store_true",
        help="sign in as a member of staff with access to the mailbox (device code)",
    )
    m.add_argument(
        "--authority", help=f"identity platform URL (default {MICROSOFT_AUTHORITY}/TENANT)"
    )
    _common(m)
    m.set_defaults(handler=connect_microsoft)

    g = providers.add_parser("google", help="Google Workspace (service account)")
    g.add_argument("--mailbox", required=True, help="the mailbox, e.g. office@school.org.uk")
    g.add_argument(
        "--service-account", required=True, type=Path, help="the service account's KEY.json"
    )
    _common(g)
    g.set_defaults(handler=connect_google)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--wait-minutes", type=float, default=60.0, help="give up after (default 60)")
    p.add_argument("--retry-seconds", type=float, default=30.0, help="between tries (default 30)")
    p.add_argument("--ca-file", type=Path, help="CA bundle for the identity provider (tests)")
    for proto in ("imap", "smtp"):
        p.add_argument(f"--{proto}-host", help=f"{proto.upper()} server (default: the provider's)")
        p.add_argument(f"--{proto}-port", type=int, help=f"{proto.upper()} port")
        p.add_argument(
            f"--{proto}-security",
            choices=("tls", "starttls", "plain"),
            help="tls | starttls | plain (plain only to loopback)",
        )


def _servers(
    args: argparse.Namespace, config: Config, imap_host: str, smtp_host: str
) -> tuple[Imap, Smtp]:
    base = config.mail
    mailbox = args.mailbox
    secret = Secret(auth="oauth")
    old_imap = base.imap if base else None
    imap = Imap(
        host=args.imap_host or imap_host,
        port=args.imap_port or 993,
        security=args.imap_security or "tls",
        user=mailbox,
        secret=secret,
        folder=old_imap.folder if old_imap else "INBOX",
        watch=old_imap.watch if old_imap else "flag",
        watch_flag=old_imap.watch_flag if old_imap else "\\Flagged",
        processed_keyword=old_imap.processed_keyword if old_imap else "ConductLogged",
        poll_seconds=old_imap.poll_seconds if old_imap else 60,
        idle_seconds=old_imap.idle_seconds if old_imap else 1500,
    )
    smtp = Smtp(
        host=args.smtp_host or smtp_host,
        port=args.smtp_port or 587,
        security=args.smtp_security or "starttls",
        user=mailbox,
        secret=secret,
        from_address=base.smtp.from_address if base else mailbox,
        from_name=base.smtp.from_name if base else "School Office",
        cc=base.smtp.cc if base else (),
    )
    return imap, smtp


def _finish(args: argparse.Namespace, config: Config, oauth: OAuth, imap: Imap, smtp: Smtp) -> int:
    from mailer.mail_connect import connected_mail, wait_until_working, write_mail_config

    mail = connected_mail(config.mail, oauth, imap, smtp, None)
    print(f"\nTrying IMAP and SMTP sign-in for {args.mailbox} ...", flush=True)
    result = wait_until_working(
        mail,
        process_clock().now,
        minutes=args.wait_minutes,
        interval=args.retry_seconds,
        say=lambda line: print(line, flush=True),
    )
    if not result.ok:
        print(
            f"conduct: {args.mailbox} is not connected yet: {result.step} failed: {result.message}\n"
            "Run the same command again when the admin has finished; it reuses the same key.",
            file=sys.stderr,
        )
        return 1
    mail = connected_mail(config.mail, oauth, imap, smtp, result.sent_folder)
    write_mail_config(config.path, mail, config.path.parent)
    print(f"\nConnected. Wrote [mail] to {config.path} (its comments kept):")
    print(
        f"  IMAP {imap.host}:{imap.port} ({imap.security}), SMTP {smtp.host}:{smtp.port} ({smtp.security})"
    )
    print(f"  sign-in: OAuth2 (XOAUTH2), {oauth.describe}")
    print(
        f"  Sent folder: {mail.imap.sent_folder}"
        + (" (found by its \\Sent attribute)" if result.sent_folder else "")
    )
    print(f"Check any time with: conduct --config {config.path} check --mail")
    return 0


def connect_microsoft(args: argparse.Namespace, config: Config) -> int:
    """App-only with a certificate (default) or a member of staff's device-code sign-in."""
    from mailer.errors import MailError
    from mailer.mail_connect import app_keys, microsoft_checklist, microsoft_script
    from mailer.oauth import device_sign_in

    authority = (args.authority or f"{MICROSOFT_AUTHORITY}/{args.tenant}").rstrip("/")
    resource_host = exchange_resource(authority).split("://", 1)[1]
    smtp_host = (
        "smtp." + resource_host.removeprefix("outlook.")
        if resource_host.startswith("outlook.")
        else f"smtp.{resource_host}"
    )
    imap, smtp = _servers(args, config, resource_host, smtp_host)
    oauth_dir = config.store.data_dir / "oauth"
    flow = "delegated" if args.delegated else "app"
    if args.delegated:
        if not args.client_id:
            print(_delegated_help(args), file=sys.stderr)
            return 1
        oauth = OAuth(
            provider="microsoft",
            flow=flow,
            mailbox=args.mailbox,
            client_id=args.client_id,
            tenant=args.tenant,
            authority=authority,
            scopes=default_scopes("microsoft", flow, authority),
            token_cache=oauth_dir / "token-cache.json",
            ca_file=args.ca_file,
        )
        try:
            who = device_sign_in(oauth, lambda message: print(message, flush=True))
        except MailError as exc:
            print(f"conduct: {exc}", file=sys.stderr)
            return 1
        print(f"Signed in as {who}; the token cache is {oauth.token_cache} (0600).")
        return _finish(args, config, oauth, imap, smtp)
    keys = app_keys(oauth_dir, args.mailbox, now=process_clock().now())
    script = oauth_dir / "connect-microsoft.ps1"
    fd = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(microsoft_script(args.mailbox, args.tenant, keys))
    made = "Made" if keys.created else "Using the"
    print(f"{made} key pair for app-only sign-in: private key {keys.private_key} (0600),")
    print(f"certificate {keys.certificate} (thumbprint {keys.thumbprint}).\n")
    print(microsoft_checklist(args.mailbox, args.tenant, keys, script))
    print(f"\nThe PowerShell script ({script}):\n")
    print(microsoft_script(args.mailbox, args.tenant, keys))
    client_id = args.client_id or _ask_client_id()
    if not client_id:
        print(
            "conduct: no Application (client) ID: when the admin has done the steps above, run "
            "this command again with --client-id ID (the same key is used)",
            file=sys.stderr,
        )
        return 1
    oauth = OAuth(
        provider="microsoft",
        flow=flow,
        mailbox=args.mailbox,
        client_id=client_id,
        tenant=args.tenant,
        authority=authority,
        scopes=default_scopes("microsoft", flow, authority),
        certificate=keys.certificate,
        private_key=keys.private_key,
        ca_file=args.ca_file,
    )
    return _finish(args, config, oauth, imap, smtp)


def _ask_client_id() -> str:
    if not sys.stdin.isatty():
        return ""
    try:
        return input("\nApplication (client) ID from the admin (empty to stop): ").strip()
    except EOFError:
        return ""


def _delegated_help(args: argparse.Namespace) -> str:
    return f"""conduct: --delegated needs --client-id: the tenant admin registers an app for it:
 1. Entra admin centre > App registrations > New registration "Conduct Desk (staff sign-in)",
    single tenant; Authentication > "Allow public client flows": Yes.
 2. API permissions > Office 365 Exchange Online > Delegated: IMAP.AccessAsUser.All and
    SMTP.Send; "Grant admin consent for {args.tenant}".
 3. The member of staff who signs in needs FullAccess to {args.mailbox}:
    Add-MailboxPermission -Identity {args.mailbox} -User STAFF@... -AccessRights FullAccess
    and SMTP AUTH on: Set-CASMailbox -Identity {args.mailbox} -SmtpClientAuthenticationDisabled $false
Then: conduct mail connect microsoft --mailbox {args.mailbox} --tenant {args.tenant} --delegated --client-id ID"""


def connect_google(args: argparse.Namespace, config: Config) -> int:
    """A Workspace service account with domain-wide delegation for https://mail.google.com/."""
    from mailer.mail_connect import google_checklist

    try:
        info = json.loads(args.service_account.read_text(encoding="utf-8"))
        client_id, email = str(info["client_id"]), str(info["client_email"])
    except (OSError, ValueError, KeyError) as exc:
        print(
            f"conduct: --service-account: expected a service account KEY.json ({exc})",
            file=sys.stderr,
        )
        return 1
    oauth_dir = config.store.data_dir / "oauth"
    oauth_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    kept = oauth_dir / "google-service-account.json"
    if args.service_account.resolve() != kept.resolve():
        fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f, args.service_account.open("rb") as src:
            shutil.copyfileobj(src, f)
    os.chmod(kept, 0o600)
    print(
        f"Kept the service account key as {kept} (0600); you may delete {args.service_account}.\n"
    )
    print(google_checklist(args.mailbox, client_id, email))
    imap, smtp = _servers(args, config, *GOOGLE_SERVERS)
    oauth = OAuth(
        provider="google",
        flow="service-account",
        mailbox=args.mailbox,
        scopes=default_scopes("google", "service-account", ""),
        service_account=kept,
        ca_file=args.ca_file,
    )
    return _finish(args, config, oauth, imap, smtp)
