"""A person's details from text (a form, ``conduct person add|edit``, an MIS import), every mistake named.

The dashboard's person form and the command line answer in strings; this is the one place
they become a Person, so both accept and refuse the same things.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from casework.fields import FieldError, parse_date
from casework.kinds import LANGUAGES
from casework.people import Channel, Child, FormatNeed, Person

# What a person's record takes, in the order forms and help list it.
PERSON_FIELDS = (
    "name",
    "emails",
    "phones",
    "address",
    "channel",
    "language",
    "large_print",
    "children",
    "relationship",
    "signed_code_on",
    "mis_id",
)

# A plausible email address: something@domain.tld, no spaces. Delivery is the real test.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_YES = ("yes", "y", "true", "t", "1")
_NO = ("no", "n", "false", "f", "0", "")


def yes_no(key: str, value: str) -> bool:
    """``yes``/``no`` (and the usual spellings an MIS export uses: T/F, Y/N, 1/0)."""
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise FieldError(f"{key}: expected yes or no, got {value!r}")


def parse_emails(value: str) -> tuple[str, ...]:
    """Addresses separated by commas, semicolons or spaces; each must look like an address."""
    found = tuple(a for a in re.split(r"[,;\s]+", value.strip()) if a)
    for address in found:
        if not _EMAIL.match(address):
            raise FieldError(f"emails: {address!r} is not an email address")
    return tuple(dict.fromkeys(found))


def parse_phones(value: str) -> tuple[str, ...]:
    """Numbers separated by commas or semicolons (a number may hold spaces)."""
    found = tuple(p.strip() for p in re.split(r"[,;\n]", value) if p.strip())
    for number in found:
        if not re.fullmatch(r"\+?[0-9 ()\-]{6,20}", number):
            raise FieldError(f"phones: {number!r} is not a telephone number")
    return tuple(dict.fromkeys(found))


def parse_address(value: str) -> tuple[str, ...]:
    """Lines of a postal address: one per line, or separated by commas on one line."""
    sep = "\n" if "\n" in value else ","
    return tuple(line.strip() for line in value.split(sep) if line.strip())


def parse_child(value: str) -> Child:
    """``Name; Class; yes|no`` (parental responsibility, default yes); class may be left out."""
    parts = [p.strip() for p in value.split(";")]
    if not parts[0]:
        raise FieldError(f"children: expected 'Name; Class; yes|no', got {value!r}")
    if len(parts) > 4:
        raise FieldError(f"children: too many parts in {value!r} (Name; Class; yes|no)")
    pr = (
        yes_no("children (parental responsibility)", parts[2])
        if len(parts) > 2 and parts[2]
        else True
    )
    return Child(
        name=parts[0],
        class_name=parts[1] if len(parts) > 1 else "",
        parental_responsibility=pr,
        mis_id=parts[3] if len(parts) > 3 else "",
    )


def parse_children(value: str) -> tuple[Child, ...]:
    """One child per line, each ``Name; Class; yes|no``."""
    return tuple(parse_child(line) for line in value.splitlines() if line.strip())


def children_text(children: tuple[Child, ...]) -> str:
    """Children as the form shows them, one per line (what parse_children reads back)."""
    lines = []
    for c in children:
        parts = [c.name, c.class_name, "yes" if c.parental_responsibility else "no"]
        if c.mis_id:
            parts.append(c.mis_id)
        lines.append("; ".join(parts))
    return "\n".join(lines)


def person_text_fields(person: Person) -> dict[str, str]:
    """A person's record as the text a form prefills (what person_from_fields reads back)."""
    return {
        "name": person.name,
        "emails": ", ".join(person.emails),
        "phones": ", ".join(person.phones),
        "address": "\n".join(person.address),
        "channel": person.channel.value,
        "language": person.language,
        "large_print": "yes" if person.large_print else "no",
        "children": children_text(person.children),
        "relationship": person.relationship,
        "signed_code_on": person.signed_code_on.isoformat() if person.signed_code_on else "",
        "mis_id": person.mis_id,
    }


def person_from_fields(base: Person, given: Mapping[str, str]) -> Person:
    """``base`` with the given text fields applied; unknown keys and bad values are refused."""
    unknown = sorted(set(given) - set(PERSON_FIELDS))
    if unknown:
        raise FieldError(
            f"person: unknown field(s) {', '.join(unknown)}; the fields are: "
            f"{', '.join(PERSON_FIELDS)}"
        )
    changes: dict[str, Any] = {}
    for key, raw in given.items():
        value = raw.strip()
        if key == "name":
            if not value:
                raise FieldError("name: a person needs a name")
            changes["name"] = value
        elif key == "emails":
            changes["emails"] = parse_emails(value)
        elif key == "phones":
            changes["phones"] = parse_phones(value)
        elif key == "address":
            changes["address"] = parse_address(raw)
        elif key == "channel":
            try:
                changes["channel"] = Channel(value or "email")
            except ValueError:
                raise FieldError(f"channel: expected email or post, got {value!r}") from None
        elif key == "language":
            if value and value not in LANGUAGES:
                raise FieldError(
                    f"language: expected one of {', '.join(LANGUAGES)} (or empty), got {value!r}"
                )
            changes["language"] = value
        elif key == "large_print":
            needs = [n for n in base.format_needs if n is not FormatNeed.LARGE_PRINT]
            if yes_no("large_print", value):
                needs.append(FormatNeed.LARGE_PRINT)
            changes["format_needs"] = tuple(needs)
        elif key == "children":
            changes["children"] = parse_children(raw)
        elif key == "signed_code_on":
            changes["signed_code_on"] = parse_date("signed_code_on", value) if value else None
        elif key in ("relationship", "mis_id"):
            changes[key] = value
    person = replace(base, **changes)
    if person.name.strip() and changes.get("name") and base.placeholder:
        person = replace(person, placeholder=False)
    return person
