"""`@record`: a frozen dataclass made at a third of the import-time cost of Python 3.11's.

Python 3.11's ``@dataclass(frozen=True)`` compiles six generated methods for every class
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``),
about 0.9 ms a class on this project's machine; a short command imports fifty to eighty of
them. ``@record`` lets the standard library read the fields (so ``dataclasses.fields``,
``replace``, ``asdict`` and ``is_dataclass`` work as before), shares one ``__setattr__`` and
``__delattr__`` among all records, builds ``__eq__``, ``__hash__`` and ``__repr__`` from an
``operator.attrgetter`` without compiling, and compiles ``__init__`` the first time the class
is constructed (records read from the store skip it: casework/serial.py).

The result behaves as ``@dataclass(frozen=True)``: same constructor and defaults, field-wise
equality and hash, ``Name(a=1, b='x')`` repr, and FrozenInstanceError on assignment. mypy
knows it as such through ``dataclass_transform``. tests/casework/test_record.py holds it to
the standard library's behaviour.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: Any) -> Callable[[Any], Any]:
        """At run time a no-op: only type checkers read it."""
        return lambda decorated: decorated


T = TypeVar("T")


def _refuse_assignment(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_deletion(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen dataclass (see the module's docstring for why not @dataclass)."""
    # No method generated here: only the fields read, defaults set, __match_args__ added.
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False)(cls)
    fields = dataclasses.fields(made)
    for f in fields:
        if f.kw_only or not f.init:
            raise TypeError(f"{made.__qualname__}.{f.name}: @record takes plain fields only")
    own = made.__dict__
    made.__setattr__ = _refuse_assignment
    made.__delattr__ = _refuse_deletion
    if "__init__" not in own:
        made.__init__ = _first_init(made)
    compared = [f.name for f in fields if f.compare]
    hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
    if "__eq__" not in own:
        made.__eq__ = _equality(_key(compared))
    # As dataclasses do: a __hash__ from the fields unless the class wrote its own (a class
    # that writes only __eq__ gets __hash__ = None from Python, which does not count).
    written = own.get("__hash__", MISSING)
    if written is MISSING or (written is None and "__eq__" in own):
        made.__hash__ = _hashing(_key(hashed))
    if "__repr__" not in own:
        made.__repr__ = _representation([f.name for f in fields if f.repr])
    return made  # type: ignore[no-any-return]


def _key(names: list[str]) -> Callable[[Any], Any]:
    """The values that make two records equal, as one tuple (or one value, or nothing)."""
    if not names:
        return lambda _: ()
    return attrgetter(*names)


def _equality(key: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hashing(key: Callable[[Any], Any]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _representation(names: list[str]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _first_init(cls: Any) -> Callable[..., None]:
    """A stand-in __init__ that compiles the real one on the first construction."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if cls.__dict__.get("__init__") is __init__:
            cls.__init__ = _compiled_init(cls)
        cls.__init__(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _compiled_init(cls: Any) -> Callable[..., None]:
    """The __init__ that ``@dataclass(frozen=True)`` would have made for ``cls``."""
    # Our own names start with __record_ so that no field (not even one called "self" or
    # "set") can shadow them.
    names: dict[str, Any] = {"__record_set": object.__setattr__, "__record_missing": MISSING}
    parameters: list[str] = []
    lines: list[str] = []
    for i, f in enumerate(dataclasses.fields(cls)):
        value = f.name
        if f.default is not MISSING:
            names[f"__record_default_{i}"] = f.default
            parameters.append(f"{f.name}=__record_default_{i}")
        elif f.default_factory is not MISSING:
            names[f"__record_factory_{i}"] = f.default_factory
            parameters.append(f"{f.name}=__record_missing")
            value = f"__record_factory_{i}() if {f.name} is __record_missing else {f.name}"
        else:
            parameters.append(f.name)
        lines.append(f"    __record_set(__record_self, {f.name!r}, {value})")
    if hasattr(cls, "__post_init__"):
        lines.append("    __record_self.__post_init__()")
    source = f"def __init__(__record_self, {', '.join(parameters)}):\n" + "\n".join(
        lines or ["    pass"]
    )
    made: dict[str, Any] = {}
    exec(source, names, made)  # noqa: S102 - our own text, built from field names
    init: Callable[..., None] = made["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init
