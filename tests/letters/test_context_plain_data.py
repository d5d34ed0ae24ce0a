"""A school's template sees plain data only: no path, function or object that reaches outside.

Every value a template can reach is walked; each must be a string, number, date, tuple,
read-only mapping or frozen dataclass of those with no methods. Then, through the sandboxed
environment a school's override runs in, each reachable value is tried with the escapes that
worked when ``school.logo`` was a ``pathlib.Path`` (read a file, list a directory, write one)
and the classic sandbox escapes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
import pytest

from letters.kinds import KINDS
from letters.render import Renderer
from letters.samples import sample_config, sample_context

SCALARS = (str, int, float, bool, type(None), date, time, datetime)


def walk(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """Every value reachable from ``value`` by attribute or item, as (template expression, value)."""
    yield path, value
    if type(value) in SCALARS:
        return
    if isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from walk(item, f"{path}[{i}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from walk(item, f"{path}[{key!r}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name), f"{path}.{f.name}")
        for name, attr in _class_attributes(type(value)):
            if isinstance(attr, property):
                yield from walk(getattr(value, name), f"{path}.{name}")


def _class_attributes(cls: type) -> Iterator[tuple[str, Any]]:
    for klass in cls.__mro__:
        if klass is object:
            continue
        for name, attr in vars(klass).items():
            if not name.startswith("__"):
                yield name, attr


def _refuses_assignment(value: Any) -> bool:
    """Whether setting a field raises, as on a frozen dataclass or a record."""
    name = dataclasses.fields(value)[0].name if dataclasses.fields(value) else "anything"
    try:
        setattr(value, name, None)
    except dataclasses.FrozenInstanceError:
        return True
    return False


def problems_of(path: str, value: Any) -> list[str]:
    """Why a value is not plain data (empty when it is)."""
    if type(value) in SCALARS or type(value) in (tuple, list, dict, MappingProxyType):
        if isinstance(value, Mapping) and not all(type(k) is str for k in value):
            return [f"{path}: a mapping with keys that are not strings"]
        return []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = []
        if not _refuses_assignment(value):
            found.append(f"{path}: {type(value).__name__} is not a frozen dataclass")
        fields = {f.name for f in dataclasses.fields(value)}
        for name, attr in _class_attributes(type(value)):
            if name in fields or isinstance(attr, property):
                continue
            if callable(attr) or isinstance(attr, staticmethod | classmethod):
                found.append(f"{path}: {type(value).__name__}.{name} is a method")
        return found
    return [f"{path}: {type(value).__module__}.{type(value).__qualname__} is not plain data"]


def all_problems(data: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for name, value in data.items():
        for path, item in walk(value, name):
            found += problems_of(path, item)
    return found


def template_data(kind: str, renderer: Renderer, logo: Path) -> dict[str, Any]:
    """What the template of ``kind`` is given, for a school with a logo."""
    return renderer.template_data(kind, sample_context(kind, config=sample_config(logo=logo)))


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_value_a_template_sees_is_plain_data(kind, logo):
    data = template_data(kind, Renderer(logo=logo), logo)
    assert all_problems(data) == []


def escapes(secret: Path, written: Path) -> list[str]:
    """Suffixes that read, list or write files through an object, or climb out of the sandbox."""
    return [
        ".read_text()",
        ".read_bytes()",
        ".open().read()",
        f".joinpath('{secret}').read_text()",
        ".joinpath('/proc/self/environ').read_text()",
        ".parent.iterdir() | list",
        ".iterdir() | list",
        ".glob('*') | list",
        f".joinpath('{written}').write_text('pwned')",
        f".joinpath('{written}').touch()",
        ".home()",
        ".cwd()",
        ".resolve()",
        ".__class__",
        ".__class__.__mro__",
        ".__init__.__globals__",
        ".__reduce_ex__(2)",
        " | attr('__class__')",
        ".__getattribute__('__class__')",
        ".mro()",
        ".format_map",
        ".check",
        ".fromtimestamp(0).__class__",
    ]


def test_no_escape_through_anything_a_template_sees(tmp_path: Path, logo: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MAIL-PASSWORD")
    written = tmp_path / "pwned.txt"
    renderer = Renderer(tmp_path, logo)  # a school's overrides: the sandbox
    paths: dict[str, Any] = {}
    datas = {kind: template_data(kind, renderer, logo) for kind in KINDS}
    for data in datas.values():
        for name, value in data.items():
            for path, item in walk(value, name):
                paths.setdefault(path, item)
    assert len(paths) > 50  # the walk reaches into every part of the context
    data = {k: v for d in datas.values() for k, v in d.items()}
    leaks = []
    for path in paths:
        for suffix in escapes(secret, written):
            source = "{{ " + path + suffix + " }}"
            try:
                out = renderer.env.from_string(source).render(data)
            except (jinja2.TemplateError, TypeError, ValueError, AttributeError, OSError):
                continue
            # A file's contents, the environment, a directory listing, a path or a class.
            if any(sign in out for sign in ("SECRET", "PATH=", "secret.txt", "Path(", "<class")):
                leaks.append(f"{source} -> {out[:80]}")
    assert leaks == []
    assert not written.exists()


def test_the_walk_has_teeth(tmp_path: Path, logo: Path):
    # With the defect put back (a Path among the data), the walk names it and the sandbox
    # really does let a template read a file through it.
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-MAIL-PASSWORD")

    @dataclasses.dataclass(frozen=True)
    class OldSchoolInfo:
        name: str
        logo: Path

    data = {"school": OldSchoolInfo("Stockham", logo)}
    assert all_problems(data) == ["school.logo: pathlib.PosixPath is not plain data"]
    env = Renderer(tmp_path, logo).env
    out = env.from_string("{{ school.logo.joinpath('" + str(secret) + "').read_text() }}").render(
        data
    )
    assert out == "SECRET-MAIL-PASSWORD"


def test_a_school_override_cannot_read_the_logo_path(tmp_path: Path, logo: Path, context):
    # The exact report: an override reading a file through school.logo.
    (tmp_path / "warning.html.j2").write_text("{{ school.logo.joinpath('/etc/passwd').read_text() }}")
    from letters.kinds import LetterTemplateError

    with pytest.raises(LetterTemplateError, match="UndefinedError"):
        Renderer(tmp_path, logo).html("warning", context("warning"))
