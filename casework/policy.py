"""The school's policy as data: behaviours that breach the code, and the ladder of steps."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from casework.tomlread import ConfigError, Problem, TableReader

PRESET_DIR = Path(__file__).resolve().parent / "presets"


class Route(StrEnum):
    """Which way a behaviour points: the ordinary ladder, the police, or legal advice."""

    ORDINARY = "ordinary"
    CRIMINAL = "criminal"
    DEFAMATION = "defamation"


class BanAction(StrEnum):
    """What a ban step does to the case's ban."""

    PROVISIONAL = "provisional"
    INTENT = "intent"
    CONFIRM = "confirm"
    REVIEW = "review"
    LIFT = "lift"


@dataclass(frozen=True)
class Behaviour:
    """One behaviour the code of conduct does not tolerate."""

    id: str
    label: str
    route: Route = Route.ORDINARY
    online: bool = False


@dataclass(frozen=True)
class Step:
    """One rung of the ladder: what the school does, and what may come after it."""

    id: str
    label: str
    letter: str | None = None
    letter_options: tuple[tuple[str, str], ...] = ()
    approval: bool = False
    next: tuple[str, ...] = ()
    # (event type, step id): when that event is the latest during this step, suggest the step.
    when: tuple[tuple[str, str], ...] = ()
    referral: str | None = None
    ban: BanAction | None = None
    closes: bool = False


@dataclass(frozen=True)
class Policy:
    """A school's code-of-conduct policy: behaviours, online activities and the ladder."""

    id: str
    name: str
    behaviours: tuple[Behaviour, ...]
    online_activities: tuple[Behaviour, ...]
    steps: tuple[Step, ...]
    first_step: str
    route_steps: tuple[tuple[str, str], ...] = ()
    immediate_ban: bool = True
    final_decision: str = "headteacher"
    police: str = "the police"
    legal: str = "the school's legal advisors"

    def step(self, step_id: str) -> Step:
        """The step with this id; KeyError names it when there is none."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(f"no step {step_id!r} in policy {self.id!r}")

    def label(self, step_id: str) -> str:
        """A step's label; its id when the policy has no such step (a case from an older ladder)."""
        for s in self.steps:
            if s.id == step_id:
                return s.label
        return step_id

    def behaviour(self, behaviour_id: str) -> Behaviour:
        """The behaviour or online activity with this id."""
        for b in self.behaviours + self.online_activities:
            if b.id == behaviour_id:
                return b
        raise KeyError(f"no behaviour {behaviour_id!r} in policy {self.id!r}")

    @property
    def all_behaviours(self) -> tuple[Behaviour, ...]:
        """Behaviours and online activities together."""
        return self.behaviours + self.online_activities

    def route_step(self, route: Route) -> str | None:
        """The step a behaviour of this route leads to first (police, legal), if any."""
        return dict(self.route_steps).get(route.value)


PRESETS = ("meeting-first", "warning-first")


def load_preset(name: str) -> Policy:
    """Load one of the built-in policies made from the seed documents."""
    if name not in PRESETS:
        raise ConfigError(
            [Problem("policy.preset", f"expected one of {', '.join(PRESETS)}, got {name!r}")]
        )
    return read_policy(tomllib.loads(preset_text(name)), path="policy")


def preset_text(name: str) -> str:
    """The TOML source of a preset, for a school that wants to edit its own copy."""
    # Beside this file, read directly: importlib.resources costs more start-up than the read.
    return (PRESET_DIR / f"{name}.toml").read_text("utf-8")


def read_policy(table: dict[str, Any], path: str = "policy") -> Policy:
    """Read and check a policy table; raise ConfigError listing every mistake."""
    problems: list[Problem] = []
    r = TableReader(path, table, problems)
    policy = parse_policy(r)
    r.finish()
    if problems:
        raise ConfigError(problems)
    return policy


def parse_policy(r: TableReader) -> Policy:
    """Read a policy from a table reader; problems are collected in the reader."""
    behaviours = tuple(_behaviour(b) for b in r.tables("behaviours"))
    online = tuple(_behaviour(b, online=True) for b in r.tables("online_activities", []))
    steps = tuple(_step(s) for s in r.tables("steps"))
    routes = r.sub("routes")
    route_steps = tuple(
        (route.value, routes.text(route.value)) for route in Route if routes.has(route.value)
    )
    routes.finish()
    policy = Policy(
        id=r.text("id"),
        name=r.text("name"),
        behaviours=behaviours,
        online_activities=online,
        steps=steps,
        first_step=r.text("first_step"),
        route_steps=route_steps,
        immediate_ban=r.flag("immediate_ban", True),
        final_decision=r.text("final_decision", "headteacher"),
        police=r.text("police", "the police"),
        legal=r.text("legal", "the school's legal advisors"),
    )
    _check_references(policy, r)
    return policy


def _behaviour(r: TableReader, online: bool = False) -> Behaviour:
    b = Behaviour(
        id=r.text("id"),
        label=r.text("label"),
        route=Route(r.choice("route", tuple(x.value for x in Route), "ordinary")),
        online=online,
    )
    r.finish()
    return b


def _step(r: TableReader) -> Step:
    opts = r.sub("letter_options")
    letter_options = tuple((k, opts.text(k)) for k in opts.table)
    when = r.sub("when")
    when_pairs = tuple((k, when.text(k)) for k in when.table)
    s = Step(
        id=r.text("id"),
        label=r.text("label"),
        letter=r.text("letter", None),
        letter_options=letter_options,
        approval=r.flag("approval", False),
        next=r.texts("next", ()),
        when=when_pairs,
        referral=r.choice("referral", ("police", "legal"), None) if r.has("referral") else None,
        ban=_ban_action(r),
        closes=r.flag("closes", False),
    )
    r.finish()
    return s


BAN_STEP_ACTIONS = tuple(a.value for a in BanAction)


def _ban_action(r: TableReader) -> BanAction | None:
    if not r.has("ban"):
        return None
    value = r.choice("ban", BAN_STEP_ACTIONS, None)
    return BanAction(value) if value else None


def _check_references(policy: Policy, r: TableReader) -> None:
    ids = [s.id for s in policy.steps]
    for dup in {i for i in ids if ids.count(i) > 1}:
        r.problems.append(Problem(r.key("steps"), f"step id {dup!r} is used twice"))
    bids = [b.id for b in policy.all_behaviours]
    for dup in {i for i in bids if bids.count(i) > 1}:
        r.problems.append(Problem(r.key("behaviours"), f"behaviour id {dup!r} is used twice"))
    known = set(ids)
    if policy.steps and policy.first_step not in known:
        r.problems.append(
            Problem(r.key("first_step"), f"expected one of the step ids, got {policy.first_step!r}")
        )
    for i, s in enumerate(policy.steps):
        for n in s.next:
            if n not in known:
                r.problems.append(
                    Problem(f"{r.key('steps')}[{i}].next", f"names unknown step {n!r}")
                )
        for event, target in s.when:
            if target not in known:
                r.problems.append(
                    Problem(f"{r.key('steps')}[{i}].when.{event}", f"names unknown step {target!r}")
                )
    for route, target in policy.route_steps:
        if target not in known:
            r.problems.append(
                Problem(f"{r.key('routes')}.{route}", f"names unknown step {target!r}")
            )
