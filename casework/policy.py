"""The school's policy as data: behaviours that breach the code, and the ladder of steps."""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any

from casework.policy_check import check_policy
from casework.policy_terms import (
    DEFAULT_TERMS,
    Complaints,
    CustomKind,
    Terms,
    Wording,
    defaults_table,
    read_complaints,
    read_kind,
    read_notify,
    read_roles,
    read_terms,
    read_wording,
)
from casework.record import record
from casework.tomlread import ConfigError, Problem, TableReader

PRESET_DIR = Path(__file__).resolve().parent / "presets"


class Route(StrEnum):
    """Which way a behaviour points: the ordinary ladder, the police, or legal advice."""

    ORDINARY = "ordinary"
    CRIMINAL = "criminal"
    DEFAMATION = "defamation"


# A [routes] key is a behaviour's route, or the harassment flag (casework.rules.HARASSMENT):
# seed 000 sends "anything that could be seen as a sign of harassment" to the police.
HARASSMENT_ROUTE = "harassment"
ROUTE_KEYS = (*(r.value for r in Route), HARASSMENT_ROUTE)


class BanAction(StrEnum):
    """What a ban step does to the case's ban."""

    PROVISIONAL = "provisional"
    INTENT = "intent"
    CONFIRM = "confirm"
    REVIEW = "review"
    LIFT = "lift"


@record
class Behaviour:
    """One behaviour the code of conduct does not tolerate."""

    id: str
    label: str
    route: Route = Route.ORDINARY
    online: bool = False


@record
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
    # Roles inside the school (or addresses) told by a short internal notice when the step
    # is taken; a step may notify, write to the parent, both, or neither.
    notify: tuple[str, ...] = ()
    terms: Terms = Terms()
    # Who may take the step and approve its letter (roles); empty: the built-in rule in
    # casework.authority (ban decisions and approvals are the headteacher's or deputy's).
    taken_by: tuple[str, ...] = ()
    approved_by: tuple[str, ...] = ()


@record
class Policy:
    """A school's code-of-conduct policy: behaviours, online activities and the ladder."""

    id: str
    name: str
    behaviours: tuple[Behaviour, ...]
    online_activities: tuple[Behaviour, ...]
    steps: tuple[Step, ...]
    first_step: str
    route_steps: tuple[tuple[str, str], ...] = ()
    final_decision: str = "headteacher"
    police: str = "the police"
    legal: str = "the school's legal advisors"
    defaults: Terms = Terms()
    wording: tuple[tuple[str, Wording], ...] = ()
    complaints: Complaints = Complaints()
    letter_kinds: tuple[CustomKind, ...] = ()

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

    def terms_for(self, step_id: str | None) -> Terms:
        """Who signs, decides and hears representations at a step: the step, else the policy."""
        base = self.defaults.over(DEFAULT_TERMS)
        if step_id is None:
            return base
        try:
            return self.step(step_id).terms.over(base)
        except KeyError:
            return base

    def words(self, language: str) -> Wording:
        """The policy's words for a ban and its outcomes in one language (unset: built-in)."""
        return dict(self.wording).get(language, Wording())

    def letter_kind(self, kind_id: str) -> CustomKind | None:
        """The school's own letter kind with this id, if it has one."""
        return next((k for k in self.letter_kinds if k.id == kind_id), None)

    def letter_step(self, current: str, kind: str) -> Step | None:
        """The step a letter of ``kind`` belongs to: the current one if it writes it, else the first."""
        try:
            step = self.step(current)
            if step.letter == kind:
                return step
        except KeyError:
            pass
        return next((s for s in self.steps if s.letter == kind), None)


PRESETS = ("meeting-first", "warning-first")


def load_preset(name: str) -> Policy:
    """Load one of the built-in policies made from the seed documents."""
    if name not in PRESETS:
        raise ConfigError(
            [Problem("policy.preset", f"expected one of {', '.join(PRESETS)}, got {name!r}")]
        )
    data = tomllib.loads(preset_text(name))
    return read_policy(data["policy"], path="policy")


def preset_text(name: str) -> str:
    """The TOML source of a preset: a ``[policy]`` section that can be pasted into config.toml."""
    # Beside this file, read directly: importlib.resources costs more start-up than the read.
    return (PRESET_DIR / f"{name}.toml").read_text("utf-8")


def new_policy_text(preset: str, policy_id: str, name: str | None = None) -> str:
    """A preset's TOML as the start of a school's own policy: its id and name, checked valid.

    The text is a ``[policy]`` section that can replace the one in config.toml as it is.
    """
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", policy_id):
        raise ConfigError(
            [Problem("id", f"expected lower-case letters, digits and hyphens, got {policy_id!r}")]
        )
    source = preset_text(preset)
    preset_name = read_policy(tomllib.loads(source)["policy"]).name
    title = name or f"{preset_name}, adapted"
    text = re.sub(r'^id = ".*"$', f"id = {_toml_string(policy_id)}", source, count=1, flags=re.M)
    text = re.sub(r'^name = ".*"$', f"name = {_toml_string(title)}", text, count=1, flags=re.M)
    header = (
        f"# Policy {policy_id!r}, started from the {preset} preset by `conduct policy new`.\n"
        "# Replace the [policy] section of config.toml with everything below, edit it, then run\n"
        "# `conduct check`. id, name and first_step are required; so are the behaviours and the\n"
        "# steps. Comments in the file say what each key does.\n"
    )
    text = header + text
    read_policy(tomllib.loads(text)["policy"])  # what we hand over is valid, or we say why
    return text


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


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
        (key, routes.text(key)) for key in ROUTE_KEYS if routes.has(key)
    )
    routes.finish()
    if r.has("immediate_ban"):
        # Removed: it was read and never used. The ladder says it: a ban step listed in the
        # first step's ``next`` may come without going through the others (seed 000, note 1).
        r._used.add("immediate_ban")
        r.problems.append(
            Problem(
                r.key("immediate_ban"),
                "no longer used: a ban that may come first is a ban step listed in the "
                "earlier steps' next; remove this line",
            )
        )
    policy = Policy(
        id=r.text("id"),
        name=r.text("name"),
        behaviours=behaviours,
        online_activities=online,
        steps=steps,
        first_step=r.text("first_step"),
        route_steps=route_steps,
        final_decision=r.text("final_decision", "headteacher"),
        police=r.text("police", "the police"),
        legal=r.text("legal", "the school's legal advisors"),
        defaults=defaults_table(r.sub("defaults")),
        wording=read_wording(r.sub("wording")),
        complaints=read_complaints(r.sub("complaints")),
        letter_kinds=tuple(read_kind(k) for k in r.tables("letter_kinds", [])),
    )
    check_policy(policy, r)
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
        notify=read_notify(r),
        terms=read_terms(r),
        taken_by=read_roles(r, "taken_by"),
        approved_by=read_roles(r, "approved_by"),
    )
    r.finish()
    return s


BAN_STEP_ACTIONS = tuple(a.value for a in BanAction)


def _ban_action(r: TableReader) -> BanAction | None:
    if not r.has("ban"):
        return None
    value = r.choice("ban", BAN_STEP_ACTIONS, None)
    return BanAction(value) if value else None
