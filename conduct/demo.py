"""`conduct demo`: a throwaway school with fictional cases, to see Conduct Desk working."""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path
from typing import Any

from casework.config import load_config
from conduct.admin_cmd import reference_config
from conduct.demo_seed import seed_demo_cases
from store.casebook import Casebook
from store.files import make_dir

DEMO_SCHOOL = "Exampleton Primary School (demo)"


def register(sub: Any) -> None:
    """Add `demo` to the parser."""
    p = sub.add_parser("demo", help="a throwaway school with fictional cases")
    p.add_argument(
        "--dir", type=Path, help="workspace to create or reuse (default: a temporary one)"
    )
    p.set_defaults(handler=demo, needs_config=False)


def make_workspace(directory: Path) -> tuple[Path, bool]:
    """Create the demo school's config and data in ``directory`` unless it is there already."""
    make_dir(directory)
    config_path = directory / "config.toml"
    if config_path.exists():
        return config_path, False
    text = reference_config()
    text = re.sub(
        r'^name = "Example Primary School"', f'name = "{DEMO_SCHOOL}"', text, count=1, flags=re.M
    )
    text = re.sub(r'^# name = "Mrs D. Office"', 'name = "Mrs D. Office"', text, count=1, flags=re.M)
    config_path.write_text(text, encoding="utf-8")
    config_path.chmod(0o600)
    return config_path, True


def demo(args: argparse.Namespace) -> int:
    """Make (or reuse) the workspace, seed it, and show what is there."""
    directory = args.dir or Path(tempfile.mkdtemp(prefix="conduct-demo-"))
    config_path, fresh = make_workspace(directory)
    config = load_config(config_path)
    book = Casebook(config)
    if fresh:
        seed_demo_cases(book)
    print(f"Demo school: {config.school.name}  ({config.policy.id} ladder)")
    print(f"Workspace:   {directory}\n")
    for case in book.cases("all"):
        step = config.policy.step(case.step).label
        print(f"  {case.ref}  {case.subjects[0].name:<14} {step}")
    print(f"\nTry:  .venv/bin/conduct --config {config_path} case show {book.cases('all')[-1].ref}")
    return 0
