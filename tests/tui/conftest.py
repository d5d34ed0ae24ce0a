"""Fixtures for the dashboard's tests: a school on either preset, a fixed clock, helpers."""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from casework.config import Config, load_config
from conduct.demo_seed import seed_demo_cases
from store.casebook import Casebook
from tests.conftest import write_config
from tui.app import ConductApp
from tui.screens.form_modal import FormModal

# Every time on screen is shown in local time: make local time the same everywhere.
os.environ["TZ"] = "UTC"
time.tzset()
os.environ["CONDUCT_NO_VIEWER"] = "1"

FIXED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    """The tests' wall clock."""
    return FIXED


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests on a fresh event loop (no async plugin is installed)."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    asyncio.run(pyfuncitem.obj(**{n: pyfuncitem.funcargs[n] for n in names}))
    return True


def school(tmp_path: Path, preset: str, extra: str = "") -> Config:
    """A school on ``preset`` with its data under ``tmp_path``."""
    return load_config(write_config(tmp_path, preset, extra))


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., tuple[ConductApp, Config]]:
    """Build an app on a fresh school; ``demo=True`` seeds the demo cases at the fixed date."""

    def make(
        preset: str = "warning-first", demo: bool = False, watch: bool = False, extra: str = ""
    ) -> tuple[ConductApp, Config]:
        config = school(tmp_path, preset, extra)
        if demo:
            seed_demo_cases(Casebook(config), today=FIXED)
        return ConductApp(config, clock=fixed_clock, watch=watch), config

    return make


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let workers finish and their results reach the screen."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def fill(pilot: Pilot[Any], values: dict[str, Any], submit: bool = True) -> FormModal:
    """Answer the form in front and save it."""
    modal = pilot.app.screen
    assert isinstance(modal, FormModal), f"expected a form, got {modal!r}"
    for name, value in values.items():
        modal.set_value(name, value)
    await pilot.pause()
    if submit:
        await pilot.press("ctrl+s")
        await settle(pilot)
    return modal
