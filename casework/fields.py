"""Text from a form or from ``--set KEY=VALUE`` into a typed payload, every mistake named.

The dashboard's forms and the command line both answer in strings; this is the one place
those strings become dates, times, lists and choices, so both refuse the same mistakes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from enum import Enum
from typing import Any, TypeVar

from casework.payloads import PayloadError

P = TypeVar("P")


class FieldError(PayloadError):
    """A value given as text that does not fit its field: names the key and what was expected."""


# Lists of people's names: "Mrs H Head, Headteacher" is one person, so only ';' separates.
PEOPLE_LISTS = frozenset({"attendees", "subjects"})


def split_names(value: str) -> tuple[str, ...]:
    """A list typed in one line: semicolons separate when present, else commas."""
    sep = ";" if ";" in value else ","
    return tuple(part.strip() for part in value.split(sep) if part.strip())


def split_people(value: str) -> tuple[str, ...]:
    """People's names typed in one line, separated by ';' (a name may hold a comma)."""
    return tuple(part.strip() for part in value.split(";") if part.strip())


def parse_date(key: str, value: str) -> date:
    """``YYYY-MM-DD``, or a FieldError naming the key."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(f"{key}: expected a date YYYY-MM-DD, got {value!r}") from None


def parse_local_time(key: str, value: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` (or a space for the T): a time at the school, with no zone."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise FieldError(f"{key}: expected a date and time YYYY-MM-DDTHH:MM, got {value!r}") from None
    if moment.tzinfo is not None:
        # The school's wall-clock time is what a parent is told; keep it as written.
        moment = moment.replace(tzinfo=None)
    return moment


def _reader(key: str, tp: Any) -> Callable[[str], Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = next(a for a in args if a is not type(None))
        read = _reader(key, inner)
        return lambda v: None if not v.strip() else read(v)
    if origin is tuple:
        return split_people if key in PEOPLE_LISTS else split_names
    if tp is date:
        return lambda v: parse_date(key, v)
    if tp is datetime:
        return lambda v: parse_local_time(key, v)
    if tp is time:

        def read_time(v: str) -> time:
            try:
                return time.fromisoformat(v.strip())
            except ValueError:
                raise FieldError(f"{key}: expected a time HH:MM, got {v!r}") from None

        return read_time
    if tp is bool:

        def read_bool(v: str) -> bool:
            word = v.strip().lower()
            if word in ("yes", "true", "1"):
                return True
            if word in ("no", "false", "0", ""):
                return False
            raise FieldError(f"{key}: expected yes or no, got {v!r}")

        return read_bool
    if tp is int:

        def read_int(v: str) -> int:
            try:
                return int(v.strip())
            except ValueError:
                raise FieldError(f"{key}: expected a whole number, got {v!r}") from None

        return read_int
    if isinstance(tp, type) and issubclass(tp, Enum):
        choices = [str(m.value) for m in tp]

        def read_choice(v: str) -> Any:
            try:
                return tp(v.strip())
            except ValueError:
                raise FieldError(
                    f"{key}: expected one of {', '.join(choices)}, got {v!r}"
                ) from None

        return read_choice
    return lambda v: v.strip()


def settable(cls: type) -> tuple[str, ...]:
    """The keys a person may give for this payload, in the order it declares them."""
    return tuple(f.name for f in dataclasses.fields(cls))


def build(cls: type[P], kind: str, fields: Mapping[str, str], **given: Any) -> P:
    """A ``cls`` from text fields plus already typed values; unknown keys are refused."""
    hints = typing.get_type_hints(cls)
    allowed = settable(cls)
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise FieldError(
            f"{kind}: unknown field(s) {', '.join(unknown)}; the fields are: {', '.join(allowed)}"
        )
    values: dict[str, Any] = {}
    for name, text in fields.items():
        values[name] = _reader(name, hints[name])(text)
    values.update(given)
    missing = [
        f.name
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name not in values
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise FieldError(f"{kind}: {', '.join(missing)} is required")
    try:
        return cls(**values)
    except TypeError as exc:  # a value of the wrong shape given by code, not by a person
        raise FieldError(f"{kind}: {exc}") from None
