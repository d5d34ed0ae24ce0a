"""The case repository: every change to a case is events, applied and stored in one transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from casework.cases import Case, CaseStatus, Severity, format_ref
from casework.clock import Clock, process_clock
from casework.event_types import EventType
from casework.people import (
    TO_BE_IDENTIFIED,
    Person,
    Subject,
    checked_email,
    checked_name,
    person_id_for,
)
from casework.record import record
from casework.rules import HARASSMENT, REPLY_AFTER_CLOSE, harassment_targets, same_target
from casework.staff import Actor, current_actor
from store.db import Store, Transaction
from store.errors import StoreError
from store.records import (
    Cases,
    Counters,
    Events,
    Letters,
    Notices,
    People,
    events_file,
    highest_reference,
)
from store.staff import load_register
from store.vault import Vault

if TYPE_CHECKING:
    from casework.config import Config
    from casework.events import Event
    from casework.ladder import Suggestion
    from casework.outbox import LetterRecord
    from casework.payloads import Payload

# Reading cases (`case list`, the dashboard's listing) needs none of the event payload
# classes, the ladder or the workflow: the methods that write or assess import them.

T = TypeVar("T")


class NotFound(KeyError):
    """No case, person or letter by that name."""

    def __str__(self) -> str:
        return str(self.args[0])


@record
class CaseFile:
    """A case with everything the screens and `case show` need."""

    case: Case
    events: tuple[Event, ...]
    people: tuple[Person, ...]
    suggestion: Suggestion | None
    waiting: str = ""  # what the ladder waits for before it suggests a step


class Casebook:
    """Opens and works cases; the one place that writes case state."""

    def __init__(
        self,
        config: Config,
        store: Store | None = None,
        *,
        clock: Clock | None = None,
        actor: Actor | None = None,
    ) -> None:
        self.config = config
        self.clock = clock or (store.clock if store is not None else process_clock())
        self.store = store or Store(config.store.data_dir, self.clock)
        self.vault = Vault(self.store.root / "vault")
        # Who does what this casebook records; the rules are asked about this actor.
        self.actor = actor or current_actor(load_register(self.store))

    # -- reading ------------------------------------------------------------------------

    def cases(self, status: str = "open") -> list[Case]:
        """Cases by status: open, closed or all."""
        with self.store.reading() as tx:
            cases = Cases(tx).all()
        if status == "all":
            return cases
        return [c for c in cases if c.status.value == status]

    def get(self, ref: str) -> Case:
        """One case; NotFound names the reference."""
        with self.store.reading() as tx:
            return _need(Cases(tx).get(ref.upper()), ref)

    def file(self, ref: str) -> CaseFile:
        """A case with its timeline, people and the ladder's suggestion."""
        from casework.ladder import assess

        with self.store.reading() as tx:
            case = _need(Cases(tx).get(ref.upper()), ref)
            events = Events(tx).of(case.ref)
            people = tuple(p for s in case.subjects if (p := People(tx).get(s.person_id)))
        ladder = assess(self.config.policy, case, events, self.clock.today())
        return CaseFile(case, tuple(events), people, ladder.suggestion, ladder.waiting)

    # -- writing ------------------------------------------------------------------------

    def open_case(
        self,
        *,
        name: str | None,
        email: str | None = None,
        behaviours: Sequence[str],
        summary: str,
        severity: Severity = Severity.MEDIUM,
        reporter: str | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Open a case about a person found by email, or added by name (both checked)."""
        name, email = _checked_contact(name, email)
        with self.store.transaction(self.actor.name) as tx:
            person = self.find_or_add_person(tx, name, email)
            return self.open_case_in(
                tx,
                person,
                behaviours=behaviours,
                summary=summary,
                severity=severity,
                reporter=reporter,
                at=at,
            )

    def open_case_in(
        self,
        tx: Transaction,
        person: Person,
        *,
        behaviours: Sequence[str],
        summary: str,
        severity: Severity = Severity.MEDIUM,
        reporter: str | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Open a case inside a transaction the caller holds."""
        from casework import workflow
        from casework.authority import check_record

        check_record(self.actor)
        at = at or self.clock.now()
        cases = Cases(tx)
        # Never below the highest reference stored: a counter set back (a restored or edited
        # meta.json) must not hand out a reference that is already a case.
        number = Counters(tx).next(f"case-{at.year}", floor=highest_reference(tx, at.year))
        ref = format_ref(at.year, number)
        if cases.get(ref) is not None or (self.store.root / events_file(ref)).exists():
            raise StoreError(
                f"{ref} already exists but the reference counter in meta.json offered it "
                "again: refusing to write over it"
            )
        case, event = workflow.open_case(
            ref,
            self.config.policy,
            summary=summary,
            subjects=[Subject(person.id, person.name)],
            reporter=reporter or self.actor.name,
            behaviours=behaviours,
            severity=severity,
            actor=tx.actor,
            at=at,
        )
        cases.put(case)
        Events(tx).add(event)
        # Audit notes name references, event ids and hashes only: a person id is made from a
        # name, and the log outlives every disposal.
        tx.note(f"{ref} opened")
        # A first step that notifies (the DSL, the Chair) does so when the case opens.
        notices = workflow.step_notices(self.config.policy, case, case.step, actor=tx.actor, at=at)
        return self.record_in(tx, ref, notices) if notices else case

    def record(self, ref: str, events: Sequence[Event]) -> Case:
        """Append events to a case and store the case they produce."""
        with self.store.transaction(self.actor.name) as tx:
            return self.record_in(tx, ref, events)

    def record_in(self, tx: Transaction, ref: str, events: Sequence[Event]) -> Case:
        """Append events inside a transaction the caller holds."""
        from casework import fold
        from casework.authority import check_record
        from casework.notices import notice_due

        check_record(self.actor)
        cases = Cases(tx)
        case = _need(cases.get(ref.upper()), ref)
        for event in events:
            case = fold.apply(case, event)
            Events(tx).add(event)
            tx.note(f"{case.ref} {event.type.value} {event.id}")
            if event.type is EventType.INCIDENT:
                case = self._check_harassment(tx, case, event)
            if event.type is EventType.NOTICE_DUE:
                # The record the sender picks up; the event is the case's own history.
                Notices(tx).put(notice_due(event))
        cases.put(case)
        return case

    def _check_harassment(self, tx: Transaction, case: Case, incident: Event) -> Case:
        """A second incident by the same person toward the same target is a course of conduct."""
        from casework import fold
        from casework.events import make_event
        from casework.payloads import HarassmentFlag, Incident
        from casework.serial import from_json

        assert isinstance(incident.data, Incident)
        target = incident.data.target
        if not target.strip() or HARASSMENT in case.flags:
            return case
        ids = {s.person_id for s in case.subjects}
        # Filter the raw documents first: decoding every case on each incident is the slow part.
        related = [
            d
            for d in Cases(tx).raw()
            if d["ref"] != case.ref
            and d["incidents"]
            and ids & {s["person_id"] for s in d["subjects"]}
        ]
        marks = [m for d in related for m in from_json(Case, d).incidents]
        marks += list(case.incidents)
        if not any(same_target(t, target) for t in harassment_targets(marks)):
            return case
        flag = make_event(
            case.ref,
            "conduct-desk",
            EventType.HARASSMENT_FLAGGED,
            f"Possible harassment: two or more incidents toward {target}",
            HarassmentFlag(target),
            at=incident.at,
        )
        Events(tx).add(flag)
        tx.note(f"{case.ref} harassment-flagged")
        return fold.apply(case, flag)

    def add(
        self,
        ref: str,
        type: EventType,
        summary: str,
        data: Payload,
        at: datetime | None = None,
    ) -> Case:
        """Record one event of a given type, now by this casebook's clock unless ``at`` says."""
        from casework.events import make_event

        event = make_event(ref.upper(), self.actor.name, type, summary, data, at=at or self.clock.now())
        return self.record(ref, [event])

    def note(self, ref: str, text: str) -> Case:
        """A free-text note on the timeline."""
        from casework.payloads import Text

        return self.add(ref, EventType.NOTE, text, Text(text))

    def step(
        self,
        ref: str,
        to_step: str,
        *,
        reason: str | None = None,
        fields: Mapping[str, str] | None = None,
        at: datetime | None = None,
    ) -> Case:
        """Move a case up (or off) the ladder; out of order needs a reason."""
        from casework import workflow

        at = at or self.clock.now()
        with self.store.transaction(self.actor.name) as tx:
            case = _need(Cases(tx).get(ref.upper()), ref)
            events = workflow.move(
                self.config.policy,
                case,
                to_step,
                actor=self.actor,
                at=at,
                today=at.astimezone().date(),
                periods=self.config.periods,
                reason=reason,
                fields=fields,
                calendar=self.config.calendar,
            )
            return self.record_in(tx, case.ref, events)

    def split_email(
        self,
        ref: str,
        evidence_event_id: str,
        *,
        name: str,
        email: str | None,
        behaviours: Sequence[str],
        summary: str,
    ) -> Case:
        """Move an email threaded into the wrong case to a new case, in one transaction.

        The old case keeps the email in its history, marked as split; the message's record
        now points at the new case, so replies to it thread there.
        """
        from casework.events import make_event
        from casework.mailthread import ThreadRule
        from casework.payloads import EmailSplit, EvidenceAdded
        from store.maillog import Messages

        at = self.clock.now()
        name = checked_name(name)
        email = checked_email(email) if email else None
        with self.store.transaction(self.actor.name) as tx:
            case = _need(Cases(tx).get(ref.upper()), ref)
            found = [e for e in Events(tx).of(case.ref) if e.id == evidence_event_id]
            if not found or not isinstance(found[0].data, EvidenceAdded):
                raise NotFound(f"no email {evidence_event_id!r} on {case.ref}")
            data = found[0].data
            person = self.find_or_add_person(tx, name, email)
            new = self.open_case_in(tx, person, behaviours=behaviours, summary=summary, at=at)
            moved = make_event(
                new.ref,
                self.actor.name,
                EventType.EVIDENCE_ADDED,
                f"Evidence (split from {case.ref}): {data.title}",
                replace(data, split_from=case.ref),
                at=at,
            )
            new = self.record_in(tx, new.ref, [moved])
            split = EmailSplit(
                split_sha256=data.sha256,
                message_id=data.message_id or "",
                evidence_event=evidence_event_id,
                to_case=new.ref,
            )
            marker = make_event(
                case.ref,
                self.actor.name,
                EventType.EMAIL_SPLIT,
                f"Email split off to {new.ref}: {data.title}",
                split,
                at=at,
            )
            self.record_in(tx, case.ref, [marker])
            messages = Messages(tx)
            record = messages.get(data.sha256)
            if record is not None:
                messages.put(replace(record, case_ref=new.ref, rule=ThreadRule.SPLIT))
            return new

    def reopen(self, ref: str, reason: str) -> Case:
        """Reopen a closed case."""
        from casework.fold import CaseRuleError
        from casework.payloads import Reopened

        case = self.get(ref)
        if case.status is CaseStatus.OPEN:
            raise CaseRuleError(f"{case.ref} is already open")
        return self.add(ref, EventType.CASE_REOPENED, f"Case reopened: {reason}", Reopened(reason))

    def keep_closed(self, ref: str, reason: str) -> Case:
        """A reply reached a closed case: record the decision to leave it closed, and why."""
        from casework.fold import CaseRuleError
        from casework.payloads import Text

        case = self.get(ref)
        if case.status is CaseStatus.OPEN or REPLY_AFTER_CLOSE not in case.flags:
            raise CaseRuleError(f"{case.ref} has no reply after closing to settle")
        words = f"Reply read after closing; the case stays closed: {reason.strip()}"
        return self.add(ref, EventType.DECISION, words, Text(words))

    def put_person(self, person: Person) -> None:
        """Add or update a person's details (and the name copied onto their cases)."""
        from casework.authority import check_record

        check_record(self.actor)
        person = replace(
            person,
            name=checked_name(person.name),
            emails=tuple(checked_email(e, "emails") for e in person.emails),
        )
        with self.store.transaction(self.actor.name) as tx:
            People(tx).put(person)
            tx.note("person saved")
            cases = Cases(tx)
            for case in cases.all():
                subjects = tuple(
                    Subject(s.person_id, person.name) if s.person_id == person.id else s
                    for s in case.subjects
                )
                if subjects != case.subjects:
                    cases.put(replace(case, subjects=subjects))

    def person(self, person_id: str) -> Person:
        """One person by id."""
        with self.store.reading() as tx:
            return _need(People(tx).get(person_id), person_id)

    def letters(self, ref: str) -> list[LetterRecord]:
        """A case's letters."""
        with self.store.reading() as tx:
            return Letters(tx).of_case(ref.upper())

    def evidence_path(self, sha256: str) -> Path:
        """Where a piece of evidence is stored."""
        return self.vault.path_for(sha256)

    def find_or_add_person(self, tx: Transaction, name: str | None, email: str | None) -> Person:
        """The person with this email, else a new one by this name (or 'To be identified')."""
        people = People(tx)
        if email:
            found = people.by_email(email)
            if found:
                return found
        display = (name or "").strip() or TO_BE_IDENTIFIED
        person = Person(
            id=person_id_for(display, people.ids()),
            name=display,
            emails=(email.strip(),) if email else (),
            placeholder=display == TO_BE_IDENTIFIED,
        )
        people.put(person)
        tx.note("person added")
        return person


def _checked_contact(name: str | None, email: str | None) -> tuple[str | None, str | None]:
    """A name and address typed by the office: refused when empty or malformed."""
    return (
        checked_name(name) if name is not None else None,
        checked_email(email) if email else None,
    )


def _need(value: T | None, key: str) -> T:
    if value is None:
        raise NotFound(f"nothing found for {key!r}")
    return value
