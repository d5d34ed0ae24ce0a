"""A school's config.toml on either preset, written into a test's directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from casework.config import Config

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
"""

MakeConfig = Callable[..., Config]


def write_config(directory: Path, preset: str, extra: str = "") -> Path:
    """Write a config.toml for a preset into ``directory`` and return its path."""
    path = directory / "config.toml"
    path.write_text(SCHOOL + f'\n[policy]\npreset = "{preset}"\n' + extra, encoding="utf-8")
    return path
