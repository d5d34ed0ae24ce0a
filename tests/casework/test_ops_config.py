"""[alerts] and [front_gate]: read, defaulted, and each mistake named with its key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from casework.config import load_config
from casework.tomlread import ConfigError
from tests.support.school import write_config


def test_alerts_and_front_gate_are_read_with_their_defaults(tmp_path: Path) -> None:
    plain = load_config(write_config(tmp_path, "warning-first"))
    assert (plain.alerts.address, plain.alerts.signin_minutes, plain.front_gate.call) == ("", 30, "")
    extra = '[alerts]\naddress = "it@example.org"\nsignin_minutes = 45\n[front_gate]\ncall = "Reception"\n'
    config = load_config(write_config(tmp_path, "warning-first", extra))
    assert (config.alerts.address, config.alerts.signin_minutes) == ("it@example.org", 45)
    assert config.front_gate.call == "Reception"


def test_a_bad_alert_address_or_threshold_is_named(tmp_path: Path) -> None:
    extra = '[alerts]\naddress = "it support"\nsignin_minutes = 0\ncolour = 1\n'
    with pytest.raises(ConfigError) as err:
        load_config(write_config(tmp_path, "warning-first", extra))
    found = [str(p) for p in err.value.problems]
    assert (
        'alerts.address: expected an email address such as itsupport@example.sch.uk, got "it support"'
        in found
    )
    assert "alerts.signin_minutes: expected an integer 5-1440, got 0" in found
    assert "alerts.colour: unknown key" in found


def test_check_health_with_a_broken_configuration_is_critical_in_one_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, "warning-first", '[alerts]\naddress = "nobody"\n')
    result = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(path), "check", "--health"],
        capture_output=True,
        text=True,
        env=os.environ,
    )
    assert result.returncode == 2
    assert result.stdout.startswith("CONDUCT CRITICAL - the configuration has 1 problem(s): alerts.address")
    assert result.stdout.count("\n") == 1
