"""`conduct letter ...`: draft a case's letter as a PDF, and move it towards the parent."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from casework.config import Config, find_config, load_config
from casework.outbox import LetterMove, LetterStateError, LetterStatus, draft_refusal
from conduct.sets import add_set_option, parse_sets

# The moves a person makes from the command line (the sender's own moves are the daemon's).
MOVE_HELP = {
    LetterMove.SUBMIT: "ask the headteacher to approve a letter",
    LetterMove.APPROVE: "approve a letter (the headteacher only)",
    LetterMove.QUEUE: "hand a letter to the daemon to send (or print, for post)",
    LetterMove.RETRY: "send again a letter that failed, whose outcome is unknown, or that was "
    "held because its moment passed (send it anyway)",
    LetterMove.POSTED: "record that a letter in the print queue has been posted",
    LetterMove.CONFIRM_SENT: "record that a letter whose outcome was unknown did reach the parent",
    LetterMove.CANCEL: "cancel a letter: it will not be sent (--reason says why)",
}


def register(sub: Any) -> None:
    """Add `letter` and its actions to the parser."""
    p = sub.add_parser("letter", help="draft, approve and queue letters")
    ls = p.add_subparsers(dest="letter_command", metavar="ACTION", required=True)

    k = ls.add_parser("kinds", help="the letter kinds and the fields each requires")
    k.add_argument("--json", action="store_true")
    k.set_defaults(handler=kinds, needs_config=False)

    r = ls.add_parser(
        "render", help="draft a letter for a case: a PDF kept in the vault and written to --out"
    )
    r.add_argument("ref")
    r.add_argument("kind", help="see `conduct letter kinds`")
    add_set_option(r, "fields of the letter, one or more KEY=VALUE")
    r.add_argument(
        "--out", type=Path, required=True, metavar="FILE.pdf", help="where to write the PDF"
    )
    r.set_defaults(handler=render)

    li = ls.add_parser("list", help="a case's letters, or every letter in one state")
    li.add_argument("ref", nargs="?")
    li.add_argument("--status", choices=[s.value for s in LetterStatus])
    li.set_defaults(handler=list_letters)

    for move, helptext in MOVE_HELP.items():
        a = ls.add_parser(move.value, help=helptext)
        a.add_argument("ref")
        a.add_argument("letter_id")
        if move is LetterMove.CANCEL:
            a.add_argument("--reason", required=True, help="why it will not be sent")
        a.set_defaults(handler=move_letter, move=move)


def kinds(args: argparse.Namespace) -> int:
    """List the kinds with their required fields: ours, and the school's own if it has a config."""
    from letters.kinds import KINDS, kinds_for

    path = find_config(args.config)
    found = kinds_for(load_config(path).policy.letter_kinds) if path.exists() else KINDS
    if args.json:
        print(
            json.dumps(
                {
                    k.name: {"title": k.english_title, "required": list(k.required), "own": k.own}
                    for k in found.values()
                },
                indent=2,
            )
        )
        return 0
    for k in found.values():
        own = " (the school's own)" if k.own else ""
        print(f"{k.name:<20} {k.english_title}{own}")
        print(f"{'':<20} requires: {', '.join(k.required)}")
    return 0


def render(args: argparse.Namespace, config: Config) -> int:
    """Render, keep in the vault, record the draft, write the PDF."""
    # Here, not at the top: `letter kinds` must not build the letter fields' classes.
    from casework.letter_context import KNOWN_FIELDS, LetterFieldError
    from casework.workflow import BAN_FIELDS
    from letters.compose import compose
    from letters.kinds import kinds_for
    from letters.render import renderer_for
    from store.casebook import Casebook
    from store.files import write_private
    from store.outbox import Outbox

    fields = parse_sets(args.set)
    # A school's own letter kind may read free fields of its own besides ours.
    kind = kinds_for(config.policy.letter_kinds).get(args.kind)
    own = kind.free_fields if kind is not None else ()
    allowed = [*KNOWN_FIELDS, *(f for f in own if f not in KNOWN_FIELDS)]
    unknown = sorted(set(fields) - set(allowed))
    ban_keys = [k for k in unknown if k in BAN_FIELDS or k == "reason"]
    if ban_keys:
        # The ban's terms and decisions are the case's record, not a letter's words: a letter
        # that said otherwise would contradict the ban it describes.
        raise LetterFieldError(
            f"--set: {ban_keys[0]!r} is part of the ban's record, not a letter field: give it "
            f"when the ban step is taken (conduct case step {args.ref} STEP --set "
            f"{ban_keys[0]}=...); the letter follows the record"
        )
    if unknown:
        raise LetterFieldError(
            f"--set: a letter has no field {unknown[0]!r}; the fields are: "
            + ", ".join(allowed)
        )
    out: Path = args.out
    if not out.parent.is_dir():
        raise LetterFieldError(f"--out: the directory {out.parent} does not exist; nothing drafted")
    book = Casebook(config)
    file = book.file(args.ref)
    refusal = draft_refusal(file.case, file.people)
    if refusal:
        raise LetterStateError(f"no letter can be drafted: {refusal}")
    person = file.people[0] if file.people else None
    letter = compose(
        renderer_for(config), config, file.case, person, args.kind, fields, book.clock.today()
    )
    # The file first: a letter that could not be written out is not recorded as drafted.
    write_private(out, letter.rendered.pdf)
    try:
        record = Outbox(book).add_draft(
            file.case.ref,
            args.kind,
            letter.rendered.pdf,
            fields=fields,
            subject=letter.subject,
            body_text=letter.rendered.covering_note,
            ics=letter.ics,
        )
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    approval = " (needs the headteacher's approval)" if record.needs_approval else ""
    print(
        f"{file.case.ref}: letter {record.id} ({args.kind}) drafted{approval}; "
        f"{letter.rendered.pages} page(s), sha256 {letter.rendered.sha256}, written to {args.out}"
    )
    return 0


def list_letters(args: argparse.Namespace, config: Config) -> int:
    """Print letters with their state."""
    from store.casebook import Casebook
    from store.outbox import Outbox

    book = Casebook(config)
    if args.ref:
        letters = book.letters(args.ref)
        if args.status:
            letters = [x for x in letters if x.status.value == args.status]
    else:
        statuses = [LetterStatus(args.status)] if args.status else list(LetterStatus)
        letters = Outbox(book).with_status(*statuses)
    for x in letters:
        extra = f"  ({x.last_error})" if x.last_error else ""
        print(f"{x.id}  {x.case_ref}  {x.kind:<20} {x.status.value:<18} {x.recipient_name}{extra}")
    if not letters:
        print("No letters.")
    return 0


def move_letter(args: argparse.Namespace, config: Config) -> int:
    """Submit, approve, queue, retry or mark posted: the rules in casework.outbox decide."""
    from store.casebook import Casebook
    from store.outbox import Outbox

    outbox = Outbox(Casebook(config))
    letter = outbox.move(args.ref, args.letter_id, args.move, error=getattr(args, "reason", "") or "")
    print(f"{letter.case_ref}: letter {letter.id} is now {letter.status.value}")
    if letter.status is LetterStatus.QUEUED and (trouble := outbox.sending_trouble()):
        print(
            f"conduct: warning: it is NOT sent yet: {trouble}. It goes when the daemon runs "
            f"(`conduct daemon`), unless its moment has passed by then: then it is held for you.",
            file=sys.stderr,
        )
    return 0
