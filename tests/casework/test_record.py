"""`@record` behaves as `@dataclass(frozen=True)`: each check runs on a twin made both ways."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from casework.record import record


class Refused(ValueError):
    """What a twin's __post_init__ raises for an empty name."""


def twins() -> tuple[type[Any], type[Any]]:
    """The same class made by @dataclass(frozen=True) and by @record."""
    made = []
    for decorate in (dataclass(frozen=True), record):

        @decorate
        class Visit:
            name: str
            on: int
            notes: tuple[str, ...] = ()
            tags: list[str] = field(default_factory=list)
            seen_by: str = field(default="office", compare=False)
            secret: str = field(default="", repr=False)

            def __post_init__(self) -> None:
                if not self.name:
                    raise Refused("name is required")

        made.append(Visit)
    return made[0], made[1]


STANDARD, RECORD = twins()


@record
class Kept:
    """A record defined at module level, as pickle needs."""

    name: str
    notes: tuple[str, ...] = ()


@pytest.mark.parametrize("cls", [STANDARD, RECORD], ids=["dataclass", "record"])
def test_constructor_defaults_factories_and_checks(cls: type[Any]) -> None:
    visit = cls("Ms Parent", 3)
    assert (visit.notes, visit.tags, visit.seen_by, visit.secret) == ((), [], "office", "")
    assert cls("A", 1).tags is not cls("A", 1).tags  # a fresh list each time
    assert cls(name="B", on=2, tags=["x"]).tags == ["x"]
    with pytest.raises(Refused, match="name is required"):
        cls("", 1)
    with pytest.raises(TypeError):
        cls("A")  # a required field missing
    with pytest.raises(TypeError):
        cls("A", 1, unknown=2)


def test_equality_hash_and_repr_match_the_standard_library() -> None:
    for args in [("Ms Parent", 3), ("Ms Parent", 3, ("a",), ["t"], "head", "s")]:
        ours, theirs = RECORD(*args), STANDARD(*args)
        assert repr(ours) == repr(theirs)
    assert RECORD("A", 1) == RECORD("A", 1, seen_by="head")  # compare=False is not compared
    assert RECORD("A", 1) != RECORD("A", 2)
    assert RECORD("A", 1) != STANDARD("A", 1)  # another class is never equal
    assert hash(Kept("A", ("n",))) == hash(Kept("A", ("n",))) == hash(("A", ("n",)))
    with pytest.raises(TypeError, match="unhashable"):
        hash(RECORD("A", 1))  # a list field, as with dataclasses
    assert "secret" not in repr(RECORD("A", 1, secret="x"))


def test_assignment_and_deletion_are_refused() -> None:
    visit = RECORD("A", 1)
    with pytest.raises(FrozenInstanceError):
        visit.name = "B"
    with pytest.raises(FrozenInstanceError):
        del visit.name
    with pytest.raises(FrozenInstanceError):
        visit.other = 1
    assert visit.name == "A"


def test_the_dataclasses_module_still_works_on_records() -> None:
    visit = RECORD("A", 1, tags=["t"])
    assert dataclasses.is_dataclass(RECORD("A", 1))
    assert [f.name for f in dataclasses.fields(visit)] == [
        f.name for f in dataclasses.fields(STANDARD)
    ]
    assert dataclasses.replace(visit, on=2) == RECORD("A", 2, tags=["t"])
    with pytest.raises(Refused):
        dataclasses.replace(visit, name="")  # replace goes through the checks
    assert dataclasses.asdict(visit) == dataclasses.asdict(STANDARD("A", 1, tags=["t"]))
    assert copy.deepcopy(visit) == visit
    kept = Kept("A", ("n",))
    assert pickle.loads(pickle.dumps(kept)) == kept
    assert RECORD.__match_args__ == STANDARD.__match_args__


def test_subclasses_and_methods_a_class_writes_itself() -> None:
    @record
    class Base:
        kind: str = "base"

    @record
    class Child(Base):
        extra: int = 0

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Child)

    assert Child(kind="x", extra=1) == Child()  # its own __eq__ is kept
    assert hash(Child("a", 1)) == hash(("a", 1))  # __hash__ from the fields, as dataclasses do
    assert (
        repr(Child("a", 1))
        == "test_subclasses_and_methods_a_class_writes_itself.<locals>.Child(kind='a', extra=1)"
    )
    with pytest.raises(FrozenInstanceError):
        Child().extra = 2  # type: ignore[misc]  # mypy knows records are frozen, too


def test_fields_a_record_cannot_take_are_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="plain fields only"):

        @record
        class Hidden:
            shown: int
            computed: int = field(init=False, default=0)


def test_every_frozen_dataclass_outside_mailtext_is_a_record() -> None:
    # A @dataclass(frozen=True) costs a short command about 0.8 ms to import; a record 0.07.
    root = Path(__file__).resolve().parents[2]
    packages = ["casework", "store", "letters", "mailer", "tui", "conduct"]
    found = [
        f"{path.relative_to(root)}:{number}"
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if line.strip().startswith("@dataclass(") and "frozen=True" in line
    ]
    assert found == []


def test_fields_may_have_any_name_the_constructor_uses_itself() -> None:
    @record
    class Odd:
        self: int
        set: str = "s"
        MISSING: tuple[str, ...] = field(default_factory=tuple)

    odd = Odd(1)
    assert (odd.self, odd.set, odd.MISSING) == (1, "s", ())
    assert Odd(self=2, set="t", MISSING=("m",)) == Odd(2, "t", ("m",))


def test_dataclasses_is_imported_without_inspect_and_loses_nothing() -> None:
    """casework/__init__.py gives dataclasses a stand-in for inspect (a tenth of a short
    command's start-up): nothing loads inspect until it is used, and then it is the real one."""
    import subprocess
    import sys

    code = (
        "import sys, casework.record;"
        "print('inspect' in sys.modules);"
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Plain:\n"
        "    a: int\n"
        "    b: str = 'x'\n"
        "print(Plain.__doc__);"  # written by inspect.signature, through the stand-in
        "import inspect;"
        "print(inspect.signature(Plain), type(inspect.getmodule(Plain)).__name__,"
        " sys.modules['inspect'].__spec__.name)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == [
        "False",
        "Plain(a: int, b: str = 'x')",
        "(a: int, b: str = 'x') -> None module inspect",
    ]
