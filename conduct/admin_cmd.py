"""`conduct init`, `check`, `audit` and `policy show`: setting up and checking a school."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from casework.config import Config, find_config, load_config
from casework.policy import PRESETS, new_policy_text, preset_text
from casework.retention import RecordClass
from casework.tomlread import ConfigError
from conduct import audit_cmd

LANGUAGE_NAMES = {"en": "English", "cy": "Welsh", "cy+en": "Welsh and English"}


def register(sub: Any) -> None:
    """Add the administrative commands to the parser."""
    p = sub.add_parser("init", help="create a school's config.toml and data directory")
    p.add_argument("dir", type=Path, help="directory to create the school in")
    p.add_argument(
        "--preset", choices=PRESETS, required=True, help="the policy ladder to start from"
    )
    p.add_argument("--school", default="Example Primary School", help="the school's name")
    p.add_argument(
        "--group",
        help="share the data directory with this OS group (the staff and the daemon's "
        "account): setgid directories, files 0660, nothing world-readable",
    )
    p.add_argument("--head", metavar="USER", help="the headteacher's OS account (with --group)")
    p.add_argument("--head-name", help="the headteacher's name (default: from the account)")
    p.add_argument("--head-email", help="the headteacher's address (default: the school's)")
    p.set_defaults(handler=init, needs_config=False)

    p = sub.add_parser("check", help="validate the configuration")
    p.add_argument("--mail", action="store_true", help="also log in to IMAP and SMTP and report")
    p.add_argument(
        "--health",
        action="store_true",
        help="one line for monitoring; exit 0 ok, 1 warning, 2 critical",
    )
    p.add_argument(
        "--alert",
        action="store_true",
        help="with --health: email [alerts] address when critical, and when it clears",
    )
    p.set_defaults(handler=check_command, needs_config=False)

    audit_cmd.register(sub)

    p = sub.add_parser("policy", help="the policy ladder")
    policy_sub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    s = policy_sub.add_parser("show", help="print the ladder and behaviours in effect")
    s.add_argument(
        "--toml",
        metavar="PRESET",
        choices=PRESETS,
        help="print a preset's TOML source (a [policy] section; needs no config.toml)",
    )
    s.set_defaults(handler=policy_show, needs_config=False)
    n = policy_sub.add_parser(
        "new",
        help="write a complete, valid starting policy to paste into config.toml as [policy]",
    )
    n.add_argument("id", help="your policy's id: lower-case letters, digits and hyphens")
    n.add_argument("--from", dest="preset", choices=PRESETS, required=True, help="the preset to start from")
    n.add_argument("--name", help="your policy's name (default: from the preset's)")
    n.add_argument("--out", type=Path, metavar="FILE", help="write it to FILE (default: print it)")
    n.set_defaults(handler=policy_new, needs_config=False)


def reference_config() -> str:
    """The commented reference config.toml shipped with Conduct Desk."""
    from importlib import resources

    return resources.files("conduct").joinpath("reference_config.toml").read_text("utf-8")


def init(args: argparse.Namespace) -> int:
    """Write DIR/config.toml for a preset and create the data directory."""
    from conduct.group_init import check_group, share_data_dir, share_school_dir
    from store.db import Store
    from store.files import make_dir

    target: Path = args.dir
    config_path = target / "config.toml"
    if config_path.exists():
        print(f"conduct: {config_path} already exists; not overwriting it", file=sys.stderr)
        return 1
    if args.group and not args.head:
        print("conduct: init --group needs --head USER (the headteacher's account)", file=sys.stderr)
        return 1
    gid = check_group(args.group, args.head) if args.group else None
    make_dir(target, 0o700)
    text = reference_config()
    text = re.sub(r'^preset = ".*"', f'preset = "{args.preset}"', text, count=1, flags=re.M)
    name = args.school.replace("\\", "\\\\").replace('"', '\\"')
    text = re.sub(
        r'^name = "Example Primary School"', f'name = "{name}"', text, count=1, flags=re.M
    )
    fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    config = load_config(config_path)
    if gid is not None:
        share_school_dir(target, config_path, gid)
        share_data_dir(config.store.data_dir, gid)
    store = Store(config.store.data_dir)
    if args.head:
        from conduct.group_init import register_head

        head = register_head(store, config, args.head, args.head_name, args.head_email)
        print(f"The headteacher is {head.account} ({head.name} <{head.email}>).")
    if args.group:
        from casework.staff import os_account
        from store.staff import record_group

        record_group(store, args.group, os_account())
        print(
            f"Shared with the group {args.group}: add each member of staff to it "
            f"(usermod -aG {args.group} USER), and the headteacher adds them with "
            "`conduct staff add`."
        )
    print(f"Created {config_path} ({args.preset}) and {config.store.data_dir}.")
    print(f"Edit the [school] and [mail] sections, then run: conduct --config {config_path} check")
    return 0


def check_command(args: argparse.Namespace) -> int:
    """`conduct check`: the configuration in full, or with --health one line for monitoring."""
    if args.alert and not args.health:
        print("conduct: check --alert goes with --health", file=sys.stderr)
        return 1
    if not args.health:
        return check(args, load_config(find_config(args.config)))
    from conduct.health_cmd import check_health

    return check_health(args)


def check(args: argparse.Namespace, config: Config) -> int:
    """Report the configuration in effect; the letters' templates are checked too."""
    from letters.check import check_letters

    problems = check_letters(config)
    if problems:
        raise ConfigError(problems)
    print(f"{config.path}: OK")
    print(f"  school: {config.school.name}")
    letters = sum(1 for s in config.policy.steps if s.letter)
    notices = sum(1 for s in config.policy.steps if s.notify)
    print(
        f"  policy: {config.policy.id} ({len(config.policy.steps)} steps, "
        f"{len(config.policy.all_behaviours)} behaviours, {letters} letters, "
        f"{notices} internal notices, {len(config.policy.letter_kinds)} letter kinds of "
        f"its own); every template compiles"
    )
    print(f"  letters: in {LANGUAGE_NAMES[config.letters.language]} unless a person's record says otherwise")
    print(f"  data:   {config.store.data_dir}")
    schedule = config.retention
    state = "confirmed by the school" if schedule.confirmed else "NOT yet confirmed by the school"
    print(
        f"  retention: {state} ([retention]); closed cases reviewed after "
        f"{schedule.period(RecordClass.CONDUCT_CASE)}"
    )
    if config.mail is None:
        print("  mail:   not configured (no [mail] section)")
    else:
        print(
            f"  mail:   {config.mail.imap.user} at {config.mail.imap.host}:{config.mail.imap.port}, "
            f"watching {config.mail.imap.folder} for {config.mail.imap.watch_flag}"
        )
        print(f"  daemon: {_daemon_line(config)}")
    if args.mail:
        from conduct.mail_check import check_mail

        return check_mail(config)
    return 0


def _daemon_line(config: Config) -> str:
    """What the daemon's health record says, checked against the process table."""
    from casework.clock import process_clock
    from casework.health import daemon_summary
    from store.db import Store, StoreError
    from store.liveness import daemon_health

    try:
        health = daemon_health(Store(config.store.data_dir))
    except (OSError, StoreError):
        return "unknown (the data directory cannot be read)"
    return daemon_summary(health, process_clock().now())


def policy_show(args: argparse.Namespace) -> int:
    """Print the ladder in effect, or a preset's TOML (which needs no configuration)."""
    if args.toml:
        print(preset_text(args.toml), end="")
        return 0
    policy = load_config(find_config(args.config)).policy
    print(f"{policy.name} [{policy.id}]; the final decision rests with the {policy.final_decision}")
    print("\nSteps:")
    for step in policy.steps:
        extra = []
        if step.letter:
            extra.append(f"letter {step.letter}")
        if step.approval:
            extra.append("headteacher approves")
        if step.notify:
            extra.append(f"notifies {', '.join(step.notify)}")
        if step.id == policy.first_step:
            extra.append("first")
        print(f"  {step.id:<22} {step.label}" + (f" ({', '.join(extra)})" if extra else ""))
        if step.next:
            print(f"  {'':<22}   then: {', '.join(step.next)}")
    print("\nBehaviours:")
    for b in policy.all_behaviours:
        kind = "online, " if b.online else ""
        print(f"  {b.id:<26} [{kind}{b.route.value}] {b.label}")
    if policy.complaints.route or policy.complaints.url:
        print("\nRaising a concern or complaint:")
        for i, line in enumerate(policy.complaints.route, 1):
            print(f"  {i}. {line}")
        if policy.complaints.url:
            print(f"  The complaints procedure: {policy.complaints.url}")
    return 0


def policy_new(args: argparse.Namespace) -> int:
    """Print (or write) a preset renamed as the school's own policy, checked before it is shown."""
    text = new_policy_text(args.preset, args.id, args.name)
    if args.out is not None:
        if args.out.exists():
            print(f"conduct: {args.out} already exists; not overwriting it", file=sys.stderr)
            return 1
        args.out.write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}: replace the [policy] section of config.toml with it.")
        return 0
    print(text, end="")
    return 0
