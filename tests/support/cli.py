"""Running the real `conduct` command in a subprocess, as the office would from a terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def conduct(config: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `conduct --config CONFIG ARGS...`; unless ``ok`` is False, insist that it succeeded."""
    result = subprocess.run(
        [sys.executable, "-m", "conduct.cli", "--config", str(config), *args],
        capture_output=True,
        text=True,
    )
    if ok:
        assert result.returncode == 0, result.stderr
    return result


def show(config: Path, ref: str) -> dict[str, Any]:
    """`case show REF --json`, parsed."""
    data: dict[str, Any] = json.loads(conduct(config, "case", "show", ref, "--json").stdout)
    return data


def open_case(config: Path, *behaviours: str, summary: str = "Shouted at the gate") -> str:
    """Open a case about Pat Parent (pat@example.org) and return its reference."""
    return conduct(
        config,
        "case",
        "open",
        "--name",
        "Pat Parent",
        "--email",
        "pat@example.org",
        "--behaviour",
        *behaviours,
        "--summary",
        summary,
    ).stdout.strip()


def draft_information_request(config: Path, ref: str, out: Path) -> str:
    """Draft a case's information-request letter (a recorded account, a date) to ``out``; its id."""
    drafted = conduct(
        config,
        "letter",
        "render",
        ref,
        "information-request",
        "--out",
        str(out),
        "--set",
        "incident_date=2026-03-09",
        "incident_summary=Shouted at Mrs Khan at the gate",
    ).stdout
    return drafted.split("letter ")[1].split()[0]
