"""Configuration: config.toml read with tomllib into frozen dataclasses, every mistake named."""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework.kinds import LANGUAGES
from casework.ops import Alerts, FrontGate, parse_alerts, parse_front_gate
from casework.periods import Periods as Periods  # re-exported: letters and workflow read it here
from casework.policy import PRESETS, Policy, load_preset, parse_policy
from casework.record import record
from casework.retention import DEFAULT_SCHEDULE, RetentionSchedule, parse_retention
from casework.schooldays import Count, Nation, SchoolCalendar, Term, read_term_dates_ics
from casework.staff import Role
from casework.tomlread import ConfigError, Problem, TableReader

if TYPE_CHECKING:
    # Read only from a config that has [mail] (casework/mailconfig.py).
    from casework.mailconfig import Mail


@record
class School:
    """The school as it appears on letters and in the inbox."""

    name: str
    address: tuple[str, ...]
    phone: str
    email: str
    logo: Path | None
    headteacher: str
    chair_of_governors: str
    senior_staff: tuple[str, ...]
    staff_domains: tuple[str, ...]
    website: str = ""


@record
class StaffSettings:
    """``[staff]``: who sees criminal-offence data, and when and how staff are told things."""

    # UK GDPR article 10: the roles that see criminal-offence data in full.
    restricted_roles: tuple[str, ...] = ("headteacher", "deputy", "dsl")
    # The daily digest to the head and the office, at this local time (HH:MM).
    digest_at: time = time(7, 30)
    # Letters waiting for approval: at most one reminder per this many minutes.
    approval_reminder_minutes: int = 10


@record
class StoreSettings:
    """Where the data lives."""

    data_dir: Path


@record
class LetterSettings:
    """Letter templates and who signs."""

    template_dir: Path | None
    signatory: str
    signatory_role: str
    print_queue: Path
    # A queued letter not sent within this many days is held for the office to confirm.
    hold_after_days: int = 3
    # The language of letters to anyone whose record says none: "en", "cy", or "cy+en"
    # (Welsh and English together, as schools in Wales may choose).
    language: str = "en"


@record
class Config:
    """The whole configuration, passed in explicitly: never a module global."""

    path: Path
    school: School
    policy: Policy
    periods: Periods
    mail: Mail | None
    store: StoreSettings
    letters: LetterSettings
    retention: RetentionSchedule = DEFAULT_SCHEDULE
    calendar: SchoolCalendar = SchoolCalendar()
    alerts: Alerts = Alerts()
    front_gate: FrontGate = FrontGate()
    staff: StaffSettings = StaffSettings()


def find_config(explicit: str | None) -> Path:
    """``--config PATH``, else ``$CONDUCT_CONFIG``, else ``./config.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("CONDUCT_CONFIG")
    return Path(env) if env else Path("config.toml")


def load_config(path: Path) -> Config:
    """Read and check config.toml; raise ConfigError naming every bad or unknown key."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([Problem("config", f"cannot read {path}: {exc.strerror}")]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem("config", f"{path} is not valid TOML: {exc}")]) from None
    return parse_config(data, path)


def parse_config(data: dict[str, Any], path: Path) -> Config:
    """Build a Config from parsed TOML; raise ConfigError listing every mistake."""
    problems: list[Problem] = []
    top = TableReader("", data, problems)
    base = path.parent.resolve()
    school = _school(top.sub("school", required=True), base)
    if top.has("operator"):
        top._used.add("operator")
        problems.append(Problem("operator", OPERATOR_GONE))
    staff = _staff(top.sub("staff"))
    policy = _policy(top.sub("policy", required=True), problems)
    periods = _periods(top.sub("periods"))
    mail = _mail(top.sub("mail"), base) if top.has("mail") else None
    store = _store(top.sub("store"), base)
    letters = _letters(top.sub("letters"), base, school, store)
    retention = parse_retention(top.sub("retention"))
    calendar = _calendar(top.sub("calendar"), base)
    alerts = parse_alerts(top.sub("alerts"))
    front_gate = parse_front_gate(top.sub("front_gate"))
    top.finish()
    if problems or policy is None:
        raise ConfigError(problems)
    return Config(
        path,
        school,
        policy,
        periods,
        mail,
        store,
        letters,
        retention,
        calendar=calendar,
        alerts=alerts,
        front_gate=front_gate,
        staff=staff,
    )


def _school(r: TableReader, base: Path) -> School:
    logo = r.file("logo", base)
    if logo is not None and not logo.is_file():
        r.problems.append(
            Problem(r.key("logo"), f"expected an image file, but {logo} does not exist")
        )
    domains = tuple(d.lower().lstrip("@") for d in r.texts("staff_domains", []))
    school = School(
        name=r.text("name"),
        address=r.texts("address"),
        phone=r.text("phone", ""),
        email=r.text("email", ""),
        logo=logo,
        headteacher=r.text("headteacher"),
        chair_of_governors=r.text("chair_of_governors"),
        senior_staff=r.texts("senior_staff", []),
        staff_domains=domains,
        website=r.text("website", ""),
    )
    r.finish()
    return school


OPERATOR_GONE = (
    "no longer used: each member of staff signs in as their own OS account, with a role "
    "on the staff register; the headteacher adds them with `conduct staff add USER --name "
    "NAME --email ADDRESS --role ROLE` (a single-user install needs nothing: its user is "
    "the headteacher); remove [operator] from config.toml"
)


def _time_of_day(text: str) -> time | None:
    if not re.fullmatch(r"\d\d:\d\d", text):
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def _staff(r: TableReader) -> StaffSettings:
    roles = r.texts("restricted_roles", StaffSettings.restricted_roles)
    for role in roles:
        if role not in tuple(Role):
            r.bad("restricted_roles", f"roles ({', '.join(Role)})", role)
    at = r.text("digest_at", "07:30")
    digest_at = _time_of_day(at)
    if digest_at is None:
        r.bad("digest_at", "a time of day as HH:MM (24-hour)", at)
        digest_at = StaffSettings.digest_at
    minutes = int(r.integer("approval_reminder_minutes", 1, 24 * 60, 10))
    r.finish()
    return StaffSettings(tuple(roles), digest_at, minutes)


def _policy(r: TableReader, problems: list[Problem]) -> Policy | None:
    if r.has("preset") and not (r.has("steps") or r.has("behaviours")):
        name = r.choice("preset", PRESETS)
        r.finish()
        return load_preset(name) if name in PRESETS else None
    if r.has("preset"):
        # A preset named beside a custom ladder: the custom ladder wins, the name documents origin.
        r.choice("preset", PRESETS)
    before = len(problems)
    policy = parse_policy(r)
    r.finish()
    return policy if len(problems) == before else None


def _periods(r: TableReader) -> Periods:
    counts = tuple(c.value for c in Count)

    def count(name: str) -> Count:
        return Count(r.choice(f"{name}_count", counts, Count.CALENDAR.value))

    p = Periods(
        representations_days=r.integer("representations_days", 1, 365, 10),
        ban_length_days=r.integer("ban_length_days", 1, 730, 90),
        ban_review_days=r.integer("ban_review_days", 1, 365, 28),
        meeting_notice_days=r.integer("meeting_notice_days", 0, 90, 5),
        representations_count=count("representations"),
        ban_length_count=count("ban_length"),
        ban_review_count=count("ban_review"),
        meeting_notice_count=count("meeting_notice"),
    )
    r.finish()
    return p


def _hour(r: TableReader, name: str, default: str) -> time:
    text = r.text(name, default)
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        r.problems.append(Problem(r.key(name), f"expected a time like {default}, got {text!r}"))
        return time.fromisoformat(default)


def _calendar(r: TableReader, base: Path) -> SchoolCalendar:
    nation = Nation(r.choice("bank_holidays", tuple(n.value for n in Nation), "england"))
    starts, ends = _hour(r, "day_starts", "08:30"), _hour(r, "day_ends", "16:30")
    if ends <= starts:
        r.problems.append(Problem(r.key("day_ends"), "expected a time after day_starts"))
    terms: list[Term] = []
    for t in r.tables("terms", []):
        start, end = t.day("start"), t.day("end")
        if start and end and end < start:
            t.problems.append(Problem(t.key("end"), "expected a date on or after start"))
        elif start and end:
            terms.append(Term(start, end))
        t.finish()
    closures = list(r.days("inset_days", []))
    ics = r.file("term_dates_ics", base)
    if ics is not None:
        try:
            more_terms, more_closed = read_term_dates_ics(ics)
        except (OSError, ValueError) as exc:
            r.problems.append(
                Problem(r.key("term_dates_ics"), f"cannot read {ics} as an .ics calendar: {exc}")
            )
        else:
            terms += more_terms
            closures += more_closed
    r.finish()
    return SchoolCalendar(
        nation=nation,
        terms=tuple(sorted(terms, key=lambda t: t.start)),
        closures=tuple(sorted(set(closures))),
        day_starts=starts,
        day_ends=ends,
    )


def _mail(r: TableReader, base: Path) -> Mail:
    from casework.mailconfig import parse_mail

    return parse_mail(r, base)


def _store(r: TableReader, base: Path) -> StoreSettings:
    data_dir = r.file("data_dir", base, "data") or base / "data"
    r.finish()
    return StoreSettings(data_dir=data_dir)


def _letters(r: TableReader, base: Path, school: School, store: StoreSettings) -> LetterSettings:
    settings = LetterSettings(
        template_dir=r.file("template_dir", base),
        signatory=r.text("signatory", None) or school.headteacher,
        signatory_role=r.text("signatory_role", "Headteacher"),
        print_queue=r.file("print_queue", base) or store.data_dir / "print-queue",
        hold_after_days=r.integer("hold_after_days", 1, 90, 3),
        language=r.choice("language", LANGUAGES, "en"),
    )
    if settings.template_dir is not None and not settings.template_dir.is_dir():
        r.problems.append(
            Problem(
                r.key("template_dir"),
                f"expected a directory, but {settings.template_dir} is not one",
            )
        )
    r.finish()
    return settings
