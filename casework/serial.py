"""Turn the domain's frozen dataclasses into JSON-ready dicts and back."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")
Converter = Callable[[Any], Any]


def to_json(obj: Any) -> Any:
    """Return a JSON-ready copy of a dataclass, enum, date or container."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {_key(f): to_json(getattr(obj, f.name)) for f in _fields(type(obj))}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, tuple | list):
        return [to_json(v) for v in obj]
    if isinstance(obj, Mapping):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


def from_json(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build a dataclass of type ``cls`` from a dict made by :func:`to_json`."""
    result: T = _reader(cls)(data)  # type: ignore[arg-type]
    return result


@cache
def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)


def _key(f: dataclasses.Field[Any]) -> str:
    # A field whose JSON name is a Python keyword ("from") says so in its metadata.
    return str(f.metadata.get("json", f.name))


@cache
def _reader(cls: type) -> Converter:
    # Plans are built once per class: loading 10,000 cases must not re-inspect type hints.
    hints = typing.get_type_hints(cls)
    plan = [(f.name, _key(f), _converter(hints[f.name])) for f in _fields(cls)]
    defaults = {
        f.name
        for f in _fields(cls)
        if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
    }

    def read(data: Mapping[str, Any]) -> Any:
        kwargs = {}
        for name, key, conv in plan:
            if key in data:
                kwargs[name] = conv(data[key])
            elif name not in defaults:
                raise ValueError(f"{cls.__name__}: missing field {name!r}")
        return cls(**kwargs)

    return read


def _identity(v: Any) -> Any:
    return v


def _converter(tp: Any) -> Converter:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        conv = _converter(inner[0]) if len(inner) == 1 else _identity
        return lambda v: None if v is None else conv(v)
    if origin is tuple:
        item = _converter(args[0]) if args else _identity
        return lambda v: tuple(item(x) for x in v)
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        return lambda v: dict(v)
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return _reader(tp)
        if issubclass(tp, Enum):
            return tp
        if tp is datetime:
            return datetime.fromisoformat
        if tp is date:
            return date.fromisoformat
    return _identity
