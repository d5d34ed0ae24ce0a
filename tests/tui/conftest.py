"""Fixtures for the dashboard's tests: a school on either preset at the tests' fixed clock."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from casework.config import Config, load_config
from casework.staff import Actor, Role
from conduct.demo_seed import seed_demo_cases
from store.casebook import Casebook
from tests.support.clock import FIXED_CLOCK
from tests.support.school import write_config
from tui.app import ConductApp

os.environ["CONDUCT_NO_VIEWER"] = "1"


@pytest.fixture(autouse=True)
def _screen_in_utc(utc_display: None) -> None:
    """Every time on screen is shown in local time: make local time UTC for these tests."""


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
    """Build an app on a fresh school at the fixed clock; ``demo=True`` seeds the demo cases."""

    def make(
        preset: str = "warning-first",
        demo: bool = False,
        watch: bool = False,
        extra: str = "",
        role: Role = Role.DSL,
    ) -> tuple[ConductApp, Config]:
        config = school(tmp_path, preset, extra)
        # The same person on every machine, whatever account runs the tests: one who works
        # cases and asks the head to approve, and sees restricted records (the DSL's role);
        # the demo's history, bans included, is seeded with the headteacher's authority.
        book = Casebook(config, clock=FIXED_CLOCK, actor=Actor("Olive Office", role))
        if demo:
            seed_demo_cases(Casebook(config, clock=FIXED_CLOCK, actor=Actor("Olive Office", Role.HEADTEACHER)))
        return ConductApp(config, book=book, watch=watch), config

    return make
