"""Configuration: both presets load; every mistake is named with its key, value and expectation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from casework.config import load_config
from casework.tomlread import ConfigError
from tests.support.school import SCHOOL, write_config

MAIL = """
[mail.imap]
host = "imap.example.sch.uk"
port = {port}
security = "tls"
user = "office@example.sch.uk"
password_env = "CONDUCT_IMAP_PASSWORD"
[mail.smtp]
host = "smtp.example.sch.uk"
port = 587
security = "starttls"
user = "office@example.sch.uk"
password_env = "CONDUCT_SMTP_PASSWORD"
from_address = "office@example.sch.uk"
"""


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return [str(p) for p in info.value.problems]


def test_both_presets_load_with_mail(tmp_path: Path, preset: str) -> None:
    config = load_config(write_config(tmp_path, preset, MAIL.format(port=993)))
    assert config.policy.id == preset
    assert config.mail is not None and config.mail.imap.port == 993
    assert config.mail.imap.watch_flag == "\\Flagged"
    assert config.mail.imap.processed_keyword == "ConductLogged"
    assert config.store.data_dir == tmp_path / "data"
    assert config.letters.signatory == "Mrs Helen Head"


def test_reference_config_in_repository_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parents[2] / "config.toml")
    assert config.mail is not None
    assert config.mail.smtp.from_name == "School Office"


def test_bad_port_names_key_value_and_expectation(tmp_path: Path) -> None:
    path = write_config(tmp_path, "warning-first", MAIL.format(port='"abc"'))
    assert problems_of(path) == ['mail.imap.port: expected an integer 1-65535, got "abc"']


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    extra = MAIL.format(port=99999).replace(
        'password_env = "CONDUCT_IMAP_PASSWORD"', 'password = "hunter2"'
    )
    extra = extra.replace('security = "starttls"', 'security = "plain"')
    extra += "\n[periods]\nban_length_days = 0\ncolour = 'red'\n"
    found = problems_of(write_config(tmp_path, "warning-first", extra))
    joined = "\n".join(found)
    assert "mail.imap.port: expected an integer 1-65535, got 99999" in joined
    assert "mail.imap.password: a literal password is never accepted" in joined
    assert 'mail.smtp.security: "plain" is allowed only to loopback' in joined
    assert "periods.ban_length_days: expected an integer 1-730, got 0" in joined
    assert "periods.colour: unknown key" in joined
    assert "hunter2" not in joined  # a password is never echoed back


def test_unknown_preset_and_missing_required_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        SCHOOL.replace('headteacher = "Mrs Helen Head"\n', "") + '\n[policy]\npreset = "strict"\n',
        encoding="utf-8",
    )
    found = problems_of(path)
    assert "school.headteacher: expected a string, but it is missing" in found
    assert 'policy.preset: expected one of "meeting-first", "warning-first", got "strict"' in found


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[school\nname = 1", encoding="utf-8")
    (msg,) = problems_of(path)
    assert msg.startswith("config: ") and "not valid TOML" in msg


def test_conduct_check_exits_1_without_traceback(tmp_path: Path) -> None:
    path = write_config(tmp_path, "warning-first", MAIL.format(port='"abc"'))
    result = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(path), "check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert 'mail.imap.port: expected an integer 1-65535, got "abc"' in result.stderr
    assert "Traceback" not in result.stderr


def test_config_found_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, "meeting-first")
    monkeypatch.setenv("CONDUCT_CONFIG", str(path))
    monkeypatch.chdir(tmp_path.parent)
    from conduct.cli import main

    assert main(["check"]) == 0
