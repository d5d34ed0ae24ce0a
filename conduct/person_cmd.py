"""`conduct person ...`: parents, carers and other adults, added, found, edited and imported."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casework.config import Config
from casework.mis_import import SYSTEMS, choose_columns, mapping_columns, read_contacts
from casework.people import Person
from casework.person_fields import person_from_fields
from casework.serial import to_json

if TYPE_CHECKING:
    from store.register import ImportReport, PersonFile, Register


def _register(config: Config) -> Register:
    """The people register, opened when a command runs (--help loads no store)."""
    from store.casebook import Casebook
    from store.register import Register

    return Register(Casebook(config))


def _detail_options(p: argparse.ArgumentParser, *, adding: bool) -> None:
    p.add_argument("--name", required=adding, help="their name as letters address them")
    p.add_argument(
        "--email",
        action="append",
        metavar="ADDRESS",
        help="an email address (repeat for more; the first gets letters)",
    )
    p.add_argument(
        "--phone", action="append", metavar="NUMBER", help="a telephone number (repeat for more)"
    )
    p.add_argument(
        "--address",
        action="append",
        metavar="LINE",
        help="a line of the postal address (repeat, in order)",
    )
    p.add_argument("--channel", choices=["email", "post"], help="how letters go to them")
    p.add_argument(
        "--language", choices=["en", "cy", "cy+en"], help="the language of their letters"
    )
    lp = p.add_mutually_exclusive_group()
    lp.add_argument(
        "--large-print",
        dest="large_print",
        action="store_const",
        const="yes",
        help="letters in large print",
    )
    lp.add_argument("--no-large-print", dest="large_print", action="store_const", const="no")
    p.add_argument(
        "--child",
        action="append",
        metavar="'NAME; CLASS; yes|no'",
        help="a child, their class and whether this adult has parental responsibility (repeat)",
    )
    p.add_argument("--relationship", help="to the children: Mother, Grandfather, Carer ...")
    p.add_argument(
        "--signed-code", metavar="YYYY-MM-DD", help="when they signed the code of conduct"
    )
    p.add_argument("--mis-id", help="their id in the school's MIS")


def register(sub: Any) -> None:
    """Add `person` and its actions to the parser."""
    p = sub.add_parser("person", help="parents, carers and other adults: add, find, edit, import")
    ps = p.add_subparsers(dest="person_command", metavar="ACTION", required=True)

    a = ps.add_parser("add", help="add a person; prints their id")
    _detail_options(a, adding=True)
    a.add_argument("--json", action="store_true", help="print the record as JSON")
    a.set_defaults(handler=person_add)

    e = ps.add_parser("edit", help="change a person's details (only what you give changes)")
    e.add_argument("person_id")
    _detail_options(e, adding=False)
    e.set_defaults(handler=person_edit)

    s = ps.add_parser(
        "show", help="a person, the other adults responsible for their children, their cases"
    )
    s.add_argument("person_id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(handler=person_show)

    li = ps.add_parser("list", help="people, or those matching words (name, email, phone, child)")
    li.add_argument("words", nargs="*")
    li.add_argument("--json", action="store_true")
    li.set_defaults(handler=person_list)

    im = ps.add_parser(
        "import", help="add or update contacts from the MIS's CSV export (deletes nothing)"
    )
    im.add_argument("--csv", type=Path, required=True, metavar="FILE", help="the export")
    im.add_argument(
        "--system",
        choices=sorted(SYSTEMS),
        help="whose export it is (default: recognised by its columns)",
    )
    im.add_argument(
        "--mapping",
        type=Path,
        metavar="FILE.toml",
        help="[columns] naming the export's column for each field, for any other export",
    )
    im.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    im.set_defaults(handler=person_import)


def _given(args: argparse.Namespace) -> dict[str, str]:
    """The options given, as the text fields person_from_fields reads."""
    given: dict[str, str] = {}
    if args.name is not None:
        given["name"] = args.name
    if args.email is not None:
        given["emails"] = ", ".join(args.email)
    if args.phone is not None:
        given["phones"] = "; ".join(args.phone)
    if args.address is not None:
        given["address"] = "\n".join(args.address)
    for key in ("channel", "language", "large_print", "relationship", "mis_id"):
        if getattr(args, key) is not None:
            given[key] = getattr(args, key)
    if args.child is not None:
        given["children"] = "\n".join(args.child)
    if args.signed_code is not None:
        given["signed_code_on"] = args.signed_code
    return given


def person_add(args: argparse.Namespace, config: Config) -> int:
    """Add a person and print their id."""
    register_ = _register(config)
    person = person_from_fields(Person(id="", name=""), _given(args))
    saved = register_.add(person)
    print(json.dumps(to_json(saved.person), indent=2) if args.json else saved.person.id)
    return 0


def person_edit(args: argparse.Namespace, config: Config) -> int:
    """Apply the given details to a person; say what changed."""
    register_ = _register(config)
    before = register_.get(args.person_id)
    given = _given(args)
    if not given:
        print("conduct: nothing to change: give at least one option (see --help)", file=sys.stderr)
        return 1
    saved = register_.save(person_from_fields(before, given))
    if not saved.changes:
        print(f"{before.id}: nothing changed")
    for c in saved.changes:
        print(f"{before.id}: {c.field}: {c.before or '(none)'} -> {c.after or '(none)'}")
    return 0


def describe(file: PersonFile) -> str:
    """A person for a person to read in a terminal."""
    p = file.person
    lines = [f"{p.name}  ({p.id})" + ("  [not yet identified]" if p.placeholder else "")]
    rows = [
        ("emails", ", ".join(p.emails)),
        ("phones", ", ".join(p.phones)),
        ("address", ", ".join(p.address)),
        ("letters by", p.channel.value + (" (no email address: post)" if not p.emails else "")),
        ("language", p.language or "the school's"),
        ("format", "large print" if p.large_print else "standard print"),
        ("relationship", p.relationship),
        (
            "signed code",
            p.signed_code_on.isoformat() if p.signed_code_on else "no signed agreement recorded",
        ),
        ("MIS id", p.mis_id),
    ]
    lines += [f"  {label + ':':<14}{value}" for label, value in rows if value]
    for c in p.children:
        pr = (
            "parental responsibility" if c.parental_responsibility else "no parental responsibility"
        )
        cls = f", {c.class_name}" if c.class_name else ""
        lines.append(f"  child:        {c.name}{cls} ({pr})")
    for child, other in file.co_parents:
        lines.append(f"  also responsible for {child.name}: {other.name} ({other.id})")
    for case in file.cases:
        lines.append(f"  case:         {case.ref} {case.status.value}  {case.summary}")
    for e in file.history:
        lines.append(f"  {e.at:%Y-%m-%d %H:%M}  {e.summary}  ({e.actor})")
    return "\n".join(lines)


def person_show(args: argparse.Namespace, config: Config) -> int:
    """Show a person."""
    file = _register(config).file(args.person_id)
    if args.json:
        data = {
            "person": to_json(file.person),
            "also_responsible": [
                {"child": c.name, "person_id": o.id, "name": o.name} for c, o in file.co_parents
            ],
            "cases": [c.ref for c in file.cases],
            "history": [to_json(e) for e in file.history],
        }
        print(json.dumps(data, indent=2))
        return 0
    print(describe(file))
    return 0


def person_list(args: argparse.Namespace, config: Config) -> int:
    """List people (matching the words given)."""
    people = _register(config).find(" ".join(args.words), include_placeholders=True)
    if args.json:
        print(json.dumps([to_json(p) for p in people], indent=2))
        return 0
    if not people:
        print("Nobody matches." if args.words else "No people yet.")
    for p in people:
        children = ", ".join(c.name for c in p.children)
        print(f"{p.id:<28} {p.name:<24} {p.email or '':<30} {children}")
    return 0


def _read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        # utf-8-sig: exports saved by Excel start with a byte-order mark.
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            return list(reader.fieldnames or []), rows
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"{path} is not a readable CSV file (UTF-8): {exc}") from None


def person_import(args: argparse.Namespace, config: Config) -> int:
    """Read the export, match each contact, and report what changed."""
    headers, rows = _read_csv(args.csv)
    if args.mapping is not None:
        try:
            table = tomllib.loads(args.mapping.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ValueError(f"mapping {args.mapping}: {exc}") from None
        columns = table.get("columns")
        if not isinstance(columns, dict):
            raise ValueError(f"mapping {args.mapping}: expected a [columns] table")
        system, cols = "mapping", mapping_columns(headers, columns)
    else:
        system, cols = choose_columns(headers, args.system)
    plan = read_contacts(rows, cols, system)
    report = _register(config).import_contacts(plan, dry_run=args.dry_run)
    print(import_text(report, args.dry_run))
    return 0


def import_text(report: ImportReport, dry_run: bool) -> str:
    """What an import did, person by person."""
    would = "would be " if dry_run else ""
    lines = [
        f"{report.system} export: {len(report.added)} {would}added, {len(report.updated)} "
        f"{would}updated, {report.unchanged} unchanged, {len(report.problems)} left out"
        + (" (dry run: nothing changed)" if dry_run else "")
    ]
    for p in report.added:
        lines.append(f"  added    {p.id or '(new)'}  {p.name}")
    for p, diff in report.updated:
        lines.append(f"  updated  {p.id}  {p.name}: {', '.join(c.field for c in diff)}")
        lines += [
            f"             {c.field}: {c.before or '(none)'} -> {c.after or '(none)'}" for c in diff
        ]
    for problem in report.problems:
        lines.append(f"  left out {problem}")
    return "\n".join(lines)
