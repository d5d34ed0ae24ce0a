"""People the office deals with: parents and carers, their children, and staff."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import fields
from datetime import date
from enum import StrEnum

from casework.record import record


class Channel(StrEnum):
    """How a parent prefers letters: email, or post."""

    EMAIL = "email"
    POST = "post"


class FormatNeed(StrEnum):
    """A way a person needs letters made (Equality Act 2010: a reasonable adjustment)."""

    LARGE_PRINT = "large-print"


@record
class Child:
    """A pupil connected to an adult: their class, and whether that adult has parental responsibility."""

    name: str
    class_name: str = ""
    # Children Act 1989: the adult holds parental responsibility for this child (a carer or
    # a grandparent who collects may not).
    parental_responsibility: bool = True
    mis_id: str = ""  # the pupil's id in the school's MIS, when imported

    @property
    def key(self) -> str:
        """What identifies the same child on two adults' records: the MIS id, else the name."""
        return f"mis:{self.mis_id}" if self.mis_id else "name:" + " ".join(self.name.lower().split())


@record
class Person:
    """A parent, carer or visitor a case can be about."""

    id: str
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    address: tuple[str, ...] = ()
    channel: Channel = Channel.EMAIL
    children: tuple[Child, ...] = ()
    # Seed 000, appendix: the date the parent signed the code of conduct agreement.
    signed_code_on: date | None = None
    placeholder: bool = False
    # The language letters are written in ("en", "cy", or "cy+en" for both); empty: the
    # school's own.
    language: str = ""
    format_needs: tuple[FormatNeed, ...] = ()
    mis_id: str = ""  # the contact's id in the school's MIS: imports update by it
    relationship: str = ""  # to the children, as the MIS or the office words it ("Mother")

    @property
    def email(self) -> str | None:
        """The first address, where letters go."""
        return self.emails[0] if self.emails else None

    @property
    def phone(self) -> str:
        """The first telephone number, or empty."""
        return self.phones[0] if self.phones else ""

    @property
    def large_print(self) -> bool:
        """Letters to this person are printed large (16pt and up)."""
        return FormatNeed.LARGE_PRINT in self.format_needs

    @property
    def by_post(self) -> bool:
        """Letters go on paper: the person prefers post, or has no email address."""
        return self.channel is Channel.POST or not self.emails


@record
class Subject:
    """Who a case is about, with the name copied in so lists need no join."""

    person_id: str
    name: str


TO_BE_IDENTIFIED = "To be identified"


@record
class FieldChange:
    """One detail of a person that changed: its name, and the value before and after, as text."""

    field: str
    before: str
    after: str


def _as_text(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(_as_text(v) for v in value)
    if isinstance(value, Child):
        pr = "" if value.parental_responsibility else ", no parental responsibility"
        cls = f" ({value.class_name})" if value.class_name else ""
        return f"{value.name}{cls}{pr}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def changes(before: Person, after: Person) -> tuple[FieldChange, ...]:
    """What differs between two versions of a person's record, field by field."""
    out = []
    for f in fields(Person):
        if f.name == "id":
            continue
        old, new = getattr(before, f.name), getattr(after, f.name)
        if old != new:
            out.append(FieldChange(f.name, _as_text(old), _as_text(new)))
    return tuple(out)


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


def others_with_responsibility(
    person: Person, everyone: Iterable[Person]
) -> list[tuple[Child, Person]]:
    """The other adults with parental responsibility for this person's children, child by child."""
    mine = {c.key: c for c in person.children}
    found = []
    for other in everyone:
        if other.id == person.id or other.placeholder:
            continue
        for child in other.children:
            if child.key in mine and child.parental_responsibility:
                found.append((mine[child.key], other))
    return found


def matches(person: Person, words: Iterable[str]) -> bool:
    """Every (lower-case) word appears in the name, an email, a phone, a child or the MIS id."""
    hay = " ".join(
        (
            person.name,
            *person.emails,
            *person.phones,
            *(c.name for c in person.children),
            person.mis_id,
            person.id,
        )
    ).lower()
    digits = re.sub(r"\D", "", hay)
    for word in words:
        bare = re.sub(r"\D", "", word)
        # A phone number typed with or without spaces still matches.
        if word not in hay and not (bare and len(bare) >= 4 and bare in digits):
            return False
    return True


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
