"""What the dashboard remembers for the person using it (the theme): their own file, not the store.

Each member of staff has their own operating-system account, so the file lives in their
configuration directory (``$XDG_CONFIG_HOME/conduct-desk/dashboard.json``, else
``~/.config/...``). A missing or unreadable file means the defaults.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

THEMES = ("textual-dark", "textual-light")


def settings_path() -> Path:
    """Where this person's dashboard settings are kept."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "conduct-desk" / "dashboard.json"


def load_theme(default: str, path: Path | None = None) -> str:
    """The theme chosen last time, or ``default``."""
    try:
        data = json.loads((path or settings_path()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default
    theme = data.get("theme") if isinstance(data, dict) else None
    return theme if theme in THEMES else default


def save_theme(theme: str, path: Path | None = None) -> None:
    """Remember the theme; a settings file that cannot be written costs only the preference."""
    target = path or settings_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps({"theme": theme}), encoding="utf-8")
        tmp.replace(target)
    except OSError:
        pass
