"""`conduct case ...`: open, list, show and work cases from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework.cases import Severity
from casework.event_types import RECORDABLE, EventType
from conduct.sets import add_set_option, parse_sets

if TYPE_CHECKING:
    from casework.cases import Case
    from casework.config import Config

# Only the parser is built at import. Each handler imports what it works with: listing
# cases must not pay for the event payload classes, the ladder or the workflow.

def register(sub: Any) -> None:
    """Add `case` and its actions to the parser."""
    p = sub.add_parser("case", help="open, list, show and work cases")
    cs = p.add_subparsers(dest="case_command", metavar="ACTION", required=True)

    o = cs.add_parser("open", help="open a case and print its reference")
    o.add_argument("--name", required=True, help="who the case is about")
    o.add_argument("--email", help="their email address (matches a known parent)")
    o.add_argument(
        "--behaviour",
        nargs="+",
        required=True,
        metavar="ID",
        help="behaviour ids (see `conduct policy show`)",
    )
    o.add_argument("--summary", required=True, help="one line: what happened")
    o.add_argument("--severity", choices=[s.value for s in Severity], default="medium")
    o.add_argument("--reporter", help="who reported it (default: you)")
    o.add_argument("--json", action="store_true", help='print {"ref": ...}')
    o.set_defaults(handler=case_open)

    li = cs.add_parser("list", help="list cases")
    li.add_argument("--status", choices=["open", "closed", "all"], default="open")
    li.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    li.set_defaults(handler=case_list)

    sh = cs.add_parser("show", help="a case with its timeline and evidence hashes")
    sh.add_argument("ref")
    sh.add_argument("--json", action="store_true", help="machine-readable output (see README)")
    sh.set_defaults(handler=case_show)

    st = cs.add_parser("step", help="move a case to a step of the ladder")
    st.add_argument("ref")
    st.add_argument("step", help="step id (see `conduct policy show`)")
    st.add_argument("--reason", help="why, when the step does not follow on the ladder")
    add_set_option(
        st,
        "details for the step: reasons, scope, review_on, representations_deadline, "
        "outcome, reference, next_review_on ...",
    )
    st.set_defaults(handler=case_step)

    n = cs.add_parser("note", help="add a note to a case's timeline")
    n.add_argument("ref")
    n.add_argument("text")
    n.set_defaults(handler=case_note)

    r = cs.add_parser("record", help="record an event: " + ", ".join(t.value for t in RECORDABLE))
    r.add_argument("ref")
    r.add_argument("type", choices=[t.value for t in RECORDABLE])
    r.add_argument("text", help="what happened, in a line")
    add_set_option(r, _record_fields_help)
    r.set_defaults(handler=case_record)

    e = cs.add_parser("evidence", help="keep a file as evidence on a case")
    e.add_argument("ref")
    e.add_argument("file", type=Path)
    e.set_defaults(handler=case_evidence)

    ro = cs.add_parser("reopen", help="reopen a closed case")
    ro.add_argument("ref")
    ro.add_argument("--reason", required=True)
    ro.set_defaults(handler=case_reopen)

    kc = cs.add_parser("keep-closed", help="a reply reached a closed case: leave it closed, saying why")
    kc.add_argument("ref")
    kc.add_argument("--reason", required=True)
    kc.set_defaults(handler=case_keep_closed)

    idf = cs.add_parser(
        "identify", help="say who a case about 'To be identified' is about (a person's id)"
    )
    idf.add_argument("ref")
    idf.add_argument("person_id", help="see `conduct person list`; add a new one with `person add`")
    idf.set_defaults(handler=case_identify)

    sp = cs.add_parser("split", help="move an email threaded into the wrong case to a new case")
    sp.add_argument("ref")
    sp.add_argument("event_id", help="the email's evidence event (case show --json lists them)")
    sp.add_argument("--name", required=True, help="who the new case is about")
    sp.add_argument("--email", help="their email address")
    sp.add_argument("--behaviour", nargs="+", required=True, metavar="ID")
    sp.add_argument("--summary", required=True, help="what the new case is about")
    sp.set_defaults(handler=case_split)

    ho = cs.add_parser("hold", help="put a case under legal hold: it cannot be disposed of")
    ho.add_argument("ref")
    ho.add_argument("--reason", required=True, help="an open complaint, a police referral, ...")
    ho.set_defaults(handler=case_hold)

    rl = cs.add_parser("release", help="release a case's legal hold")
    rl.add_argument("ref")
    rl.add_argument("--reason", required=True, help="why the hold is no longer needed")
    rl.set_defaults(handler=case_release)


def _record_fields_help() -> str:
    """Each recordable type's --set keys: read from the payload classes, so loaded only here."""
    from casework.recording import recordable_fields

    return "; ".join(
        f"{t.value}: {', '.join(recordable_fields(t))}" for t in RECORDABLE if recordable_fields(t)
    )


def case_open(args: argparse.Namespace, config: Config) -> int:
    """Open a case; print its reference."""
    from store.casebook import Casebook

    case = Casebook(config).open_case(
        name=args.name,
        email=args.email,
        behaviours=args.behaviour,
        summary=args.summary,
        severity=Severity(args.severity),
        reporter=args.reporter,
    )
    print(json.dumps({"ref": case.ref}) if args.json else case.ref)
    return 0


def case_list(args: argparse.Namespace, config: Config) -> int:
    """List cases, newest activity first."""
    from conduct import views
    from store.case_rows import case_rows
    from store.casebook import Casebook

    book = Casebook(config)
    today = book.clock.today()

    def row(case: Case) -> str:
        return json.dumps(views.case_summary(config, case, today))

    # Each row is the JSON that --json prints, one case to a line: json's indent= takes its
    # pure-Python encoder. Unchanged shards' rows come from the store's copy (store/case_rows.py).
    status = None if args.status == "all" else args.status
    rows = case_rows(book, status, today, row, views.CASE_ROW_FORMAT)
    if args.json:
        print("[\n  " + ",\n  ".join(rows) + "\n]" if rows else "[]")
        return 0
    if not rows:
        print(f"No {args.status} cases." if args.status != "all" else "No cases.")
        return 0
    print(f"{'REFERENCE':<13} {'PERSON':<22} {'STEP':<20} {'LAST ACTIVITY':<17} NEXT DUE")
    for text in rows:
        c = json.loads(text)
        due = c["next_due"]
        due_text = f"{due['on']} {due['what']}" if due else ""
        person = ", ".join(c["subjects"])[:22]
        last = datetime.fromisoformat(c["last_activity"])
        print(f"{c['ref']:<13} {person:<22} {c['step']:<20} {last:%Y-%m-%d %H:%M}  {due_text}")
    return 0


def case_show(args: argparse.Namespace, config: Config) -> int:
    """Show a case, its timeline and evidence."""
    from conduct import views
    from store.access import view_case
    from store.casebook import Casebook

    book = Casebook(config)
    seen = view_case(book, args.ref, "case show")
    if seen.file is None:
        # Withheld: that the record exists, and whom to ask; nothing of its content.
        if args.json:
            print(
                json.dumps(
                    {"version": 1, "ref": seen.ref, "restricted": True, "notice": seen.notice}
                )
            )
        else:
            print(seen.notice)
        return 0
    file = seen.file
    letters = book.letters(file.case.ref)
    today = book.clock.today()
    if args.json:
        print(json.dumps(views.case_detail(config, file, letters, today), indent=2))
        return 0
    print(views.case_text(config, file, letters, today))
    return 0


def case_step(args: argparse.Namespace, config: Config) -> int:
    """Move a case on the ladder."""
    from store.casebook import Casebook

    case = Casebook(config).step(
        args.ref, args.step, reason=args.reason, fields=parse_sets(args.set)
    )
    step = config.policy.step(case.step)
    print(
        f"{case.ref}: now at {case.step} ({step.label})"
        + ("; case closed" if not case.is_open else "")
    )
    if step.notify:
        print(f"  an internal notice is due to {', '.join(step.notify)}")
    return 0


def case_note(args: argparse.Namespace, config: Config) -> int:
    """Add a note."""
    from store.casebook import Casebook

    case = Casebook(config).note(args.ref, args.text)
    print(f"{case.ref}: note added")
    return 0


def case_record(args: argparse.Namespace, config: Config) -> int:
    """Record an event of one of the recordable types."""
    from casework.meetings import required_attendees
    from casework.policy_terms import complaint_guidance
    from casework.recording import recorded_payload
    from store.casebook import Casebook

    book = Casebook(config)
    etype = EventType(args.type)
    payload = recorded_payload(
        etype,
        args.text,
        parse_sets(args.set),
        policy=config.policy,
        today=book.clock.today(),
        calendar=config.calendar,
        attendees_required=required_attendees(config, book.get(args.ref).step)
        if etype is EventType.MEETING_SCHEDULED
        else (),
    )
    case = book.add(args.ref, etype, args.text, payload)
    print(
        f"{case.ref}: {etype.value} recorded"
        + (" (harassment flag raised)" if "harassment" in case.flags else "")
    )
    if etype is EventType.COMPLAINT_RAISED:
        # The policy's own route for a concern, so the office can tell the parent where it goes.
        for line in complaint_guidance(config.policy.complaints):
            print(f"  {line}")
    return 0


def case_evidence(args: argparse.Namespace, config: Config) -> int:
    """Store a file in the vault and add it to the case's timeline."""
    from casework.payloads import EvidenceAdded, EvidenceKind
    from store.casebook import Casebook

    book = Casebook(config)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"conduct: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    book.get(args.ref)
    sha = book.vault.put(data)
    evidence = EvidenceAdded(EvidenceKind.FILE, sha, args.file.name, size=len(data))
    book.add(args.ref, EventType.EVIDENCE_ADDED, f"Evidence added: {args.file.name}", evidence)
    print(f"{args.ref.upper()}: evidence {args.file.name} kept as {sha}")
    return 0


def case_reopen(args: argparse.Namespace, config: Config) -> int:
    """Reopen a closed case."""
    from store.casebook import Casebook

    case = Casebook(config).reopen(args.ref, args.reason)
    print(f"{case.ref}: reopened")
    return 0


def case_keep_closed(args: argparse.Namespace, config: Config) -> int:
    """Record that a reply to a closed case was read and the case stays closed."""
    from store.casebook import Casebook

    case = Casebook(config).keep_closed(args.ref, args.reason)
    print(f"{case.ref}: stays closed")
    return 0


def case_identify(args: argparse.Namespace, config: Config) -> int:
    """Point a case about 'To be identified' at a known person."""
    from store.casebook import Casebook
    from store.register import Register

    case = Register(Casebook(config)).identify(args.ref, args.person_id)
    print(f"{case.ref}: about {', '.join(s.name for s in case.subjects)}")
    return 0


def case_split(args: argparse.Namespace, config: Config) -> int:
    """Split an email off into a new case, as the dashboard's y does."""
    from store.casebook import Casebook

    new = Casebook(config).split_email(
        args.ref,
        args.event_id,
        name=args.name,
        email=args.email,
        behaviours=args.behaviour,
        summary=args.summary,
    )
    print(f"{args.ref.upper()}: the email is now evidence on {new.ref}")
    return 0


def case_hold(args: argparse.Namespace, config: Config) -> int:
    """Put a case under legal hold."""
    from casework.fold import CaseRuleError
    from casework.payloads import LegalHold
    from store.casebook import Casebook

    book = Casebook(config)
    case = book.get(args.ref)
    if case.hold:
        raise CaseRuleError(f"{case.ref} is already under legal hold ({case.hold})")
    book.add(case.ref, EventType.LEGAL_HOLD, f"Legal hold: {args.reason}", LegalHold(args.reason))
    print(f"{case.ref}: under legal hold; it will not be disposed of until released")
    return 0


def case_release(args: argparse.Namespace, config: Config) -> int:
    """Release a case's legal hold."""
    from casework.fold import CaseRuleError
    from casework.payloads import LegalHold
    from store.casebook import Casebook

    book = Casebook(config)
    case = book.get(args.ref)
    if not case.hold:
        raise CaseRuleError(f"{case.ref} is not under legal hold")
    summary = f"Legal hold released: {args.reason}"
    book.add(case.ref, EventType.HOLD_RELEASED, summary, LegalHold(args.reason))
    print(f"{case.ref}: legal hold released")
    return 0
