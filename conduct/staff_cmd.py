"""`conduct staff add|list|edit|remove`: the staff register, kept by the headteacher."""

from __future__ import annotations

import argparse
import json
from typing import Any

from casework.config import Config
from casework.staff import Role

ROLES = [r.value for r in Role]


def register(sub: Any) -> None:
    """Add `staff` (and `digest`) to the parser."""
    register_digest(sub)
    p = sub.add_parser("staff", help="the staff register: who each OS account is, and their role")
    ss = p.add_subparsers(dest="staff_command", metavar="ACTION", required=True)

    a = ss.add_parser("add", help="put an OS account on the register (headteacher only)")
    a.add_argument("account", help="their OS user name on this server")
    a.add_argument("--name", required=True, help="their name, as the school writes it")
    a.add_argument("--email", required=True, help="their work address (notices and digests)")
    a.add_argument("--role", required=True, choices=ROLES, help="what they are to the policy")
    a.set_defaults(handler=staff_add)

    li = ss.add_parser("list", help="everyone on the register")
    li.add_argument("--json", action="store_true", help="machine-readable output")
    li.set_defaults(handler=staff_list)

    e = ss.add_parser("edit", help="change a member's name, address or role (headteacher only)")
    e.add_argument("account")
    e.add_argument("--name")
    e.add_argument("--email")
    e.add_argument("--role", choices=ROLES)
    e.set_defaults(handler=staff_edit)

    r = ss.add_parser("remove", help="take an account off the register (headteacher only)")
    r.add_argument("account")
    r.set_defaults(handler=staff_remove)


def register_digest(sub: Any) -> None:
    """Add `digest` to the parser."""
    d = sub.add_parser("digest", help="the daily digest the head and the office receive")
    d.add_argument("--print", action="store_true", required=True, help="print today's digest")
    d.set_defaults(handler=digest_print)


def digest_print(args: argparse.Namespace, config: Config) -> int:
    """Print today's digest, as the daemon sends it."""
    from casework.digest import digest_text
    from store.casebook import Casebook
    from store.staff_mail import digest_facts

    subject, body = digest_text(digest_facts(Casebook(config)))
    print(f"Subject: {subject}\n\n{body}", end="")
    return 0


def _book(config: Config) -> Any:
    from store.casebook import Casebook
    from store.staff import StaffBook

    book = Casebook(config)
    return StaffBook(book.store, book.actor)


def staff_add(args: argparse.Namespace, config: Config) -> int:
    """Add a member of staff; only the headteacher may."""
    from casework.staff import StaffMember

    member = StaffMember(args.account, args.name, args.email, Role(args.role))
    _book(config).add(member)
    print(f"Added {member.account}: {member.name} <{member.email}>, {member.role}.")
    return 0


def staff_list(args: argparse.Namespace, config: Config) -> int:
    """Print the register, and who you are."""
    from casework.staff import current_actor
    from store.db import Store
    from store.staff import load_register

    register = load_register(Store(config.store.data_dir))
    if args.json:
        rows = [
            {"account": m.account, "name": m.name, "email": m.email, "role": m.role.value}
            for m in register.members
        ]
        print(json.dumps({"shared": register.shared, "staff": rows}, indent=2))
        return 0
    for m in register.members:
        print(f"{m.account:<16} {m.role.value:<13} {m.name} <{m.email}>")
    if not register.members:
        print("Nobody is on the staff register yet.")
    print(f"You are {current_actor(register).described}.")
    return 0


def staff_edit(args: argparse.Namespace, config: Config) -> int:
    """Change a member's details; only the headteacher may."""
    if not (args.name or args.email or args.role):
        raise ValueError("staff edit: give --name, --email or --role")
    member = _book(config).edit(args.account, name=args.name, email=args.email, role=args.role)
    print(f"Changed {member.account}: {member.name} <{member.email}>, {member.role}.")
    return 0


def staff_remove(args: argparse.Namespace, config: Config) -> int:
    """Remove a member; only the headteacher may."""
    member = _book(config).remove(args.account)
    print(f"Removed {member.account} ({member.name}, {member.role}) from the staff register.")
    return 0
