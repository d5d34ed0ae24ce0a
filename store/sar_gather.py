"""Everything the store holds about one person, as subject access bundle items.

Their cases (each case's summary, every event, letters, emails and attachments), and emails on
other cases that they sent or whose stored subject or excerpt names them. Every other person
the records identify (staff, other parents, children, named targets and witnesses, email
correspondents) is returned as a party for the redaction worklist. Read in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from casework.cases import Case
from casework.events import Event
from casework.mailthread import is_staff
from casework.outbox import LetterRecord
from casework.payloads import EvidenceAdded, EvidenceKind, Incident, MeetingScheduled, Statement
from casework.people import TO_BE_IDENTIFIED, Person, normalise_email
from casework.record import record
from casework.sar_bundle import Item, Party, Role
from casework.sar_requests import SarRequest
from casework.serial import to_json
from mailtext.filenames import safe_filename
from mailtext.parse import parse_message
from store.casebook import Casebook
from store.records import Cases, Events, Letters, People
from store.sar_book import find_person
from store.sar_records import Requests
from store.vault import VaultError

# Actors that are Conduct Desk itself, not a person.
SYSTEM_ACTORS = frozenset({"conduct-desk", "conduct-daemon", "system", "reader", ""})


@record
class Original:
    """A stored file that goes into originals/ under ``name``."""

    name: str
    sha256: str


@record
class Gathered:
    """The person, their bundle's items, the originals, the other people, their requests."""

    person: Person
    items: tuple[Item, ...]
    originals: tuple[Original, ...]
    parties: tuple[Party, ...]
    requests: tuple[SarRequest, ...]
    cases: tuple[str, ...]


class _Collector:
    def __init__(self, book: Casebook, person: Person) -> None:
        self.book = book
        self.person = person
        self.addresses = {normalise_email(e) for e in person.emails}
        self.items: list[Item] = []
        self.originals: list[Original] = []
        self.parties: list[Party] = []
        self.used: set[str] = set()

    def add(
        self,
        kind: str,
        title: str,
        ref: str,
        at: datetime | None,
        body: str,
        original: tuple[str, str] | None = None,
    ) -> int:
        number = len(self.items) + 1
        name, sha = "", ""
        if original is not None:
            name = self._unique(f"{number:03d}-{safe_filename(original[0])}")
            sha = original[1]
            self.originals.append(Original(name, sha))
        self.items.append(Item(number, kind, title, ref, at, body, name, sha))
        return number

    def _unique(self, name: str) -> str:
        candidate, n = name, 1
        while candidate.lower() in self.used:
            n += 1
            candidate = f"{n}-{name}"
        self.used.add(candidate.lower())
        return candidate

    def party(self, name: str, role: Role, *addresses: str) -> None:
        text = name.strip()
        if (
            text
            and text not in SYSTEM_ACTORS
            and text != TO_BE_IDENTIFIED
            and text.lower() != self.person.name.strip().lower()
        ):
            self.parties.append(Party(text, role, addresses))

    def correspondent(self, name: str, address: str) -> None:
        if normalise_email(address) in self.addresses:
            return
        staff = is_staff(address, self.book.config.school.staff_domains)
        self.party(name or address, Role.STAFF if staff else Role.OTHER, address)


def gather(book: Casebook, who: str) -> Gathered:
    """Everything about one person (by id or email address), ready to lay out."""
    with book.store.reading() as tx:
        person = find_person(tx, who)
        c = _Collector(book, person)
        all_cases = Cases(tx).all()
        theirs = [k for k in all_cases if any(s.person_id == person.id for s in k.subjects)]
        for case in theirs:
            _case(c, case, Events(tx).of(case.ref), Letters(tx).of_case(case.ref))
        mine = {k.ref for k in theirs}
        for case in all_cases:
            if case.ref not in mine:
                for event in Events(tx).of(case.ref):
                    if _about_them(c, event):
                        _email(c, case.ref, event)
        for other in People(tx).all():
            if other.id != person.id:
                c.party(other.name, Role.PARENT, *other.emails)
                for child in other.children:
                    c.party(child.name, Role.CHILD)
        requests = tuple(Requests(tx).of_person(person.id))
    for child in person.children:
        c.party(child.name, Role.CHILD)
    school = book.config.school
    for staff in (
        school.headteacher,
        school.chair_of_governors,
        *school.senior_staff,
        book.config.letters.signatory,
    ):
        c.party(staff, Role.STAFF)
    return Gathered(
        person,
        tuple(c.items),
        tuple(c.originals),
        tuple(c.parties),
        requests,
        tuple(k.ref for k in theirs),
    )


def _case(c: _Collector, case: Case, events: list[Event], letters: list[LetterRecord]) -> None:
    lines = [
        f"Reference: {case.ref}",
        f"Status: {case.status.value}" + (f" ({case.outcome})" if case.outcome else ""),
        f"Step: {case.step}",
        f"Summary: {case.summary}",
        f"About: {', '.join(s.name for s in case.subjects)}",
        f"Reported by: {case.reporter}",
        f"Behaviours: {', '.join(case.behaviours)}",
        f"Opened: {case.opened:%d %B %Y}",
    ]
    for ban in case.bans:
        lines.append(f"Ban: {ban.starts_on} to {ban.ends_on}, review {ban.review_on}")
    for ref in case.referrals:
        lines.append(f"Referral: {ref.to} on {ref.on} (reference {ref.reference})")
    c.add("case", f"Case {case.ref}: {case.summary}", case.ref, case.opened, "\n".join(lines))
    c.party(case.reporter, Role.STAFF)
    for s in case.subjects:
        c.party(s.name, Role.PARENT)
    for event in events:
        c.party(event.actor, Role.STAFF)
        if isinstance(event.data, EvidenceAdded):
            _email(c, case.ref, event)
            continue
        _parties_of(c, event)
        c.add(event.type.value, event.summary, case.ref, event.at, _describe(event))
    for letter in letters:
        _letter(c, letter)


def _parties_of(c: _Collector, event: Event) -> None:
    data = event.data
    if isinstance(data, Statement):
        c.party(data.by, Role.OTHER)
    if isinstance(data, Incident):
        c.party(data.target, Role.OTHER)
    if isinstance(data, MeetingScheduled):
        for who in data.attendees:
            c.party(who, Role.OTHER)


def _describe(event: Event) -> str:
    """An event's details as 'field: value' lines, the payload's own words."""
    lines = [f"When: {event.at:%d %B %Y %H:%M}", f"Recorded by: {event.actor}"]
    lines += [f"{k}: {v}" for k, v in _flat(to_json(event.data))]
    return "\n".join(lines)


def _flat(data: object, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _flat(v, f"{prefix}{k}." if isinstance(v, dict) else f"{prefix}{k}")
    elif isinstance(data, list):
        if data:
            yield prefix, "; ".join(str(x) for x in data)
    elif data not in (None, ""):
        yield prefix, str(data)


def _about_them(c: _Collector, event: Event) -> bool:
    """An email on someone else's case that they sent, or whose subject or excerpt names them."""
    data = event.data
    if not isinstance(data, EvidenceAdded) or data.kind is not EvidenceKind.EMAIL:
        return False
    if normalise_email(data.sender) in c.addresses:
        return True
    text = f"{data.subject}\n{data.excerpt}".lower()
    return c.person.name.lower() in text or any(a in text for a in c.addresses)


def _email(c: _Collector, ref: str, event: Event) -> None:
    data = event.data
    assert isinstance(data, EvidenceAdded)
    if data.kind is EvidenceKind.FILE:
        c.add(
            "file",
            data.name,
            ref,
            event.at,
            f"A file kept as evidence: {data.name}\n"
            f"Size: {data.size} bytes\nSHA-256: {data.sha256}",
            (data.name, data.sha256),
        )
        return
    try:
        msg = parse_message(c.book.vault.get(data.sha256))
    except (VaultError, ValueError) as exc:
        c.add("email", data.title, ref, event.at, f"(the stored email cannot be read: {exc})")
        return
    written = msg.date or data.date or event.at  # when it was written, not when it was filed
    head = [f"From: {_addr(msg.sender)}", f"To: {', '.join(_addr(a) for a in msg.to)}"]
    if msg.cc:
        head.append(f"Cc: {', '.join(_addr(a) for a in msg.cc)}")
    head += [f"Date: {msg.date or data.date or ''}", f"Subject: {msg.subject}", ""]
    for a in (msg.sender, *msg.recipients):
        if a is not None:
            c.correspondent(a.name, a.address)
    c.add(
        "email",
        data.title or "(no subject)",
        ref,
        written,
        "\n".join(head) + msg.text,
        (f"{data.title or 'email'}.eml", data.sha256),
    )
    for att in data.attachments:
        body = (
            f"Attached to the email above: {att.name}\nType: {att.content_type}\n"
            f"Size: {att.size} bytes\nSHA-256: {att.sha256}"
        )
        if att.content_type.startswith("text/plain") and not att.oversize:
            try:
                body += "\n\n" + c.book.vault.get(att.sha256).decode("utf-8", "replace")
            except VaultError as exc:
                body += f"\n\n(the stored file cannot be read: {exc})"
        c.add("attachment", att.name, ref, written, body, (att.name, att.sha256))


def _addr(a: object) -> str:
    name, address = getattr(a, "name", ""), getattr(a, "address", "")
    return f"{name} <{address}>" if name else str(address)


def _letter(c: _Collector, letter: LetterRecord) -> None:
    c.party(letter.approved_by, Role.STAFF)
    lines = [
        f"Letter: {letter.kind}",
        f"To: {letter.recipient_name}"
        + (f" <{letter.recipient_email}>" if letter.recipient_email else ""),
        f"Status: {letter.status.value}",
        f"Sent: {letter.sent_at:%d %B %Y %H:%M}" if letter.sent_at else "Sent: not sent",
        f"PDF SHA-256: {letter.pdf_sha256}",
        "",
        letter.body_text,
    ]
    title = letter.subject or f"Letter: {letter.kind}"
    when = letter.sent_at or letter.created
    c.add(
        "letter",
        title,
        letter.case_ref,
        when,
        "\n".join(lines),
        (letter.attachment_name, letter.pdf_sha256),
    )
