"""What the daemon watches: flagged mail (the default) or a whole folder; servers without keywords."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from casework.tomlread import ConfigError
from mailer.daemon import Daemon
from mailer.embedded_imap import EmbeddedImap, deliver
from mailer.imap_conn import search_criteria
from store.casebook import Casebook
from tests.support.mailfixtures import loopback_mail_toml, message, school_config, unique_folder
from tests.support.mailservers.dovecot import Dovecot
from tests.support.school import write_config


def test_folder_mode_takes_every_message_moved_into_the_folder(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()  # the office's "Conduct" folder
    dovecot.recreate_folder(folder)
    settings = dovecot.imap_settings(imap_password_env, folder=folder, watch="folder")
    config = school_config(tmp_path, settings)
    # Staff move mail in with their mail program: no flag, already read, or flagged.
    dovecot.deliver(message("Moved in", sender="A <a@example.org>"), folder=folder)
    dovecot.deliver(
        message("Moved in, read", sender="B <b@example.org>"), flags=("\\Seen",), folder=folder
    )
    dovecot.deliver(
        message("Moved in, flagged", sender="C <c@example.org>"),
        flags=("\\Flagged",),
        folder=folder,
    )
    assert Daemon(config).run(once=True) == 0
    book = Casebook(config)
    assert sorted(c.summary for c in book.cases()) == [
        "Moved in",
        "Moved in, flagged",
        "Moved in, read",
    ]
    assert Daemon(config).run(once=True) == 0
    assert len(Casebook(config).cases()) == 3


def test_flag_mode_stays_the_default_and_ignores_unflagged_mail(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str
) -> None:
    folder = unique_folder()
    dovecot.recreate_folder(folder)
    config = school_config(tmp_path, dovecot.imap_settings(imap_password_env, folder=folder))
    assert config.mail is not None and config.mail.imap.watch == "flag"
    dovecot.deliver(message("Not flagged"), folder=folder)
    assert Daemon(config).run(once=True) == 0
    assert Casebook(config).cases() == []


def test_a_server_without_keywords_works_fully_and_quietly(
    tmp_path: Path,
    pymap_server: EmbeddedImap,
    pymap_password_env: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # pymap, like Exchange Online, keeps no custom keywords: the store alone knows what is done.
    config = school_config(tmp_path, pymap_server.imap_settings(pymap_password_env))
    deliver(
        pymap_server.host,
        pymap_server.port,
        "office",
        "demo-pass",
        message("Once"),
        flags=("\\Flagged",),
    )
    with caplog.at_level(logging.INFO, logger="conduct.mailer"):
        for _ in range(3):
            assert Daemon(config).run(once=True) == 0
    assert [c.summary for c in Casebook(config).cases()] == ["Once"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    # Only the first pass had anything to say about the inbox.
    assert sum("inbox:" in r.getMessage() for r in caplog.records) == 1


def test_search_criteria_for_each_mode() -> None:
    assert search_criteria("\\Flagged", "ConductLogged") == [
        "FLAGGED",
        "UNKEYWORD",
        "ConductLogged",
    ]
    assert search_criteria("\\Flagged", "ConductLogged", keywords=False) == ["FLAGGED"]
    assert search_criteria("\\Flagged", "ConductLogged", watch="folder") == [
        "ALL",
        "UNKEYWORD",
        "ConductLogged",
    ]
    assert search_criteria("\\Flagged", "ConductLogged", watch="folder", keywords=False) == ["ALL"]


def test_oauth_config_mistakes_are_named(tmp_path: Path) -> None:
    section = loopback_mail_toml(imap_port=1, imap_user="office", imap_env="X", smtp_port=2)
    oauth = section.replace('password_env = "X"', 'auth = "oauth"') + (
        '\n[mail.oauth]\nprovider = "microsoft"\nmailbox = "office@school.sch.uk"\nflow = "app"\n'
        "watch = 1\n"
    )
    with pytest.raises(ConfigError) as err:
        from casework.config import load_config

        load_config(write_config(tmp_path, "warning-first", oauth))
    keys = {p.key for p in err.value.problems}
    assert {
        "mail.oauth.client_id",
        "mail.oauth.tenant",
        "mail.oauth.certificate",
        "mail.oauth.watch",
    } <= keys
    no_table = section.replace('password_env = "X"', 'auth = "oauth"')
    with pytest.raises(ConfigError) as err:
        from casework.config import load_config

        load_config(write_config(tmp_path, "warning-first", no_table))
    assert {p.key for p in err.value.problems} == {"mail.imap.auth", "mail.smtp.auth"}
    bad_watch = section.replace('folder = "INBOX"', 'folder = "INBOX"\nwatch = "everything"')
    with pytest.raises(ConfigError) as err:
        from casework.config import load_config

        load_config(write_config(tmp_path, "warning-first", bad_watch))
    assert [str(p) for p in err.value.problems] == [
        'mail.imap.watch: expected one of "flag", "folder", got "everything"'
    ]


def test_a_complete_oauth_table_reads_back(tmp_path: Path) -> None:
    from casework.config import load_config

    section = loopback_mail_toml(
        imap_port=1, imap_user="office@school.sch.uk", imap_env="X", smtp_port=2
    )
    section = section.replace('password_env = "X"', 'auth = "oauth"') + (
        '\n[mail.oauth]\nprovider = "microsoft"\nmailbox = "office@school.sch.uk"\n'
        'client_id = "11111111-2222-3333-4444-555555555555"\ntenant = "school.sch.uk"\n'
        'certificate = "data/oauth/app.crt"\nprivate_key = "$CREDENTIALS_DIRECTORY/conduct-key"\n'
    )
    config = load_config(write_config(tmp_path, "warning-first", section))
    assert config.mail is not None and config.mail.oauth is not None
    o = config.mail.oauth
    assert o.authority == "https://login.microsoftonline.com/school.sch.uk"
    assert o.scopes == ("https://outlook.office365.com/.default",)
    assert o.certificate == tmp_path / "data/oauth/app.crt"
    assert str(o.private_key) == "$CREDENTIALS_DIRECTORY/conduct-key"
