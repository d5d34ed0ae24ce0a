"""`conduct init`, `check`, `audit verify` and `policy show`: setting up and checking a school."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from casework.config import Config, load_config
from casework.policy import PRESETS, preset_text
from casework.retention import RecordClass


def register(sub: Any) -> None:
    """Add the administrative commands to the parser."""
    p = sub.add_parser("init", help="create a school's config.toml and data directory")
    p.add_argument("dir", type=Path, help="directory to create the school in")
    p.add_argument(
        "--preset", choices=PRESETS, required=True, help="the policy ladder to start from"
    )
    p.add_argument("--school", default="Example Primary School", help="the school's name")
    p.set_defaults(handler=init, needs_config=False)

    p = sub.add_parser("check", help="validate the configuration")
    p.add_argument("--mail", action="store_true", help="also log in to IMAP and SMTP and report")
    p.set_defaults(handler=check)

    p = sub.add_parser("audit", help="the hash-chained audit log")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser("verify", help="check every link of the audit log; exit 1 if broken")
    v.set_defaults(handler=audit_verify)

    p = sub.add_parser("policy", help="the policy ladder")
    policy_sub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    s = policy_sub.add_parser("show", help="print the ladder and behaviours in effect")
    s.add_argument("--toml", metavar="PRESET", choices=PRESETS, help="print a preset's TOML source")
    s.set_defaults(handler=policy_show)


def reference_config() -> str:
    """The commented reference config.toml shipped with Conduct Desk."""
    from importlib import resources

    return resources.files("conduct").joinpath("reference_config.toml").read_text("utf-8")


def init(args: argparse.Namespace) -> int:
    """Write DIR/config.toml for a preset and create the data directory."""
    from store.db import Store
    from store.files import make_dir

    target: Path = args.dir
    config_path = target / "config.toml"
    if config_path.exists():
        print(f"conduct: {config_path} already exists; not overwriting it", file=sys.stderr)
        return 1
    make_dir(target)
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
    Store(config.store.data_dir)
    print(f"Created {config_path} ({args.preset}) and {config.store.data_dir}.")
    print(f"Edit the [school] and [mail] sections, then run: conduct --config {config_path} check")
    return 0


def check(args: argparse.Namespace, config: Config) -> int:
    """Report the configuration in effect (a bad one never gets this far)."""
    print(f"{config.path}: OK")
    print(f"  school: {config.school.name}")
    print(
        f"  policy: {config.policy.id} ({len(config.policy.steps)} steps, "
        f"{len(config.policy.all_behaviours)} behaviours)"
    )
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
    if args.mail:
        from conduct.mail_check import check_mail

        return check_mail(config)
    return 0


def audit_verify(args: argparse.Namespace, config: Config) -> int:
    """Walk the chain; name the first broken entry."""
    from store.db import Store

    store = Store(config.store.data_dir)
    good, broken = store.audit.verify()
    if broken is None:
        print(f"audit log intact: {good} entries verified ({store.audit.path})")
        return 0
    seq = f"entry {broken.seq}" if broken.seq is not None else "an entry"
    print(
        f"audit log BROKEN at line {broken.line} ({seq}): {broken.reason}. "
        f"{good} entries before it verified.",
        file=sys.stderr,
    )
    return 1


def policy_show(args: argparse.Namespace, config: Config) -> int:
    """Print the ladder in effect, or a preset's TOML."""
    if args.toml:
        print(preset_text(args.toml), end="")
        return 0
    policy = config.policy
    print(f"{policy.name} [{policy.id}]; the final decision rests with the {policy.final_decision}")
    print("\nSteps:")
    for step in policy.steps:
        extra = []
        if step.letter:
            extra.append(f"letter {step.letter}")
        if step.approval:
            extra.append("headteacher approves")
        if step.id == policy.first_step:
            extra.append("first")
        print(f"  {step.id:<22} {step.label}" + (f" ({', '.join(extra)})" if extra else ""))
        if step.next:
            print(f"  {'':<22}   then: {', '.join(step.next)}")
    print("\nBehaviours:")
    for b in policy.all_behaviours:
        kind = "online, " if b.online else ""
        print(f"  {b.id:<26} [{kind}{b.route.value}] {b.label}")
    return 0
