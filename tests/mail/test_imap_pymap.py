"""The IMAP layer against pymap's in-memory server (what `conduct demo` runs)."""

from __future__ import annotations

import threading

import pytest
from imapclient import IMAPClient

from casework.mailconfig import Imap
from mailer.embedded_imap import EmbeddedImap, deliver
from mailer.errors import ImapLoginError
from mailer.imap_conn import WaitResult, connect


def message(subject: str) -> bytes:
    return (
        f"From: Pat Parent <pat@parents.example>\r\nTo: office@school.example\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}@parents.example>\r\n"
        f"\r\nBody of {subject}\r\n"
    ).encode()


def put(server: EmbeddedImap, subject: str, flags: tuple[str, ...] = ()) -> int:
    uid = deliver(
        server.host, server.port, server.user, server.password, message(subject), flags=flags
    )
    assert uid is not None
    return uid


def flags_of(server: EmbeddedImap, uid: int) -> set[str]:
    with IMAPClient(server.host, port=server.port, ssl=False) as c:
        c.login(server.user, server.password)
        c.select_folder("INBOX", readonly=True)
        return {f.decode() for f in c.get_flags([uid])[uid]}


@pytest.fixture
def settings(pymap_server: EmbeddedImap, pymap_password_env: str) -> Imap:
    return pymap_server.imap_settings(pymap_password_env)


def test_login_and_wrong_password(
    settings: Imap, monkeypatch: pytest.MonkeyPatch, pymap_password_env: str
) -> None:
    with connect(settings) as s:
        assert s.uses_idle
        assert s.select().uidvalidity > 0
    monkeypatch.setenv(pymap_password_env, "wrong")
    with pytest.raises(ImapLoginError):
        connect(settings)


def test_search_fetch_without_seen(pymap_server: EmbeddedImap, settings: Imap) -> None:
    flagged = put(pymap_server, "flagged one", ("\\Flagged",))
    put(pymap_server, "not flagged")
    with connect(settings) as s:
        s.select()
        assert s.search_pending() == [flagged]
        [got] = list(s.fetch([flagged]))
        assert b"Subject: flagged one" in got.raw
    assert "\\Seen" not in flags_of(pymap_server, flagged)


def test_keywords_not_kept_so_mark_processed_says_so(
    pymap_server: EmbeddedImap, settings: Imap
) -> None:
    uid = put(pymap_server, "kw", ("\\Flagged",))
    with connect(settings) as s:
        state = s.select()
        # pymap's PERMANENTFLAGS has no \*: a keyword would be silently dropped.
        assert state.keywords_allowed is False
        assert s.mark_processed([uid]) is False
        # So the search still finds it: the store must remember UIDVALIDITY+UID itself.
        assert s.search_pending() == [uid]
    assert flags_of(pymap_server, uid) >= {"\\Flagged"}
    assert "\\Seen" not in flags_of(pymap_server, uid)


def test_idle_survives_repeated_wakes(pymap_server: EmbeddedImap, settings: Imap) -> None:
    """pymap writes responses in pieces; our IDLE never parses them, so nothing breaks."""
    with connect(settings) as s:
        s.select()
        seen: list[int] = []
        for i in range(3):
            timer = threading.Timer(0.2, put, (pymap_server, f"arrival {i}", ("\\Flagged",)))
            timer.start()
            assert s.wait(timeout=60) is WaitResult.ACTIVITY  # the arrival, not the timeout
            timer.join()
            pending = s.search_pending()
            assert len(pending) == i + 1
            seen = pending
        [*_, last] = list(s.fetch(seen))
        assert b"arrival 2" in last.raw


def test_append_sent_and_find(settings: Imap) -> None:
    with connect(settings) as s:
        s.select()
        assert s.find_sent("<letter-1@school.example>") is False
        s.append_sent(
            b"From: office@school.example\r\nMessage-ID: <letter-1@school.example>\r\n\r\nx\r\n"
        )
        assert s.find_sent("<letter-1@school.example>") is True
        assert s.find_sent("<letter-2@school.example>") is False
