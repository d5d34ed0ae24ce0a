"""Every reference inside a policy checked when config.toml is read, each mistake named.

Steps, routes and ``when`` rules must name steps that exist and events that exist; a step's
letter must be a built-in kind or one the school added; a built-in letter's options must be
fields that letter reads. What only a template can tell (the fields a school's own letter
reads) is checked by ``letters.check`` for ``conduct check``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from casework.event_types import EventType
from casework.kinds import BUILTIN_KINDS, KNOWN_FIELDS, MEETING_WITH
from casework.tomlread import Problem, TableReader

if TYPE_CHECKING:
    from casework.policy import Policy

EVENTS = tuple(e.value for e in EventType)


def check_policy(policy: Policy, r: TableReader) -> None:
    """Append a Problem to ``r.problems`` for every broken reference in ``policy``."""
    add = r.problems.append
    steps_key = r.key("steps")
    ids = [s.id for s in policy.steps]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        add(Problem(steps_key, f"step id {dup!r} is used twice"))
    bids = [b.id for b in policy.all_behaviours]
    for dup in sorted({i for i in bids if bids.count(i) > 1}):
        add(Problem(r.key("behaviours"), f"behaviour id {dup!r} is used twice"))
    known = set(ids)
    if policy.steps and policy.first_step not in known:
        add(Problem(r.key("first_step"), f"expected one of the step ids, got {policy.first_step!r}"))
    kinds = _check_kinds(policy, r)
    for i, s in enumerate(policy.steps):
        where = f"{steps_key}[{i}]"
        for n in s.next:
            if n not in known:
                add(Problem(f"{where}.next", f"names unknown step {n!r}"))
        for event, target in s.when:
            if event not in EVENTS:
                add(Problem(f"{where}.when.{event}", f"is not an event; expected one of {_near(event)}"))
            if target not in known:
                add(Problem(f"{where}.when.{event}", f"names unknown step {target!r}"))
        if s.letter is not None and s.letter not in kinds:
            add(
                Problem(
                    f"{where}.letter",
                    f"unknown letter kind {s.letter!r}; expected one of {', '.join(kinds)}",
                )
            )
        _check_options(s.letter, s.letter_options, f"{where}.letter_options", r)
    for route, target in policy.route_steps:
        if target not in known:
            add(Problem(f"{r.key('routes')}.{route}", f"names unknown step {target!r}"))


def _check_kinds(policy: Policy, r: TableReader) -> tuple[str, ...]:
    own = [k.id for k in policy.letter_kinds]
    for i, kind_id in enumerate(own):
        where = f"{r.key('letter_kinds')}[{i}].id"
        if kind_id in BUILTIN_KINDS:
            r.problems.append(
                Problem(where, f"{kind_id!r} is a built-in letter kind; choose another id")
            )
        elif own.count(kind_id) > 1 and own.index(kind_id) < i:
            r.problems.append(Problem(where, f"letter kind {kind_id!r} is defined twice"))
    return (*BUILTIN_KINDS, *dict.fromkeys(own))


def _check_options(
    letter: str | None, options: tuple[tuple[str, str], ...], where: str, r: TableReader
) -> None:
    if options and letter is None:
        r.problems.append(Problem(where, "a step without a letter has no letter options"))
        return
    if letter not in BUILTIN_KINDS:
        return  # a school's own kind: its template says what it reads (letters.check)
    for key, value in options:
        if key not in KNOWN_FIELDS:
            r.problems.append(
                Problem(
                    f"{where}.{key}",
                    f"unused: the {letter} letter reads no field {key!r}; "
                    f"letters read {', '.join(KNOWN_FIELDS)}",
                )
            )
        elif key == "meeting_with" and value not in MEETING_WITH:
            r.problems.append(
                Problem(f"{where}.{key}", f"expected one of {', '.join(MEETING_WITH)}, got {value!r}")
            )


def _near(word: str) -> str:
    """The event names closest to a misspelt one first, then the rest."""
    import difflib

    close = difflib.get_close_matches(word, EVENTS, n=3)
    return ", ".join(close) if close else ", ".join(EVENTS)
