"""Sample schools, parents and cases for every letter kind: for the demo, previews and benchmarks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from casework import bans as ban_rules
from casework.bans import Ban, BanKind
from casework.cases import Case, CaseStatus, IncidentMark, Meeting, Severity
from casework.config import Config, parse_config
from casework.letter_context import LetterContext, build_context
from casework.people import Child, Person, Subject

SAMPLE_LOGO = Path(__file__).resolve().parent / "templates" / "sample-crest.svg"
SAMPLE_TODAY = date(2026, 3, 3)

SCHOOLS: Mapping[str, dict[str, Any]] = {
    "meeting-first": {
        "name": "Stockham Primary School",
        "address": ["Stockham Lane", "Wantage", "Oxfordshire", "OX12 9HL"],
        "phone": "01235 766 000",
        "email": "office@stockham.example.sch.uk",
        "website": "www.stockham.example.sch.uk",
        "headteacher": "Mrs Helen Carter",
        "chair_of_governors": "Mr David Okafor",
        "senior_staff": ["Mr Tom Reid"],
    },
    "warning-first": {
        "name": "St. Peter's CE Primary School",
        "address": ["Church Road", "Little Hadham", "Hertfordshire", "SG11 2AB"],
        "phone": "01279 000 111",
        "email": "admin@stpeters.example.sch.uk",
        "headteacher": "Ms Rachel Evans",
        "chair_of_governors": "Revd Canon Peter Hale",
        "senior_staff": ["Mrs Anita Shah"],
    },
}
BEHAVIOURS: Mapping[str, tuple[str, ...]] = {
    "meeting-first": ("offensive-language", "disruption"),
    "warning-first": ("temper-shouting", "swearing"),
}
STEPS: Mapping[str, Mapping[str, str]] = {
    "meeting-first": {"meeting-invitation": "meeting-invitation", "stop-and-warn": "stop-and-warn"},
    "warning-first": {
        "information-request": "gather-information",
        "warning": "warning",
        "meeting-invitation": "meeting-senior",
    },
}
REVIEW_REASON = (
    "Staff reported raised voices at the gate twice since the ban began, so it is still needed."
)
LIFT_REASON = "There have been no further incidents, and you have met the headteacher."
SUMMARY = (
    "At the end of the school day, in the playground by the main gate, you shouted at a "
    "teaching assistant and used offensive language in front of pupils and other parents."
)

BAN_REASONS = (
    "On 24 February 2026 you shouted at a member of staff and used offensive language "
    "in the playground in front of pupils. This followed a letter of 10 February 2026 "
    "asking you to stop similar behaviour."
)


def sample_config(
    preset: str = "meeting-first",
    *,
    logo: Path | None = SAMPLE_LOGO,
    template_dir: Path | None = None,
    base: Path = Path("/nonexistent/config.toml"),
    school: Mapping[str, Any] | None = None,
) -> Config:
    """A school's configuration built with the real config parser, for one of the presets.

    ``school`` replaces the preset's sample school (its ``[school]`` table).
    """
    school = dict(SCHOOLS[preset] if school is None else school)
    if logo is not None:
        school["logo"] = str(logo)
    letters: dict[str, Any] = {"signatory": school["headteacher"], "signatory_role": "Headteacher"}
    if template_dir is not None:
        letters["template_dir"] = str(template_dir)
    data = {"school": school, "policy": {"preset": preset}, "letters": letters}
    return parse_config(data, base)


def sample_person(name: str = "Jane Smith") -> Person:
    """A parent with a postal address and two children."""
    return Person(
        id="p-jane-smith",
        name=name,
        emails=("jane.smith@example.com",),
        address=("14 Orchard Close", "Wantage", "OX12 8QQ"),
        children=(Child("Amy Smith", "Year 3, Oak Class"), Child("Ben Smith", "Reception")),
    )


def sample_ban(kind: str, config: Config, person: Person, today: date) -> Ban:
    """The ban a case would hold when a letter of ``kind`` is written."""
    reasons = BAN_REASONS
    start_kind = BanKind.INTENT if kind == "ban-intent" else BanKind.PROVISIONAL
    days_ago = {"ban-confirmed": config.periods.representations_days + 1}.get(kind, 40)
    imposed = (
        today if kind in ("ban-provisional", "ban-intent") else today - timedelta(days=days_ago)
    )
    ban = ban_rules.proposed_ban(
        "B1", person.id, person.name, start_kind, imposed, config.periods, reasons
    )
    if kind in ("ban-confirmed", "ban-review", "ban-lifted"):
        # The parent wrote back within the time allowed; the head decided after the deadline.
        ban = ban_rules.with_representations(ban, imposed + timedelta(days=5))
        ban = ban_rules.confirm(ban, imposed + timedelta(days=config.periods.representations_days))
    if kind == "ban-review":
        ban = ban_rules.reviewed(
            ban, today, today + timedelta(days=28), "continued", REVIEW_REASON
        )
    if kind == "ban-lifted":
        ban = ban_rules.lifted(ban, today, LIFT_REASON)
    return ban


def sample_case(kind: str, config: Config, person: Person, today: date = SAMPLE_TODAY) -> Case:
    """A case at the point where a letter of ``kind`` is due."""
    preset = config.policy.id
    step = STEPS.get(preset, {}).get(kind, kind)
    opened = datetime.combine(today - timedelta(days=8), datetime.min.time())
    incident_on = today - timedelta(days=7)
    meetings: tuple[Meeting, ...] = ()
    if kind == "meeting-invitation":
        at = datetime.combine(today + timedelta(days=7), datetime.min.time()).replace(
            hour=15, minute=30
        )
        meetings = (Meeting("E5", at, "The headteacher's office", ()),)
    if kind == "stop-and-warn":
        # Four days before: with the sample date, Friday 27 February (a school day).
        at = datetime.combine(today - timedelta(days=4), datetime.min.time()).replace(hour=9)
        meetings = (Meeting("E5", at, "The headteacher's office", (), outcome="refused"),)
    bans = (sample_ban(kind, config, person, today),) if kind.startswith("ban-") else ()
    behaviours = BEHAVIOURS.get(preset, ())
    return Case(
        ref="C-2026-0007",
        summary=SUMMARY,
        subjects=(Subject(person.id, person.name),),
        reporter="Mrs K Patel (teaching assistant)",
        behaviours=behaviours,
        severity=Severity.MEDIUM,
        step=step if step in {s.id for s in config.policy.steps} else config.policy.first_step,
        status=CaseStatus.OPEN,
        opened=opened,
        last_activity=opened,
        incidents=(
            IncidentMark("E2", incident_on, "staff", behaviours, text=SUMMARY, recorded_by="Mrs K Patel"),
        ),
        bans=bans,
        meetings=meetings,
    )


def sample_context(
    kind: str,
    preset: str = "meeting-first",
    *,
    fields: Mapping[str, str] | None = None,
    config: Config | None = None,
    person: Person | None = None,
    today: date = SAMPLE_TODAY,
) -> LetterContext:
    """A complete, realistic context for any letter kind under either preset."""
    config = config or sample_config(preset)
    person = person or sample_person()
    case = sample_case(kind, config, person, today)
    return build_context(config, case, person, kind, dict(fields or {}), today)
