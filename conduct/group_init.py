"""`conduct init --group GROUP --head USER`: a school directory shared by the staff's group."""

from __future__ import annotations

import grp
import os
import pwd
import stat
from pathlib import Path

from casework.config import Config
from casework.staff import Actor, Role, StaffError, StaffMember, os_account
from store.db import Store
from store.staff import StaffBook


def check_group(group: str, head: str | None) -> int:
    """The group's id, once the group and the head's account exist and the head is in it."""
    try:
        entry = grp.getgrnam(group)
    except KeyError:
        raise StaffError(f"--group: there is no OS group {group!r} (create it: groupadd {group})") from None
    if head is not None:
        try:
            account = pwd.getpwnam(head)
        except KeyError:
            raise StaffError(f"--head: there is no OS account {head!r} (create it: adduser {head})") from None
        if head not in entry.gr_mem and account.pw_gid != entry.gr_gid:
            raise StaffError(
                f"--head: {head} is not in the group {group}: usermod -aG {group} {head}, then again"
            )
    return entry.gr_gid


def share_school_dir(target: Path, config_path: Path, gid: int) -> None:
    """The school's directory and config.toml readable by the group (written by their owner)."""
    os.chown(target, -1, gid)
    os.chmod(target, 0o750 | stat.S_ISGID)
    os.chown(config_path, -1, gid)
    os.chmod(config_path, 0o640)


def share_data_dir(data_dir: Path, gid: int) -> None:
    """The data directory made for the group before the store writes its first file in it.

    Its setgid bit makes every file and folder created in it belong to the group; the
    store sees the bit and writes 0660 files and 2770 folders (meta.json then records it).
    """
    data_dir.mkdir(mode=0o700, exist_ok=True)
    os.chown(data_dir, -1, gid)
    os.chmod(data_dir, 0o770 | stat.S_ISGID)


def register_head(
    store: Store, config: Config, account: str, name: str | None, email: str | None
) -> StaffMember:
    """Put the headteacher on the register: the one entry made by whoever sets the school up."""
    try:
        gecos = pwd.getpwnam(account).pw_gecos.split(",")[0].strip()
    except KeyError:
        raise StaffError(f"--head: there is no OS account {account!r}") from None
    address = email or config.school.email
    if not address:
        raise StaffError("--head-email: give the headteacher's address ([school] email is empty)")
    member = StaffMember(account, name or gecos or config.school.headteacher, address, Role.HEADTEACHER)
    # Set up by whoever runs init (often root): the register's first entry, on their authority.
    return StaffBook(store, Actor(os_account(), Role.HEADTEACHER)).add(member)
