"""The IMAP layer against a real, private Dovecot."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from casework.mailconfig import Imap, Secret
from mailer.errors import ImapLoginError, ImapNetworkError
from mailer.imap_conn import ImapSession, WaitResult, connect
from tests.support.mailservers.dovecot import Dovecot


def message(subject: str, message_id: str | None = None) -> bytes:
    mid = f"Message-ID: {message_id}\r\n" if message_id else ""
    return (
        f"From: Pat Parent <pat@parents.example>\r\nTo: office@school.example\r\n"
        f"Subject: {subject}\r\nDate: Mon, 12 Jan 2026 09:30:00 +0000\r\n{mid}\r\n"
        f"Body of {subject}\r\n"
    ).encode()


@pytest.fixture
def folder(dovecot: Dovecot) -> str:
    """A folder of this test's own, so tests sharing the server cannot see each other's mail."""
    name = f"T{uuid.uuid4().hex[:10]}"
    with dovecot.client() as c:
        c.create_folder(name)
    return name


@pytest.fixture
def settings(dovecot: Dovecot, imap_password_env: str, folder: str) -> Imap:
    return dovecot.imap_settings(imap_password_env, folder=folder, sent_folder=f"{folder}-Sent")


@pytest.fixture
def session(settings: Imap) -> Iterator[ImapSession]:
    with connect(settings, timeout=10) as s:
        s.select()
        yield s


def test_login_ok_and_idle_advertised(settings: Imap) -> None:
    with connect(settings) as s:
        assert s.uses_idle
        state = s.select()
        assert state.folder == settings.folder
        assert state.uidvalidity > 0
        assert state.keywords_allowed


def test_wrong_password_is_a_login_error(
    settings: Imap, monkeypatch: pytest.MonkeyPatch, imap_password_env: str
) -> None:
    monkeypatch.setenv(imap_password_env, "not-the-password")
    with pytest.raises(ImapLoginError) as err:
        connect(settings)
    assert not isinstance(err.value, ImapNetworkError)


def test_password_command(dovecot: Dovecot, folder: str) -> None:
    settings = dovecot.imap_settings(
        "UNUSED", folder=folder, secret=Secret(password_command="printf '%s\\n' secret")
    )
    with connect(settings) as s:
        assert s.select().folder == folder


def test_closed_port_is_a_network_error(dovecot: Dovecot, imap_password_env: str) -> None:
    from mailer.embedded_imap import free_port

    settings = dovecot.imap_settings(imap_password_env, port=free_port())
    with pytest.raises(ImapNetworkError):
        connect(settings, timeout=3)


def test_search_finds_only_flagged_unprocessed(
    dovecot: Dovecot, session: ImapSession, folder: str
) -> None:
    flagged = dovecot.deliver(message("flagged"), flags=("\\Flagged",), folder=folder)
    dovecot.deliver(message("plain"), folder=folder)
    dovecot.deliver(message("seen only"), flags=("\\Seen",), folder=folder)
    done = dovecot.deliver(message("done"), flags=("\\Flagged", "ConductLogged"), folder=folder)
    assert session.search_pending() == [flagged]
    assert done not in session.search_pending()


def test_fetch_does_not_set_seen_and_keyword_marks_processed(
    dovecot: Dovecot, session: ImapSession, folder: str
) -> None:
    raw = message("evidence", "<e1@parents.example>")
    uid = dovecot.deliver(raw, flags=("\\Flagged",), folder=folder)
    [got] = list(session.fetch(session.search_pending()))
    assert got.raw.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert (got.folder, got.uid, got.uidvalidity) == (folder, uid, session.select().uidvalidity)
    assert got.internaldate.tzinfo is not None
    assert "\\Seen" not in dovecot.flags_of(uid, folder)

    assert session.mark_processed([uid]) is True
    flags = dovecot.flags_of(uid, folder)
    assert "ConductLogged" in flags and "\\Flagged" in flags and "\\Seen" not in flags
    assert session.search_pending() == []


def test_fetch_in_small_batches(dovecot: Dovecot, session: ImapSession, folder: str) -> None:
    uids = [
        dovecot.deliver(message(f"m{i}"), flags=("\\Flagged",), folder=folder) for i in range(12)
    ]
    got = list(session.fetch(session.search_pending(), batch_size=5))
    assert [m.uid for m in got] == uids
    assert [m.raw.split(b"Subject: ")[1].split(b"\r\n")[0] for m in got] == [
        f"m{i}".encode() for i in range(12)
    ]


def test_custom_watch_keyword(dovecot: Dovecot, imap_password_env: str, folder: str) -> None:
    settings = dovecot.imap_settings(imap_password_env, folder=folder, watch_flag="ReportToOffice")
    a = dovecot.deliver(message("kw"), flags=("ReportToOffice",), folder=folder)
    dovecot.deliver(message("flag"), flags=("\\Flagged",), folder=folder)
    with connect(settings) as s:
        s.select()
        assert s.search_pending() == [a]


def test_idle_wakes_when_another_client_flags(
    dovecot: Dovecot, session: ImapSession, folder: str
) -> None:
    uid = dovecot.deliver(message("to be flagged"), folder=folder)
    assert session.search_pending() == []
    timer = threading.Timer(0.3, dovecot.set_flags, (uid, ("\\Flagged",), folder))
    timer.start()
    # ACTIVITY, not TIMEOUT: the flag ended the wait. (How soon: bench/ingest_latency.py.)
    result = session.wait(timeout=60)
    timer.join()
    assert result is WaitResult.ACTIVITY
    assert session.search_pending() == [uid]
    # IDLE again straight away: the session is still usable after a wake.
    assert session.wait(timeout=0.3) is WaitResult.TIMEOUT


def test_wait_honours_stop_event(session: ImapSession) -> None:
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    # A wait longer than the test may run (pytest's timeout): returning at all, and with
    # STOPPED, shows that the stop was heard while waiting.
    assert session.wait(timeout=3600, stop=stop) is WaitResult.STOPPED
    session.noop()


def test_polling_fallback(dovecot: Dovecot, settings: Imap, folder: str) -> None:
    from dataclasses import replace

    with connect(replace(settings, poll_seconds=1), use_idle=False) as s:
        s.select()
        assert not s.uses_idle
        uid = dovecot.deliver(message("polled"), flags=("\\Flagged",), folder=folder)
        start = time.monotonic()
        assert s.wait() is WaitResult.TIMEOUT
        # A lower bound only (no machine is too slow for it): the wait sleeps the poll period.
        assert time.monotonic() - start >= 0.9
        assert s.search_pending() == [uid]


def test_restart_during_idle_is_a_recoverable_network_error(
    fresh_dovecot: Dovecot, imap_password_env: str
) -> None:
    settings = fresh_dovecot.imap_settings(imap_password_env)
    uid = fresh_dovecot.deliver(message("survives"), flags=("\\Flagged",))
    s = connect(settings, timeout=10)
    s.select()
    restarter = threading.Timer(0.3, fresh_dovecot.restart)
    restarter.start()
    with pytest.raises(ImapNetworkError):
        s.wait(timeout=20)
    restarter.join()
    # The dead session says so at once and closes without raising.
    with pytest.raises(ImapNetworkError):
        s.search_pending()
    s.close()
    with connect(settings, timeout=10) as again:
        again.select()
        assert again.search_pending() == [uid]


def test_uidvalidity_changes_when_folder_is_recreated(
    dovecot: Dovecot, settings: Imap, folder: str
) -> None:
    dovecot.deliver(message("before"), flags=("\\Flagged",), folder=folder)
    with connect(settings) as s:
        before = s.select().uidvalidity
    dovecot.recreate_folder(folder)
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock; make the change certain.
    dovecot.recreate_folder(folder)
    with connect(settings) as s:
        state = s.select()
        assert state.uidvalidity != before
        assert state.exists == 0
        assert s.search_pending() == []


def test_append_sent_and_find_by_message_id(
    dovecot: Dovecot, session: ImapSession, settings: Imap, folder: str
) -> None:
    with dovecot.client() as c:
        assert not c.folder_exists(settings.sent_folder)
    mid = f"<{uuid.uuid4().hex}@school.example>"
    assert session.find_sent(mid) is False
    session.append_sent(message("[C-2026-0007] Warning", mid))
    assert session.find_sent(mid) is True
    # A different id that contains ours as a substring must not count.
    assert session.find_sent(mid.replace("<", "<x")) is False
    # The watch folder is selected again afterwards.
    assert session.state is not None and session.state.folder == folder
    uid = dovecot.deliver(message("after"), flags=("\\Flagged",), folder=folder)
    assert session.search_pending() == [uid]


def test_tls_with_private_ca(dovecot_tls: Dovecot, imap_password_env: str) -> None:
    for security in ("tls", "starttls"):
        settings = dovecot_tls.imap_settings(imap_password_env, security=security)
        with connect(settings) as s:
            assert s.select().folder == "INBOX"
            assert s.wait(timeout=0.2) is WaitResult.TIMEOUT


def test_tls_without_ca_file_fails_verification(
    dovecot_tls: Dovecot, imap_password_env: str
) -> None:
    settings = dovecot_tls.imap_settings(imap_password_env, security="tls", ca_file=None)
    with pytest.raises(ImapNetworkError, match="certificate"):
        connect(settings)


def test_idle_survives_a_response_split_across_tcp_reads(
    dovecot: Dovecot, settings: Imap, folder: str
) -> None:
    """imapclient issue #519: idle_check loses a line split across reads; our wait does not."""
    from dataclasses import replace

    from tests.support.mailservers.proxy import SplittingProxy

    proxy = SplittingProxy(dovecot.host, dovecot.port, pause=0.4)
    try:
        with connect(replace(settings, port=proxy.port)) as s:
            s.select()
            uid = dovecot.deliver(message("split"), folder=folder)
            assert s.search_pending() == []
            proxy.split.set()
            timer = threading.Timer(0.2, dovecot.set_flags, (uid, ("\\Flagged",), folder))
            timer.start()
            assert s.wait(timeout=10) is WaitResult.ACTIVITY
            timer.join()
            assert s.search_pending() == [uid]
            [got] = list(s.fetch([uid]))
            assert b"Body of split" in got.raw
    finally:
        proxy.close()
