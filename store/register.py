"""The people the school deals with: added, found, edited and identified, every change recorded.

A change to a person is one transaction: the record, an event on every case about them
(the case's timeline says what changed and from what), and the audit log's note.
"""

from __future__ import annotations

from dataclasses import replace

from casework.cases import Case
from casework.events import Event, EventType, make_event
from casework.fold import CaseRuleError
from casework.mis_import import Plan, plan_updates
from casework.payloads import PersonChanged, SubjectIdentified
from casework.people import (
    TO_BE_IDENTIFIED,
    Child,
    FieldChange,
    Person,
    changes,
    matches,
    others_with_responsibility,
    person_id_for,
)
from casework.record import record
from store.casebook import Casebook, NotFound
from store.db import Transaction
from store.records import Cases, Events, People


@record
class PersonFile:
    """A person with everything `person show` and the dashboard's person view need."""

    person: Person
    # Other adults with parental responsibility for the same children, child by child.
    co_parents: tuple[tuple[Child, Person], ...]
    cases: tuple[Case, ...]
    history: tuple[Event, ...]  # person-updated and subject-identified events, oldest first


@record
class Saved:
    """A person saved: the record as stored, whether it is new, and what changed."""

    person: Person
    added: bool
    changes: tuple[FieldChange, ...]


@record
class ImportReport:
    """What an MIS import did (or, run dry, would do)."""

    system: str
    added: list[Person]
    updated: list[tuple[Person, tuple[FieldChange, ...]]]
    unchanged: int
    problems: list[str]


class Register:
    """Adds, finds and edits people; the one place their records are written."""

    def __init__(self, book: Casebook) -> None:
        self.book = book
        self.store = book.store

    # -- reading ------------------------------------------------------------------------

    def everyone(self) -> list[Person]:
        """Every person, by name (the placeholders for unknown senders included)."""
        with self.store.reading() as tx:
            return People(tx).all()

    def find(self, text: str, *, include_placeholders: bool = False) -> list[Person]:
        """People whose name, email, phone, child or MIS id holds every word of ``text``."""
        words = text.lower().split()
        return [
            p
            for p in self.everyone()
            if (include_placeholders or not p.placeholder) and matches(p, words)
        ]

    def get(self, person_id: str) -> Person:
        """One person; NotFound names the id."""
        return self.book.person(person_id)

    def file(self, person_id: str) -> PersonFile:
        """A person, the other adults responsible for their children, their cases and changes."""
        with self.store.reading() as tx:
            person = People(tx).get(person_id)
            if person is None:
                raise NotFound(f"no person {person_id!r} (conduct person list shows the ids)")
            everyone = People(tx).all()
            cases = [
                c for c in Cases(tx).all() if any(s.person_id == person_id for s in c.subjects)
            ]
            history = [e for c in cases for e in Events(tx).of(c.ref) if _about(e, person_id)]
        seen: set[tuple[str, str]] = set()
        unique = []
        for e in sorted(history, key=lambda e: e.at):
            # The same change is recorded on each of the person's cases: list it once.
            mark = (e.at.isoformat(), e.summary)
            if mark not in seen:
                seen.add(mark)
                unique.append(e)
        return PersonFile(
            person,
            tuple(others_with_responsibility(person, everyone)),
            tuple(cases),
            tuple(unique),
        )

    # -- writing ------------------------------------------------------------------------

    def add(self, person: Person) -> Saved:
        """A new person: the id is made from the name (the ``id`` given is ignored)."""
        if not person.name.strip():
            raise CaseRuleError("a person needs a name")
        with self.store.transaction(self.book.actor.name) as tx:
            people = People(tx)
            self._check_unique(people, person, new=True)
            new = replace(person, id=person_id_for(person.name, people.ids()), placeholder=False)
            people.put(new)
            tx.note(f"person {new.id} added")
        return Saved(new, True, ())

    def save(self, person: Person) -> Saved:
        """Store a changed person; each case about them records what changed."""
        with self.store.transaction(self.book.actor.name) as tx:
            return self.save_in(tx, person)

    def save_in(self, tx: Transaction, person: Person) -> Saved:
        """Store a changed person inside a transaction the caller holds."""
        people = People(tx)
        before = people.get(person.id)
        if before is None:
            raise NotFound(f"no person {person.id!r} (conduct person list shows the ids)")
        self._check_unique(people, person, new=False)
        diff = changes(before, person)
        if not diff:
            return Saved(before, False, ())
        people.put(person)
        tx.note(f"person {person.id} changed: {', '.join(c.field for c in diff)}")
        payload = PersonChanged(person.id, person.name, diff)
        words = f"Details of {person.name} changed: {', '.join(c.field for c in diff)}"
        for ref in _cases_about(tx, person.id):
            event = make_event(
                ref, tx.actor, EventType.PERSON_UPDATED, words, payload, at=self.book.clock.now()
            )
            self.book.record_in(tx, ref, [event])
        return Saved(person, False, diff)

    def import_contacts(self, plan: Plan, *, dry_run: bool = False) -> ImportReport:
        """Add or update the export's contacts in one transaction (none with ``dry_run``)."""
        outcomes, problems = plan_updates(plan, self.everyone())
        added: list[Person] = []
        changed: list[tuple[Person, tuple[FieldChange, ...]]] = []
        unchanged = 0
        if dry_run:
            for o in outcomes:
                if o.before is None:
                    added.append(o.after)
                elif diff := changes(o.before, o.after):
                    changed.append((o.after, diff))
                else:
                    unchanged += 1
            return ImportReport(plan.system, added, changed, unchanged, [*plan.problems, *problems])
        with self.store.transaction(self.book.actor.name) as tx:
            people = People(tx)
            for o in outcomes:
                if o.before is None:
                    new = replace(o.after, id=person_id_for(o.after.name, people.ids()))
                    people.put(new)
                    tx.note(f"person {new.id} added from the MIS export ({o.contact.mis_id})")
                    added.append(new)
                    continue
                saved = self.save_in(tx, o.after)
                if saved.changes:
                    changed.append((saved.person, saved.changes))
                else:
                    unchanged += 1
            tx.note(
                f"MIS import ({plan.system}): {len(added)} added, {len(changed)} updated, "
                f"{unchanged} unchanged"
            )
        return ImportReport(plan.system, added, changed, unchanged, [*plan.problems, *problems])

    def identify(self, ref: str, person_id: str) -> Case:
        """The person a case about 'To be identified' is about: an existing person, by id."""
        with self.store.transaction(self.book.actor.name) as tx:
            case = Cases(tx).get(ref.upper())
            if case is None:
                raise NotFound(f"nothing found for {ref!r}")
            person = People(tx).get(person_id)
            if person is None or person.placeholder:
                raise NotFound(f"no person {person_id!r} (conduct person list shows the ids)")
            placeholders = [s for s in case.subjects if _is_placeholder(tx, s.person_id)]
            if not placeholders:
                raise CaseRuleError(f"{case.ref} is not about anyone still to be identified")
            old = placeholders[0]
            event = make_event(
                case.ref,
                tx.actor,
                EventType.SUBJECT_IDENTIFIED,
                f"Identified: {person.name} (was {old.name})",
                SubjectIdentified(old.person_id, person.id, person.name),
                at=self.book.clock.now(),
            )
            return self.book.record_in(tx, case.ref, [event])

    def _check_unique(self, people: People, person: Person, *, new: bool) -> None:
        # Two records with one email would make mail from it ambiguous; an MIS id is one person.
        for address in person.emails:
            other = people.by_email(address)
            if other is not None and (new or other.id != person.id):
                raise CaseRuleError(
                    f"{address} is already the address of {other.name} ({other.id}); "
                    f"edit that person instead"
                )
        if person.mis_id:
            for other in people.all():
                if other.mis_id == person.mis_id and (new or other.id != person.id):
                    raise CaseRuleError(
                        f"MIS id {person.mis_id} is already {other.name} ({other.id})"
                    )


def _about(event: Event, person_id: str) -> bool:
    d = event.data
    if isinstance(d, PersonChanged):
        return d.person_id == person_id
    if isinstance(d, SubjectIdentified):
        return d.person_id == person_id
    return False


def _cases_about(tx: Transaction, person_id: str) -> list[str]:
    return [
        d["ref"] for d in Cases(tx).raw() if any(s["person_id"] == person_id for s in d["subjects"])
    ]


def _is_placeholder(tx: Transaction, person_id: str) -> bool:
    person = People(tx).get(person_id)
    return person is None or person.placeholder or person.name == TO_BE_IDENTIFIED
