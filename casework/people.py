"""People the office deals with: parents and carers, their children, and staff."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Channel(StrEnum):
    """How a parent prefers letters: email, or post."""

    EMAIL = "email"
    POST = "post"


class FormatNeed(StrEnum):
    """A way a person needs letters made (Equality Act 2010: a reasonable adjustment)."""

    LARGE_PRINT = "large-print"


@dataclass(frozen=True)
class Child:
    """A pupil connected to a parent."""

    name: str
    class_name: str = ""


@dataclass(frozen=True)
class Person:
    """A parent, carer or visitor a case can be about."""

    id: str
    name: str
    emails: tuple[str, ...] = ()
    phone: str = ""
    address: tuple[str, ...] = ()
    channel: Channel = Channel.EMAIL
    children: tuple[Child, ...] = ()
    # Seed 000, appendix: the date the parent signed the code of conduct agreement.
    signed_code_on: date | None = None
    placeholder: bool = False
    # The language letters are written in ("en", "cy", or "cy+en" for both); empty: the
    # school's own ([letters] language).
    language: str = ""
    format_needs: tuple[FormatNeed, ...] = ()

    @property
    def email(self) -> str | None:
        """The first address, where letters go."""
        return self.emails[0] if self.emails else None

    @property
    def large_print(self) -> bool:
        """Letters to this person are printed large (16pt and up)."""
        return FormatNeed.LARGE_PRINT in self.format_needs


@dataclass(frozen=True)
class Subject:
    """Who a case is about, with the name copied in so lists need no join."""

    person_id: str
    name: str


TO_BE_IDENTIFIED = "To be identified"


def person_id_for(name: str, taken: set[str]) -> str:
    """A readable id made from a name, unique among ``taken``: ``p-jane-smith-2``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "person"
    candidate, n = f"p-{slug}", 1
    while candidate in taken:
        n += 1
        candidate = f"p-{slug}-{n}"
    return candidate


def normalise_email(address: str) -> str:
    """Compare addresses without case or surrounding space."""
    return address.strip().lower()


class PersonError(ValueError):
    """A name or email address that cannot be used: names the field and what was expected."""


# One address, as a person types it: no display name, no spaces, a dot in the domain.
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\.]+(\.[^\s@<>()\[\],;:\"\\.]+)+$")


def checked_name(name: str, field: str = "name") -> str:
    """A person's name as typed, trimmed; PersonError if nothing is left."""
    text = name.strip()
    if not text:
        raise PersonError(f"{field}: expected the person's name, got an empty one")
    return text


def checked_email(address: str, field: str = "email") -> str:
    """One email address as typed, trimmed; PersonError unless it looks like name@example.org."""
    text = address.strip()
    if len(text) > 254 or not _EMAIL.match(text):
        raise PersonError(
            f"{field}: expected one email address like name@example.org, got {address!r}"
        )
    return text
