"""A seeded store for subject access and disposal: one parent with three cases, twenty
emails (some with attachments, some copied to another parent), a letter, and the other
people the records name. Emails go through the daemon's own ingest route."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from casework.events import EventType
from casework.people import Child
from casework.recording import recorded_payload
from mailer.ingest import ingest_raw
from store.casebook import Casebook
from store.inbox import Inbox
from store.outbox import Outbox

PARENT = "Pat Parent"
PARENT_EMAIL = "pat@example.org"
OTHER_PARENT = "Dana Other"
OTHER_EMAIL = "dana@example.org"
CHILD = "Poppy Parent"
OTHER_CHILD = "Danny Other"
WITNESS = "Mrs Kamala Khan"
TARGET = "Mr Tom Teacher"
ATTENDEES = ("Mr Sam Senior", "Mrs Helen Head")
# Everyone but Pat whom Pat's records identify (whoever records events, here Olive Office, is
# staff too; the school's mailbox answers as School Office). Dana's child is in none of Pat's.
OTHERS = {OTHER_PARENT, CHILD, WITNESS, TARGET, *ATTENDEES, "Olive Office", "School Office"}
LETTER_PDF = b"%PDF-1.4\n% a stand-in letter for the seeded store\n"


@dataclass(frozen=True)
class Seeded:
    """What the seed made."""

    refs: tuple[str, ...]  # Pat's three cases
    other_ref: str  # Dana's case
    subjects: tuple[str, ...]  # the twenty emails' subjects
    attachments: tuple[str, ...]  # attachment file names
    cc_other: tuple[str, ...]  # subjects of the emails copied to Dana
    person_id: str


def _email(n: int, ref: str, subject: str, *, cc: bool, attach: bool, at: datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{PARENT} <{PARENT_EMAIL}>"
    msg["To"] = "School Office <office@stockham.sch.uk>"
    if cc:
        msg["Cc"] = f"{OTHER_PARENT} <{OTHER_EMAIL}>"
    msg["Subject"] = f"Re: [{ref}] {subject}"
    msg["Message-ID"] = f"<pat-{n}@example.org>"
    msg["Date"] = format_datetime(at)
    msg.set_content(
        f"Email {n} from {PARENT} about {subject.lower()}.\nMy daughter {CHILD} saw it."
    )
    if attach:
        msg.add_attachment(
            f"Notes for email {n}\n".encode(),
            maintype="text",
            subtype="plain",
            filename=f"notes-{n}.txt",
        )
        msg.add_attachment(
            b"\x89PNG\r\n\x1a\n" + bytes([n]) * 64,
            maintype="image",
            subtype="png",
            filename=f"photo-{n}.png",
        )
    return msg.as_bytes()


def seed(book: Casebook) -> Seeded:
    """Seed the store behind ``book`` (its clock dates everything)."""
    at = book.clock.now()
    refs = []
    for summary in ("Shouted at the gate", "Abusive emails", "Posted about staff online"):
        case = book.open_case(
            name=PARENT, email=PARENT_EMAIL, behaviours=["swearing"], summary=summary
        )
        refs.append(case.ref)
    person_id = book.get(refs[0]).subjects[0].person_id
    pat = book.person(person_id)
    book.put_person(replace(pat, children=(Child(CHILD, "3B"),)))
    policy, today = book.config.policy, book.clock.today()
    statement = recorded_payload(
        EventType.STATEMENT_TAKEN, "She shouted at me", {"by": WITNESS}, policy=policy, today=today
    )
    book.add(refs[0], EventType.STATEMENT_TAKEN, f"Statement from {WITNESS}", statement)
    incident = recorded_payload(
        EventType.INCIDENT, "Swore at the gate", {"target": TARGET}, policy=policy, today=today
    )
    book.add(refs[0], EventType.INCIDENT, "Swearing at the gate", incident)
    meeting = recorded_payload(
        EventType.MEETING_SCHEDULED,
        "",
        {"at": "2026-03-16T09:00", "place": "Head's office", "attendees": ";".join(ATTENDEES)},
        policy=policy,
        today=today,
    )
    book.add(refs[1], EventType.MEETING_SCHEDULED, "Meeting on 16 March", meeting)
    book.note(refs[2], f"{OTHER_PARENT} also complained about the posts")
    Outbox(book).add_draft(refs[1], "warning", LETTER_PDF)

    # Another parent, with her own case and child; one of her emails names Pat.
    other = book.open_case(
        name=OTHER_PARENT, email=OTHER_EMAIL, behaviours=["swearing"], summary="Argued at pick-up"
    )
    dana = book.person(other.subjects[0].person_id)
    book.put_person(replace(dana, children=(Child(OTHER_CHILD, "4A"),)))

    inbox, config = Inbox(book), book.config
    subjects, attachments, cc_other = [], [], []
    for n in range(1, 21):
        ref = refs[n % 3]
        subject = f"Complaint number {n}"
        cc, attach = n % 4 == 0, n % 5 == 0
        raw = _email(n, ref, subject, cc=cc, attach=attach, at=at - timedelta(days=30 - n))
        handled = ingest_raw(raw, inbox, config, folder="INBOX", uidvalidity=1, uid=n)
        assert handled.case_ref == ref, handled
        subjects.append(subject)
        if cc:
            cc_other.append(subject)
        if attach:
            attachments += [f"notes-{n}.txt", f"photo-{n}.png"]
    # Dana writes about Pat on her own case: it mentions Pat, so it is Pat's data too.
    about = EmailMessage()
    about["From"] = f"{OTHER_PARENT} <{OTHER_EMAIL}>"
    about["To"] = "office@stockham.sch.uk"
    about["Subject"] = f"[{other.ref}] What {PARENT} said to me"
    about["Message-ID"] = "<dana-1@example.org>"
    about.set_content(f"{PARENT} was rude to me at pick-up.")
    ingest_raw(about.as_bytes(), inbox, config, folder="INBOX", uidvalidity=1, uid=99)
    # And one that does not name Pat: not Pat's data.
    quiet = EmailMessage()
    quiet["From"] = f"{OTHER_PARENT} <{OTHER_EMAIL}>"
    quiet["To"] = "office@stockham.sch.uk"
    quiet["Subject"] = f"[{other.ref}] Parking"
    quiet["Message-ID"] = "<dana-2@example.org>"
    quiet.set_content("The car park was full again.")
    ingest_raw(quiet.as_bytes(), inbox, config, folder="INBOX", uidvalidity=1, uid=100)
    return Seeded(
        tuple(refs), other.ref, tuple(subjects), tuple(attachments), tuple(cc_other), person_id
    )

