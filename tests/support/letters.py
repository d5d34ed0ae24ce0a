"""Helpers for the letter tests: the sample schools, parents and cases of letters.samples."""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from casework.bans import Ban
from casework.cases import Case
from casework.config import Config
from casework.people import Child, Person
from letters.samples import (
    BAN_REASONS,
    SAMPLE_TODAY,
    SUMMARY,
    sample_case,
    sample_config,
)

TODAY = SAMPLE_TODAY
PRESETS = ("meeting-first", "warning-first")
REASONS = BAN_REASONS
__all__ = ["PRESETS", "REASONS", "SUMMARY", "TODAY"]  # re-exported for the tests


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


# One school for both presets: the letter tests check its facts whatever the ladder.
SCHOOL: dict[str, Any] = {
    "name": "Stockham Primary School",
    "address": ["Stockham Lane", "Wantage", "OX12 9HL"],
    "phone": "01235 766000",
    "email": "office@stockham.example.sch.uk",
    "headteacher": "Mrs Helen Carter",
    "chair_of_governors": "Mr David Okafor",
}


def make_config(preset: str, logo: Path | None, template_dir: Path | None = None) -> Config:
    """A real Config (the real parser) for the test school on ``preset``."""
    return sample_config(preset, logo=logo, template_dir=template_dir, school=SCHOOL)


def make_person(name: str = "Jane Smith") -> Person:
    """A parent with a postal address and two children."""
    return Person(
        id="p-jane-smith",
        name=name,
        emails=("jane@example.com",),
        address=("14 Orchard Close", "Wantage", "OX12 8QQ"),
        children=(Child("Amy Smith", "Year 3"), Child("Ben Smith", "Reception")),
    )


def make_case(
    kind: str,
    config: Config,
    person: Person,
    *,
    incidents: bool = True,
    ban: Ban | None = None,
    step: str | None = None,
) -> Case:
    """The sample case for a letter of ``kind``, without incidents or with another ban or step."""
    case = sample_case(kind, config, person, TODAY)
    changes: dict[str, Any] = {}
    if not incidents:
        changes["incidents"] = ()
    if ban is not None:
        changes["bans"] = (ban,)
    if step is not None:
        changes["step"] = step
    return replace(case, **changes)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader would copy it, with whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def flat(text: str) -> str:
    return " ".join(text.split())
