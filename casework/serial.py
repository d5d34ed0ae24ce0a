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
    """A function reading one record of ``cls``: generated once per class, as dataclasses
    generate ``__init__``, so reading 10,000 cases runs no loop over fields per record."""
    hints = typing.get_type_hints(cls)
    names: dict[str, Any] = {"cls": cls, "_missing": _missing, "new": object.__new__}
    values = []
    for i, f in enumerate(_fields(cls)):
        key = repr(_key(f))
        value = _expression(hints[f.name], f"d[{key}]", names, f"c{i}")
        # An absent field takes its default, as the constructor would give it (never converted).
        if f.default is not dataclasses.MISSING:
            names[f"default_{i}"] = f.default
            value = f"({value} if {key} in d else default_{i})"
        elif f.default_factory is not dataclasses.MISSING:
            names[f"factory_{i}"] = f.default_factory
            value = f"({value} if {key} in d else factory_{i}())"
        values.append((f.name, value))
    if _plain(cls):
        # What the generated __init__ of a frozen dataclass with nothing to check does, one
        # object.__setattr__ per field, done as one dict: the same object, a third of the work.
        fields = ", ".join(f"{name!r}: {value}" for name, value in values)
        build = f"o = new(cls)\n        o.__dict__.update({{{fields}}})\n        return o"
    else:
        build = f"return cls({', '.join(f'{name}={value}' for name, value in values)})"
    source = (
        "def read(d):\n"
        "    try:\n"
        f"        {build}\n"
        "    except KeyError as exc:\n"
        "        raise _missing(cls, d, exc) from None\n"
    )
    exec(source, names)  # our own text, made of the class's field names and JSON keys
    read: Converter = names["read"]
    return read


def _plain(cls: type) -> bool:
    """Whether the constructor only stores its fields: no checks, no slots, every field given."""
    return (
        not hasattr(cls, "__post_init__")
        and "__slots__" not in cls.__dict__
        and all(f.init for f in _fields(cls))
    )


def _later(cls: type) -> Converter:
    """Reads a record held inside another; its reader is made the first time one is read."""
    return lambda v: _reader(cls)(v)


def _missing(cls: type, data: Mapping[str, Any], exc: KeyError) -> Exception:
    """The error naming the field a record lacks (``exc`` itself if it lacks none)."""
    for f in _fields(cls):
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        if required and _key(f) not in data:
            return ValueError(f"{cls.__name__}: missing field {f.name!r}")
    return exc


def _expression(tp: Any, value: str, names: dict[str, Any], tag: str) -> str:
    """Python source turning the JSON ``value`` into a ``tp``; helpers go into ``names``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) != 1:
            return value
        converted = _expression(inner[0], "v", names, tag + "o")
        if converted == "v":
            return value
        names[tag] = eval(f"lambda v: None if v is None else {converted}", names)
        return f"{tag}({value})"
    if origin is tuple:
        item = _expression(args[0], "x", names, tag + "t") if args else "x"
        return f"tuple({value})" if item == "x" else f"tuple([{item} for x in {value}])"
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        return f"dict({value})"
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            names[tag] = _later(tp)
        elif issubclass(tp, Enum):
            # Members by value, looked up without the Enum call; a value that is none of them
            # (or a falsy member) goes through the call, which names what is wrong.
            names[tag], names[tag + "e"] = {m.value: m for m in tp}, tp
            return f"({tag}.get({value}) or {tag}e({value}))"
        elif tp is datetime:
            names[tag] = datetime.fromisoformat
        elif tp is date:
            names[tag] = date.fromisoformat
        else:
            return value
        return f"{tag}({value})"
    return value
