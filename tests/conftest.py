"""Shared fixtures: a school configured from either preset, in a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casework.config import Config, load_config
from store.casebook import Casebook

SCHOOL = """
[school]
name = "Stockham Primary School"
address = ["1 School Lane", "Stockham", "OX1 1AA"]
phone = "01234 567890"
email = "office@stockham.sch.uk"
headteacher = "Mrs Helen Head"
chair_of_governors = "Mr Colin Chair"
senior_staff = ["Mr Sam Senior"]
staff_domains = ["stockham.sch.uk"]

[operator]
name = "Olive Office"
"""

MakeConfig = Callable[..., Config]


def write_config(directory: Path, preset: str, extra: str = "") -> Path:
    """Write a config.toml for a preset into ``directory`` and return its path."""
    path = directory / "config.toml"
    path.write_text(SCHOOL + f'\n[policy]\npreset = "{preset}"\n' + extra, encoding="utf-8")
    return path


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
def book(make_config: MakeConfig) -> Casebook:
    """A casebook on the warning-first preset."""
    return Casebook(make_config("warning-first"))
