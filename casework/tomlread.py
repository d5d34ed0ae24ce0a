"""Read a TOML table key by key, collecting every mistake with its dotted path."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from casework.record import record

T = TypeVar("T")


@record
class Problem:
    """One mistake in a configuration: where it is, what was found, what was expected."""

    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.key}: {self.message}"


class ConfigError(Exception):
    """A configuration that cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


_MISSING: Any = object()


def describe(value: object) -> str:
    """Show a found value the way it was written in TOML."""
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


@dataclass
class TableReader:
    """Typed access to one TOML table; unknown keys are reported by :meth:`finish`."""

    path: str
    table: Mapping[str, Any]
    problems: list[Problem]
    _used: set[str] = field(default_factory=set)

    def key(self, name: str) -> str:
        """Return the dotted path of ``name`` in this table."""
        return f"{self.path}.{name}" if self.path else name

    def bad(self, name: str, expected: str, value: object = _MISSING) -> None:
        """Record that ``name`` holds something other than ``expected``."""
        if value is _MISSING:
            self.problems.append(Problem(self.key(name), f"expected {expected}, but it is missing"))
        else:
            msg = f"expected {expected}, got {describe(value)}"
            self.problems.append(Problem(self.key(name), msg))

    def _get(self, name: str, default: Any) -> Any:
        self._used.add(name)
        value = self.table.get(name, _MISSING)
        if value is _MISSING and default is _MISSING:
            return _MISSING
        return default if value is _MISSING else value

    def has(self, name: str) -> bool:
        """Tell whether the key is present."""
        return name in self.table

    def text(self, name: str, default: Any = _MISSING, *, nonempty: bool = True) -> Any:
        """A string; missing is an error unless a default is given."""
        value = self._get(name, default)
        if value is _MISSING:
            self.bad(name, "a string")
            return ""
        if value is None or value is default:
            return value
        if not isinstance(value, str) or (nonempty and not value.strip()):
            self.bad(name, "a non-empty string" if nonempty else "a string", value)
            return default if default is not _MISSING else ""
        return value

    def integer(self, name: str, lo: int, hi: int, default: Any = _MISSING) -> Any:
        """An integer within ``lo``..``hi``."""
        value = self._get(name, default)
        ok = isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi
        if value is default and default is not _MISSING:
            return value
        if not ok:
            self.bad(name, f"an integer {lo}-{hi}", value)
            return default if default is not _MISSING else lo
        return value

    def flag(self, name: str, default: Any = _MISSING) -> Any:
        """A boolean."""
        value = self._get(name, default)
        if not isinstance(value, bool):
            self.bad(name, "true or false", value)
            return bool(default) if default is not _MISSING else False
        return value

    def choice(self, name: str, options: tuple[str, ...], default: Any = _MISSING) -> Any:
        """One of a fixed set of strings."""
        value = self._get(name, default)
        if value not in options:
            self.bad(name, "one of " + ", ".join(f'"{o}"' for o in options), value)
            return default if default is not _MISSING else options[0]
        return value

    def texts(self, name: str, default: Any = _MISSING) -> tuple[str, ...]:
        """A list of non-empty strings."""
        value = self._get(name, default)
        if value is _MISSING:
            self.bad(name, "a list of strings")
            return ()
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            self.bad(name, "a list of non-empty strings", value)
            return ()
        return tuple(value)

    def day(self, name: str, default: Any = _MISSING) -> Any:
        """A TOML date (``2026-09-03``, unquoted)."""
        value = self._get(name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, date) or isinstance(value, datetime):
            self.bad(name, "a date like 2026-09-03 (no quotes)", value)
            return None
        return value

    def days(self, name: str, default: Any = _MISSING) -> tuple[date, ...]:
        """A list of TOML dates."""
        value = self._get(name, default)
        if value is _MISSING:
            self.bad(name, "a list of dates")
            return ()
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, date) and not isinstance(v, datetime) for v in value
        ):
            self.bad(name, "a list of dates like [2026-09-02, 2026-10-20] (no quotes)", value)
            return ()
        return tuple(value)

    def file(self, name: str, base: Path, default: str | None = None) -> Path | None:
        """A file or folder named by the key: ``~`` expanded, relative to ``base``; None if unset."""
        value = self.text(name, default)
        if not value:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else base / p

    def sub(self, name: str, *, required: bool = False) -> TableReader:
        """A nested table, read with its own reader."""
        value = self._get(name, _MISSING if required else {})
        if value is _MISSING:
            self.bad(name, "a table")
            value = {}
        elif not isinstance(value, dict):
            self.bad(name, "a table", value)
            value = {}
        return TableReader(self.key(name), value, self.problems)

    def tables(self, name: str, default: Any = _MISSING) -> list[TableReader]:
        """An array of tables (``[[name]]``)."""
        value = self._get(name, default)
        if value is _MISSING:
            self.bad(name, "an array of tables")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.bad(name, "an array of tables", value)
            return []
        return [
            TableReader(f"{self.key(name)}[{i}]", v, self.problems) for i, v in enumerate(value)
        ]

    def finish(self) -> None:
        """Report every key that no reader asked for: unknown keys are mistakes, not noise."""
        for name in self.table:
            if name not in self._used:
                self.problems.append(Problem(self.key(name), "unknown key"))
