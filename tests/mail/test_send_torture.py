"""The daemon SIGKILLed again and again while it sends: no letter reaches a parent twice.

A few kills here (each lands while a letter is in flight, most while the server holds the
whole letter and has not yet answered: the moment that used to send a letter twice);
bench/send_torture.py runs 200 and reports the figure in the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.mailservers.dovecot import Dovecot
from tests.support.send_torture import run_torture

KILLS = 8


@pytest.mark.parametrize("file_in_sent", [False, True], ids=["plain-server", "files-in-sent"])
def test_random_sigkills_while_sending_never_deliver_a_letter_twice(
    tmp_path: Path, dovecot: Dovecot, imap_password_env: str, file_in_sent: bool
) -> None:
    result = run_torture(
        dovecot,
        tmp_path,
        kills=KILLS,
        imap_user="alice",
        imap_password=os.environ[imap_password_env],
        file_in_sent=file_in_sent,
    )
    assert result.kills == KILLS
    assert result.problems == [], result.summary()
    assert result.sent_twice == 0, result.summary()
    assert result.statuses["sent"] >= 1
    if file_in_sent:
        # The server's Sent folder settles every letter that did arrive: a letter is held
        # only when it was not delivered (killed between recording the dot and sending it).
        held = [i for i, n in result.deliveries.items() if n and i in result.held]
        assert held == [], result.summary()
