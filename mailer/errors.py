"""The mail daemon's errors: one family, each named for what the caller should do about it."""

from __future__ import annotations


class MailError(Exception):
    """Any failure of the mail layer; the message is fit to show on the dashboard."""


class SecretError(MailError):
    """The password or token could not be obtained (missing variable, failing command)."""


class SignInError(SecretError):
    """The identity provider refused to give us a token; the message says who must do what."""


class TokenNetworkError(MailError):
    """The identity provider could not be reached: a network fault, retried with backoff."""


class ImapError(MailError):
    """Something went wrong talking to the IMAP server."""


class ImapLoginError(ImapError):
    """The server refused our credentials: retrying will not help until the config changes."""


class ImapTokenExpired(ImapError):
    """The server ended the session because our access token expired (Exchange's
    ``BYE ... AccessTokenExpired``): a sign-in event, renewed at once, never a network fault."""


class ImapNetworkError(ImapError):
    """The connection failed, timed out or was dropped: reconnect with backoff."""


class ImapProtocolError(ImapError):
    """The server answered NO/BAD or something we cannot use (missing folder, refused IDLE)."""


class SendError(MailError):
    """A letter could not be sent."""


class TransientSendError(SendError):
    """A 4xx reply or a connection failure: retry later with backoff."""


class PermanentSendError(SendError):
    """A 5xx reply: retrying the same letter will fail again; a person must look."""

    def __init__(self, message: str, code: int, reply: str) -> None:
        super().__init__(message)
        self.code = code
        self.reply = reply


class OutcomeUnknown(SendError):
    """The whole letter reached the server but its answer never came: it may be delivered.

    Never retried on its own; the letter is held for the office with these facts.
    """


class RecordingFailed(SendError):
    """Sending went as far as ``stage`` but the store could not record it; ``__cause__`` says why.

    ``stage`` is "before-dot" (the final dot was not sent: nothing was delivered) or
    "accepted" (the server accepted the letter: it must never be sent again).
    """

    def __init__(self, stage: str, cause: BaseException) -> None:
        super().__init__(f"could not record the letter's progress ({stage}): {cause}")
        self.stage = stage
        self.cause = cause
