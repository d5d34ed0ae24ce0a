"""Shared fixtures: a school on either preset in a temporary directory, at the tests' clock."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.clock import Clock
from casework.config import Config, load_config
from store.casebook import Casebook
from tests.support.clock import FIXED_CLOCK, clock_env
from tests.support.school import MakeConfig, write_config


def pytest_configure(config: pytest.Config) -> None:
    """Run the whole suite, and every `conduct` process it starts, from the tests' moment.

    Nothing in the suite may depend on the day it runs: a Casebook made without a clock,
    the command line and the daemon all start their clocks at 10 March 2026, 09:00 UTC.
    """
    os.environ.update(clock_env())


@pytest.fixture(autouse=True)
def _own_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard keeps a person's settings (the theme) in their config directory: never
    the real one in tests, and a fresh one for each test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


@pytest.fixture
def clock() -> Clock:
    """The tests' fixed clock (a Tuesday in March 2026)."""
    return FIXED_CLOCK


@pytest.fixture
def utc_display(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Show local times as UTC, so what a screen shows is the same on every machine."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_config(tmp_path: Path) -> MakeConfig:
    """Build a Config for a preset, with its data directory under tmp_path."""

    def make(preset: str = "warning-first", extra: str = "") -> Config:
        return load_config(write_config(tmp_path, preset, extra))

    return make


@pytest.fixture(params=["meeting-first", "warning-first"])
def preset(request: pytest.FixtureRequest) -> str:
    """Each preset in turn."""
    return str(request.param)


@pytest.fixture
def book(make_config: MakeConfig, clock: Clock) -> Casebook:
    """A casebook on the warning-first preset, at the tests' clock."""
    return Casebook(make_config("warning-first"), clock=clock)
