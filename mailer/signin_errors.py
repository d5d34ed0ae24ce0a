"""Sign-in failures in one sentence each: what happened, who must do what.

The identity platform's ``AADSTS`` codes and Exchange's SMTP replies are precise but
unreadable to a school office; each common one becomes a sentence naming the person who
can fix it (the tenant admin, the member of staff who signed in, the office) and how.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from casework.record import record


@record
class Who:
    """The facts a sentence is filled in with."""

    mailbox: str = "the mailbox"
    client_id: str = ""
    tenant: str = ""
    delegated: bool = False

    @property
    def reconnect(self) -> str:
        """The command that signs in again."""
        flag = " --delegated" if self.delegated else ""
        tenant = self.tenant or "TENANT"
        return f"conduct mail connect microsoft --mailbox {self.mailbox} --tenant {tenant}{flag}"


def _aadsts(who: Who) -> dict[int, str]:
    app = f"the app {who.client_id}" if who.client_id else "the Conduct Desk app"
    return {
        700082: (
            f"The sign-in for {who.mailbox} lapsed after 90 days without use: the member of "
            f"staff who connected it must sign in again with `{who.reconnect}`."
        ),
        50173: (
            f"The password of the account that signed in for {who.mailbox} was changed or reset, "
            f"which cancels our sign-in: that member of staff must sign in again with "
            f"`{who.reconnect}`."
        ),
        70043: (
            f"A Conditional Access sign-in frequency policy ended our sign-in for {who.mailbox}: "
            f"the tenant admin must exclude {app} from that policy (or use app-only sign-in), "
            f"then someone signs in again with `{who.reconnect}`."
        ),
        65001: (
            f"Nobody has consented to {app} reading {who.mailbox}: the tenant admin must grant "
            "admin consent (Entra admin centre > App registrations > API permissions > Grant "
            "admin consent) for IMAP.AccessAsApp and SMTP.SendAsApp (IMAP.AccessAsUser.All and "
            "SMTP.Send for delegated sign-in)."
        ),
        7000222: (
            f"The credentials of {app} have expired: run `{who.reconnect}` to make a new "
            "certificate, and the tenant admin uploads it to the app registration."
        ),
        700027: (
            f"The certificate Conduct Desk signs with is not registered on {app}: the tenant "
            "admin must upload the certificate printed by `conduct mail connect microsoft` "
            "(App registrations > Certificates & secrets)."
        ),
        700016: (
            f"{app[0].upper() + app[1:]} does not exist in tenant {who.tenant or '(unknown)'}: "
            "check client_id and tenant in [mail.oauth], or have the tenant admin register it."
        ),
        50053: (
            f"The account signing in for {who.mailbox} is locked after too many failed sign-ins: "
            "the tenant admin must unlock it, or wait for the lock to end."
        ),
        50057: (
            f"The account signing in for {who.mailbox} is disabled: the tenant admin must enable "
            "it, or a member of staff with access signs in again."
        ),
        50076: (
            f"Multi-factor authentication is now required for {who.mailbox}: the member of staff "
            f"must sign in again with `{who.reconnect}`, or the admin uses app-only sign-in."
        ),
    }


def explain_token_error(result: Mapping[str, Any], who: Who) -> str:
    """A token endpoint's error (msal's result dict) as one sentence."""
    codes = [int(c) for c in result.get("error_codes") or [] if str(c).isdigit()]
    text = str(result.get("error_description") or "")
    if not codes:
        m = re.search(r"AADSTS(\d+)", text)
        codes = [int(m.group(1))] if m else []
    known = _aadsts(who)
    for code in codes:
        if code in known:
            return f"{known[code]} (AADSTS{code})"
    error = str(result.get("error") or "error")
    if error == "unauthorized_client" and "scopes requested" in text:
        return (
            f"Google refused a token for {who.mailbox}: the Workspace super admin must add the "
            f"service account's client ID {who.client_id} with the scope https://mail.google.com/ "
            "under Admin console > Security > Access and data control > API controls > "
            "Domain-wide delegation."
        )
    first = text.splitlines()[0].strip() if text else ""
    return f"The identity provider refused a token for {who.mailbox}: {error}: {first}".rstrip(": ")


# Exchange Online's SMTP AUTH refusals, by their enhanced status code and wording.
def explain_smtp(code: int, reply: str, who: Who) -> str | None:
    """An SMTP AUTH refusal as one sentence, or None if we know nothing more than the reply."""
    low = reply.lower()
    if "5.7.139" in reply or "smtpclientauthentication is disabled" in low:
        if "security defaults" in low:
            return (
                f"Exchange refused SMTP sign-in for {who.mailbox} because the tenant uses "
                "Security defaults: the tenant admin must turn them off or use conditional "
                'access instead, or send through a relay (auth = "none").'
            )
        return (
            f"SMTP AUTH is switched off for {who.mailbox}'s tenant: the tenant admin must run "
            f"`Set-CASMailbox -Identity {who.mailbox} -SmtpClientAuthenticationDisabled $false` "
            "(and, if the tenant blocks it for everyone, `Set-TransportConfig "
            "-SmtpClientAuthenticationDisabled $false`), or send through a relay."
        )
    if "5.7.30" in reply or "basic authentication is not supported" in low:
        return (
            f"Exchange no longer accepts a password for SMTP from {who.mailbox}: sign in with "
            f"OAuth instead, with `{who.reconnect}`."
        )
    if "5.7.3" in reply or (code == 535 and "authentication unsuccessful" in low):
        return (
            f"Exchange refused SMTP sign-in for {who.mailbox}: the tenant admin must grant "
            "SMTP.SendAsApp with admin consent, FullAccess to the mailbox (`Add-MailboxPermission "
            f"-Identity {who.mailbox} -User <service principal> -AccessRights FullAccess`) and "
            f"enable authenticated SMTP (`Set-CASMailbox -Identity {who.mailbox} "
            "-SmtpClientAuthenticationDisabled $false`); new grants can take 30 minutes to apply."
        )
    if code == 535 and ("expired" in low or "invalid token" in low):
        return f"The SMTP server says the access token for {who.mailbox} has expired; it is renewed and tried again."
    return None


def explain_imap(reply: str, who: Who, *, oauth: bool) -> str | None:
    """An IMAP login refusal as one sentence, or None if it says nothing we can add to."""
    low = reply.lower()
    if "accesstokenexpired" in low:
        return f"The IMAP server ended the session because the access token for {who.mailbox} expired; it is renewed at once."
    if not oauth:
        if "application-specific password" in low or "app password" in low:
            return (
                f"Google wants an app password for {who.mailbox}: create one (Google Account > "
                "Security > App passwords) and put it where password_env points, or connect "
                "with a service account."
            )
        return None
    if (
        "authenticate failed" in low
        or "authenticationfailed" in low
        or "authentication failed" in low
    ):
        return (
            f"The IMAP server refused our token for {who.mailbox}: the tenant admin must grant "
            "IMAP.AccessAsApp with admin consent, register the service principal in Exchange "
            "(`New-ServicePrincipal`) and give it FullAccess to the mailbox "
            "(`Add-MailboxPermission`); new grants can take 30 minutes to apply."
        )
    return None
