"""Real OS accounts and a group for the staff tests, and running `conduct` as one of them.

The accounts are made with useradd/groupadd (Debian's ``passwd`` package) and removed
afterwards; only root can do that, so the tests that need them skip elsewhere, saying so.
A command runs as an account in a forked child that drops to the account's uid, gid and
groups for good (setresuid) before `conduct`'s main runs: the file permissions, the store's
modes and ``pwd.getpwuid(os.geteuid())`` are the account's own. Forking, rather than a new
interpreter, because the test's Python may sit where other accounts cannot read it (under
/root); everything the command imports is imported first, while still root.
"""

from __future__ import annotations

import contextlib
import grp
import importlib
import io
import json
import os
import pwd
import shutil
import subprocess
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

# Every module a `conduct` command may import when it runs, imported before dropping root.
PRELOAD = (
    "conduct.cli",
    "conduct.admin_cmd",
    "conduct.case_cmd",
    "conduct.letter_cmd",
    "conduct.staff_cmd",
    "conduct.views",
    "conduct.group_init",
    "store.casebook",
    "store.access",
    "store.outbox",
    "store.staff",
    "store.staff_mail",
    "store.listing",
    "store.vault",
    "store.db",
    "casework.digest",
    "casework.ladder",
    "casework.workflow",
    "casework.restricted",
    "hashlib",
    "tinydb",
    "email.policy",
    "encodings.idna",
    "encodings.unicode_escape",
)


def need_root() -> None:
    """Skip, saying why, where accounts cannot be made."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create OS accounts and a group (CI runs the tests as root)")
    if shutil.which("useradd") is None or shutil.which("groupadd") is None:
        pytest.skip("needs useradd and groupadd (Debian package passwd)")


@dataclass(frozen=True)
class Result:
    """What a command run as an account did."""

    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Accounts:
    """A group and its member accounts, made for one test."""

    group: str
    users: dict[str, str]  # role-ish label -> account name

    def __getitem__(self, label: str) -> str:
        return self.users[label]


@contextlib.contextmanager
def staff_accounts(labels: Sequence[str], *, outsider: bool = True) -> Iterator[Accounts]:
    """A fresh group and one account per label in it (plus ``outsider``, not in the group)."""
    need_root()
    tag = f"{os.getpid() % 100000:05d}"
    group = f"cds{tag}"
    users = {label: f"cd{label[:5]}{tag}" for label in labels}
    if outsider:
        users["outsider"] = f"cdout{tag}"
    subprocess.run(["groupadd", group], check=True)
    made: list[str] = []
    try:
        for label, name in users.items():
            extra = [] if label == "outsider" else ["-G", group]
            subprocess.run(["useradd", "-M", "-N", "-s", "/bin/sh", *extra, name], check=True)
            made.append(name)
        yield Accounts(group, users)
    finally:
        for name in made:
            subprocess.run(["userdel", name], check=False)
        subprocess.run(["groupdel", group], check=False)


def run_as(account: str, config: Path, *argv: str) -> Result:
    """Run `conduct --config CONFIG ARGV...` as ``account``, in a child that cannot go back."""
    for name in PRELOAD:
        importlib.import_module(name)
    from conduct.cli import build_parser, main

    build_parser()  # every command's module, imported as root
    entry = pwd.getpwnam(account)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become the account, run, report, exit without cleanup
        os.close(read)
        try:
            os.setgroups(os.getgrouplist(account, entry.pw_gid))
            os.setresgid(entry.pw_gid, entry.pw_gid, entry.pw_gid)
            os.setresuid(entry.pw_uid, entry.pw_uid, entry.pw_uid)
            os.umask(0o022)
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--config", str(config), *argv])
            report = [code, out.getvalue(), err.getvalue()]
        except BaseException:  # noqa: BLE001 - the parent must hear about anything at all
            report = [99, "", traceback.format_exc()]
        with os.fdopen(write, "w", encoding="utf-8") as pipe:
            pipe.write(json.dumps(report))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, out, err = json.loads(data)
    return Result(int(code), str(out), str(err))


def group_of(path: Path) -> str:
    """The group owning a file."""
    return grp.getgrgid(path.stat().st_gid).gr_name
