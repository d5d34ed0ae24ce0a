"""Helpers for the letter tests: a real Config from parse_config, real cases and people."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from casework import bans as ban_rules
from casework.bans import Ban, BanKind
from casework.cases import Case, CaseStatus, IncidentMark, Meeting, Severity
from casework.config import Config, parse_config
from casework.people import Child, Person, Subject

TODAY = date(2026, 3, 3)
PRESETS = ("meeting-first", "warning-first")
BEHAVIOURS = {
    "meeting-first": ("offensive-language", "disruption"),
    "warning-first": ("temper-shouting", "swearing"),
}
SUMMARY = "In the playground at home time, you shouted at a teaching assistant in front of pupils."
REASONS = "Shouting at staff and offensive language in the playground on 24 February 2026."


def tiny_png(path: Path) -> Path:
    """A real 4x4 PNG written by hand, so the test needs no imaging library."""
    raw = b"".join(b"\x00" + b"\x1f\x3a\x5f" * 4 for _ in range(4))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    path.write_bytes(png)
    return path


def make_config(preset: str, logo: Path | None, template_dir: Path | None = None) -> Config:
    school: dict[str, Any] = {
        "name": "Stockham Primary School",
        "address": ["Stockham Lane", "Wantage", "OX12 9HL"],
        "phone": "01235 766000",
        "email": "office@stockham.example.sch.uk",
        "headteacher": "Mrs Helen Carter",
        "chair_of_governors": "Mr David Okafor",
    }
    if logo is not None:
        school["logo"] = str(logo)
    letters: dict[str, Any] = {"signatory": "Mrs Helen Carter", "signatory_role": "Headteacher"}
    if template_dir is not None:
        letters["template_dir"] = str(template_dir)
    data = {"school": school, "policy": {"preset": preset}, "letters": letters}
    return parse_config(data, Path("/nonexistent/config.toml"))


def make_person(name: str = "Jane Smith") -> Person:
    return Person(
        id="p-jane-smith",
        name=name,
        emails=("jane@example.com",),
        address=("14 Orchard Close", "Wantage", "OX12 8QQ"),
        children=(Child("Amy Smith", "Year 3"), Child("Ben Smith", "Reception")),
    )


def make_ban(kind: str, config: Config, person: Person) -> Ban:
    start = BanKind.INTENT if kind == "ban-intent" else BanKind.PROVISIONAL
    imposed = TODAY if kind in ("ban-provisional", "ban-intent") else TODAY - timedelta(days=11)
    ban = ban_rules.proposed_ban(
        "B1", person.id, person.name, start, imposed, config.periods, REASONS
    )
    if kind in ("ban-confirmed", "ban-review", "ban-lifted"):
        ban = ban_rules.confirm(ban, imposed + timedelta(days=10))
    if kind == "ban-review":
        ban = ban_rules.reviewed(ban, TODAY, TODAY + timedelta(days=28), "continued")
    if kind == "ban-lifted":
        ban = ban_rules.lifted(ban, TODAY)
    return ban


def make_case(
    kind: str,
    config: Config,
    person: Person,
    *,
    incidents: bool = True,
    ban: Ban | None = None,
    step: str | None = None,
) -> Case:
    preset = config.policy.id
    behaviours = BEHAVIOURS[preset]
    meetings: tuple[Meeting, ...] = ()
    if kind == "meeting-invitation":
        meetings = (Meeting("E5", datetime(2026, 3, 10, 15, 30), "The headteacher's office", ()),)
    if kind == "stop-and-warn":
        meetings = (Meeting("E5", datetime(2026, 2, 27, 9, 0), "Office", (), outcome="refused"),)
    if ban is None and kind.startswith("ban-"):
        ban = make_ban(kind, config, person)
    opened = datetime(2026, 2, 24, 16, 0)
    return Case(
        ref="C-2026-0007",
        summary=SUMMARY,
        subjects=(Subject(person.id, person.name),),
        reporter="Mrs K Patel",
        behaviours=behaviours,
        severity=Severity.MEDIUM,
        step=step or config.policy.first_step,
        status=CaseStatus.OPEN,
        opened=opened,
        last_activity=opened,
        incidents=(IncidentMark("E2", date(2026, 2, 24), "staff", behaviours),)
        if incidents
        else (),
        bans=(ban,) if ban else (),
        meetings=meetings,
    )


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader would copy it, with whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())
