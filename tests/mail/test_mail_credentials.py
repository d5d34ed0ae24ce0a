"""Secrets from the environment or a command, and the retry backoff."""

from __future__ import annotations

import logging
import random
import sys
from pathlib import Path

import pytest

from casework.mailconfig import Imap, Secret
from mailer.backoff import MAX_DELAY_SECONDS, backoff_delay
from mailer.credentials import resolve
from mailer.daemon import Daemon
from mailer.errors import SecretError
from store.casebook import Casebook
from tests.support.mailfixtures import school_config


def test_password_from_env() -> None:
    cred = resolve("office", Secret(password_env="PW"), environ={"PW": "s3cret"})
    assert (cred.user, cred.value, cred.oauth) == ("office", "s3cret", False)
    assert "s3cret" not in repr(cred)


def test_missing_env_is_named() -> None:
    with pytest.raises(SecretError, match="NOT_SET_ANYWHERE"):
        resolve("office", Secret(password_env="NOT_SET_ANYWHERE"), environ={})


def test_password_command_is_run_without_a_shell() -> None:
    cmd = f"{sys.executable} -c \"print('  pw with spaces  ; rm -rf /')\""
    cred = resolve("office", Secret(password_command=cmd))
    assert cred.value == "pw with spaces  ; rm -rf /"


def test_token_command_gives_oauth() -> None:
    cred = resolve("office", Secret(token_command="printf ya29.token"))
    assert cred.oauth and cred.value == "ya29.token"


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("/no/such/program", "not found"),
        (
            f"{sys.executable} -c \"import sys; sys.stderr.write('token expired'); sys.exit(3)\"",
            "token expired",
        ),
        ("true", "printed nothing"),
        ("'unbalanced", "split"),
    ],
)
def test_failing_command_is_a_clear_secret_error(command: str, fragment: str) -> None:
    with pytest.raises(SecretError, match=fragment):
        resolve("office", Secret(password_command=command))


def test_command_timeout() -> None:
    with pytest.raises(SecretError, match="did not finish"):
        resolve("office", Secret(password_command="sleep 5"), timeout=0.3)


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    first = [backoff_delay(1, rng=rng) for _ in range(50)]
    assert all(1.0 <= d <= 2.0 for d in first) and len(set(first)) > 1
    assert all(8.0 <= backoff_delay(4, rng=rng) <= 16.0 for _ in range(50))
    late = [backoff_delay(n, rng=rng) for n in (9, 20, 1000)]
    assert all(MAX_DELAY_SECONDS / 2 <= d <= MAX_DELAY_SECONDS for d in late)
    assert backoff_delay(0) == 0.0


# What a real helper can print when it fails: the token it was refreshing, then more.
LEAKY = (
    "import sys; "
    "sys.stderr.write('refresh failed for ya29.a0AfH6SMBq8XlongTokenValue0123456789 (expired)\\n"
    "  Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.secondline\\npassword=hunter2\\n'); "
    "sys.exit(2)"
)
SECRETS = ("ya29.a0AfH6SMBq8XlongTokenValue0123456789", "eyJhbGciOiJSUzI1NiJ9", "hunter2")


def test_a_failing_commands_stderr_is_one_redacted_line() -> None:
    with pytest.raises(SecretError) as caught:
        resolve("office", Secret(password_command=f'{sys.executable} -c "{LEAKY}"'))
    message = str(caught.value)
    assert "refresh failed for [redacted] (expired)" in message
    assert "\n" not in message and not any(s in message for s in SECRETS)


def test_the_daemon_keeps_no_secret_from_stderr_in_its_log_or_health(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    imap = Imap(
        host="127.0.0.1",
        port=1,
        security="plain",
        user="office",
        secret=Secret(password_command=f'{sys.executable} -c "{LEAKY}"'),
    )
    config = school_config(tmp_path, imap)
    with caplog.at_level(logging.DEBUG):
        assert Daemon(config).run(once=True) == 3
    health_file = (Casebook(config).store.root / "health.json").read_text()
    assert "refresh failed for [redacted]" in health_file
    for text in (health_file, caplog.text):
        assert not any(s in text for s in SECRETS), text
