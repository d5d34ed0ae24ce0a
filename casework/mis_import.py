"""Contacts exported from the school's MIS (Arbor, SIMS, Bromcom, or any CSV with a mapping).

An export has one row per link between an adult and a pupil: an adult with three children
is three rows. Rows are grouped by the adult's MIS id into one contact with their children.
Pure: rows (dicts of column -> text) in, contacts out; reading the file is the caller's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import field, replace

from casework.fields import FieldError
from casework.people import Child, Person, normalise_email
from casework.person_fields import parse_address, parse_emails, parse_phones, yes_no
from casework.record import record

# Our fields: one column each, or several (emails, phones, address lines) used in order.
SINGLE = (
    "contact_id",
    "title",
    "forename",
    "surname",
    "name",
    "relationship",
    "parental_responsibility",
    "child_id",
    "child_forename",
    "child_surname",
    "child_name",
    "child_class",
)
MULTI = ("emails", "phones", "address")
FIELDS = SINGLE + MULTI

Columns = Mapping[str, tuple[str, ...]]

# The names each system gives these fields in its contact exports and report builders.
# A report a school built itself may name them otherwise: then use a mapping (--mapping).
SYSTEMS: Mapping[str, Columns] = {
    "arbor": {
        "contact_id": ("Guardian ID",),
        "title": ("Guardian Title", "Title"),
        "forename": ("Guardian First Name", "Guardian Forename"),
        "surname": ("Guardian Last Name", "Guardian Surname"),
        "name": ("Guardian Name", "Guardian"),
        "emails": ("Guardian Email", "Guardian Email Address", "Guardian Work Email"),
        "phones": (
            "Guardian Mobile",
            "Guardian Mobile Number",
            "Guardian Home Phone",
            "Guardian Work Phone",
        ),
        "address": (
            "Guardian Address",
            "Address Line 1",
            "Address Line 2",
            "Town",
            "County",
            "Postcode",
        ),
        "relationship": ("Relationship",),
        "parental_responsibility": ("Parental Responsibility", "Has Parental Responsibility"),
        "child_id": ("Student ID", "UPN"),
        "child_forename": ("Student First Name", "Student Forename"),
        "child_surname": ("Student Last Name", "Student Surname"),
        "child_name": ("Student Name", "Student"),
        "child_class": ("Registration Form", "Reg Form", "Class"),
    },
    "sims": {
        "contact_id": ("Contact Person ID", "Contact ID"),
        "title": ("Contact Title", "Title"),
        "forename": ("Contact Forename", "Contact Legal Forename"),
        "surname": ("Contact Surname", "Contact Legal Surname"),
        "name": ("Contact Name",),
        "emails": ("Home Email", "Contact Email", "Work Email"),
        "phones": ("Mobile Telephone", "Home Telephone", "Work Telephone"),
        "address": (
            "House Name",
            "House Number",
            "Street",
            "District",
            "Town",
            "County",
            "Postcode",
        ),
        "relationship": ("Relationship", "Relationship to Student"),
        "parental_responsibility": ("Parental Responsibility",),
        "child_id": ("Student Person ID", "UPN", "Adno"),
        "child_forename": ("Legal Forename", "Student Forename"),
        "child_surname": ("Legal Surname", "Student Surname"),
        "child_name": ("Student Name",),
        "child_class": ("Reg Group", "Registration Group"),
    },
    "bromcom": {
        "contact_id": ("Contact ID", "Contact Person ID"),
        "title": ("Contact Title",),
        "forename": ("Contact Forename", "Contact First Name"),
        "surname": ("Contact Surname", "Contact Last Name"),
        "name": ("Contact Name",),
        "emails": ("Contact Email", "Contact Email Address", "Contact Work Email"),
        "phones": (
            "Contact Mobile",
            "Contact Mobile Phone",
            "Contact Home Phone",
            "Contact Work Phone",
        ),
        "address": (
            "Address Line 1",
            "Address Line 2",
            "Address Line 3",
            "Town",
            "County",
            "Postcode",
        ),
        "relationship": ("Relationship",),
        "parental_responsibility": ("Parental Responsibility",),
        "child_id": ("Student ID", "UPN"),
        "child_forename": ("Student Forename", "Student Preferred Forename"),
        "child_surname": ("Student Surname", "Student Preferred Surname"),
        "child_name": ("Student Name",),
        "child_class": ("Tutor Group", "Registration Group", "Form"),
    },
}


class MisImportError(FieldError):
    """An export that cannot be read: names the column or row and what was expected."""


@record
class Contact:
    """One adult from the export, with every child the rows link them to."""

    mis_id: str
    name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    address: tuple[str, ...] = ()
    relationship: str = ""
    children: tuple[Child, ...] = ()
    rows: tuple[int, ...] = ()  # the export's row numbers (1 is the header)


@record
class Plan:
    """What an export says, read against the people already known."""

    system: str
    contacts: tuple[Contact, ...]
    problems: tuple[str, ...] = field(default=())  # rows left out, each with its reason


def choose_columns(
    headers: Sequence[str], system: str | None
) -> tuple[str, dict[str, tuple[str, ...]]]:
    """The system whose column names the export uses (or the one named), and the columns found."""
    present = {h.strip() for h in headers}
    candidates = [system] if system else list(SYSTEMS)
    best: tuple[int, str, dict[str, tuple[str, ...]]] | None = None
    for name in candidates:
        found = {k: tuple(c for c in cols if c in present) for k, cols in SYSTEMS[name].items()}
        found = {k: v for k, v in found.items() if v}
        score = sum(len(v) for v in found.values())
        if best is None or score > best[0]:
            best = (score, name, found)
    assert best is not None
    _, name, found = best
    check_columns(found, f"the {name} export")
    return name, found


def mapping_columns(
    headers: Sequence[str], mapping: Mapping[str, object]
) -> dict[str, tuple[str, ...]]:
    """A school's own mapping (our field -> its column, or a list for several), checked."""
    present = {h.strip() for h in headers}
    found: dict[str, tuple[str, ...]] = {}
    for key, value in mapping.items():
        if key not in FIELDS:
            raise MisImportError(
                f"mapping: unknown field {key!r}; the fields are: {', '.join(FIELDS)}"
            )
        cols = (value,) if isinstance(value, str) else tuple(str(v) for v in value)  # type: ignore[attr-defined]
        if key in SINGLE and len(cols) != 1:
            raise MisImportError(f"mapping: {key} names one column, got {len(cols)}")
        for col in cols:
            if col not in present:
                raise MisImportError(f"mapping: {key}: the export has no column {col!r}")
        found[key] = cols
    check_columns(found, "the mapping")
    return found


def check_columns(found: Mapping[str, tuple[str, ...]], where: str) -> None:
    """An export must identify each adult (an id) and name them; a child needs a name."""
    if "contact_id" not in found:
        raise MisImportError(f"{where}: no column for the contact's MIS id (contact_id)")
    if "name" not in found and not {"forename", "surname"} <= set(found):
        raise MisImportError(
            f"{where}: no columns for the contact's name (forename and surname, or name)"
        )


def _cell(row: Mapping[str, str], cols: Mapping[str, tuple[str, ...]], key: str) -> str:
    names = cols.get(key, ())
    return (row.get(names[0]) or "").strip() if names else ""


def _cells(row: Mapping[str, str], cols: Mapping[str, tuple[str, ...]], key: str) -> list[str]:
    return [(row.get(c) or "").strip() for c in cols.get(key, ()) if (row.get(c) or "").strip()]


def read_contacts(
    rows: Iterable[Mapping[str, str]], cols: Mapping[str, tuple[str, ...]], system: str
) -> Plan:
    """Group the export's rows into contacts; a row that cannot be read is reported, not guessed."""
    contacts: dict[str, Contact] = {}
    problems: list[str] = []
    for n, row in enumerate(rows, start=2):
        try:
            contact = _contact(row, cols, n)
        except FieldError as exc:
            problems.append(f"row {n}: {exc}")
            continue
        if contact is None:
            continue
        seen = contacts.get(contact.mis_id)
        contacts[contact.mis_id] = contact if seen is None else _join(seen, contact)
    return Plan(system, tuple(contacts.values()), tuple(problems))


def _contact(row: Mapping[str, str], cols: Mapping[str, tuple[str, ...]], n: int) -> Contact | None:
    mis_id = _cell(row, cols, "contact_id")
    if not mis_id and not any((v or "").strip() for v in row.values()):
        return None  # a blank line
    if not mis_id:
        raise FieldError("no contact id")
    name = _cell(row, cols, "name") or " ".join(
        p
        for p in (
            _cell(row, cols, "title"),
            _cell(row, cols, "forename"),
            _cell(row, cols, "surname"),
        )
        if p
    )
    if not name:
        raise FieldError(f"contact {mis_id} has no name")
    emails: tuple[str, ...] = ()
    for cell in _cells(row, cols, "emails"):
        emails += parse_emails(cell)
    phones: tuple[str, ...] = ()
    for cell in _cells(row, cols, "phones"):
        phones += parse_phones(cell)
    address: tuple[str, ...] = ()
    for cell in _cells(row, cols, "address"):
        address += parse_address(cell)
    address = _house_numbers(address)
    child_name = _cell(row, cols, "child_name") or " ".join(
        p for p in (_cell(row, cols, "child_forename"), _cell(row, cols, "child_surname")) if p
    )
    children: tuple[Child, ...] = ()
    if child_name:
        pr_text = _cell(row, cols, "parental_responsibility")
        children = (
            Child(
                name=child_name,
                class_name=_cell(row, cols, "child_class"),
                parental_responsibility=yes_no("parental_responsibility", pr_text)
                if pr_text
                else True,
                mis_id=_cell(row, cols, "child_id"),
            ),
        )
    return Contact(
        mis_id=mis_id,
        name=name,
        emails=tuple(dict.fromkeys(emails)),
        phones=tuple(dict.fromkeys(phones)),
        address=address,
        relationship=_cell(row, cols, "relationship"),
        children=children,
        rows=(n,),
    )


def _house_numbers(lines: tuple[str, ...]) -> tuple[str, ...]:
    """A house number in a column of its own (SIMS) goes before its street: "12 Acacia Avenue"."""
    out: list[str] = []
    carry = ""
    for line in lines:
        if re.fullmatch(r"\d+[A-Za-z]?", line):
            carry = f"{carry} {line}".strip()
            continue
        out.append(f"{carry} {line}".strip() if carry else line)
        carry = ""
    if carry:
        out.append(carry)
    return tuple(out)


def _join(a: Contact, b: Contact) -> Contact:
    """Two rows for one adult (one per child): the children and any new details together."""
    return replace(
        a,
        emails=tuple(dict.fromkeys(a.emails + b.emails)),
        phones=tuple(dict.fromkeys(a.phones + b.phones)),
        address=a.address or b.address,
        relationship=a.relationship or b.relationship,
        children=_merge_children(a.children, b.children),
        rows=a.rows + b.rows,
    )


def _merge_children(known: tuple[Child, ...], new: tuple[Child, ...]) -> tuple[Child, ...]:
    out = list(known)
    for child in new:
        for i, old in enumerate(out):
            if old.key == child.key or (child.mis_id and old.name == child.name and not old.mis_id):
                out[i] = child
                break
        else:
            out.append(child)
    return tuple(out)


def _merge_list(
    first: tuple[str, ...], rest: tuple[str, ...], *, emails: bool = False
) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in first + rest:
        seen.setdefault(normalise_email(value) if emails else value, value)
    return tuple(seen.values())


def updated(person: Person, contact: Contact) -> Person:
    """A known person with the export's details: nothing the office added is lost.

    Emails and phones from the export come first and the person's others are kept;
    children are matched by MIS id (or name) and added to; the address is the export's
    when it gives one. Channel, language, format needs and the signed code are the office's.
    """
    return replace(
        person,
        name=contact.name,
        mis_id=contact.mis_id,
        emails=_merge_list(contact.emails, person.emails, emails=True),
        phones=_merge_list(contact.phones, person.phones),
        address=contact.address or person.address,
        relationship=contact.relationship or person.relationship,
        children=_merge_children(person.children, contact.children),
        placeholder=False,
    )


def new_person(contact: Contact) -> Person:
    """A person first known from the export (the register gives them their id)."""
    return updated(Person(id="", name=contact.name), contact)


@record
class Outcome:
    """What an import does to one contact: a new person, or a known one's changes."""

    contact: Contact
    before: Person | None  # None: a new person
    after: Person


def plan_updates(plan: Plan, everyone: Sequence[Person]) -> tuple[list[Outcome], list[str]]:
    """Match each contact to a known person (by MIS id, else by email) and say what changes.

    A contact whose email is already another person's is left out and reported: the
    office decides which record is right. Nobody is ever removed.
    """
    by_mis = {p.mis_id: p for p in everyone if p.mis_id}
    owners = {normalise_email(e): p for p in everyone for e in p.emails}
    outcomes: list[Outcome] = []
    problems: list[str] = []
    for contact in plan.contacts:
        person = by_mis.get(contact.mis_id)
        if person is None:
            person = next(
                (
                    owners[normalise_email(e)]
                    for e in contact.emails
                    if normalise_email(e) in owners and not owners[normalise_email(e)].mis_id
                ),
                None,
            )
        after = new_person(contact) if person is None else updated(person, contact)
        clash = next(
            (
                owners[normalise_email(e)]
                for e in after.emails
                if normalise_email(e) in owners
                and (person is None or owners[normalise_email(e)].id != person.id)
            ),
            None,
        )
        where = f"row {contact.rows[0]}" if contact.rows else "a row"
        if clash is not None:
            problems.append(
                f"{where}: contact {contact.mis_id} ({contact.name}) has an email address that "
                f"is {clash.name}'s ({clash.id}); left out, nothing changed"
            )
            continue
        outcomes.append(Outcome(contact, person, after))
        for e in after.emails:
            owners[normalise_email(e)] = after if person is None else person
    return outcomes, problems
