"""Is the daemon that wrote health.json still running? Host, pid, boot id and start time say.

A SIGKILLed daemon leaves its last record ("idle") behind; without this check the dashboard
would show it green until the record grows stale. The pid alone is not enough: after a
reboot, or once pids wrap, another process may hold it, so the boot id and the process's
start time (field 22 of /proc/PID/stat, in clock ticks since boot) are recorded with it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import replace
from pathlib import Path

from casework.mailrecords import DaemonState, Health
from casework.record import record
from store.db import Store
from store.maillog import MailLog

_PROC = Path("/proc")


@record
class ProcessMark:
    """What identifies a running process beyond its pid."""

    host: str
    boot_id: str
    started: str


def _boot_id() -> str:
    try:
        return (_PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str:
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def mark_of(pid: int) -> ProcessMark:
    """This host's name and boot id, and the start time of process ``pid``."""
    return ProcessMark(socket.gethostname(), _boot_id(), _start_time(pid))


def process_alive(host: str, pid: int, boot_id: str, started: str) -> bool | None:
    """True/False when this host can tell; None for a process on another host (or no pid)."""
    if not pid or not host or host != socket.gethostname():
        return None
    if boot_id and _boot_id() and boot_id != _boot_id():
        return False  # the machine has restarted since
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    if started:
        now = _start_time(pid)
        if now and now != started:
            return False  # the pid now belongs to another process
    return True


def checked(health: Health | None) -> Health | None:
    """The health record, with its state "not running" when the process that wrote it is gone."""
    if health is None or health.state in (DaemonState.STOPPED, DaemonState.GONE):
        return health
    if process_alive(health.host, health.pid, health.boot_id, health.started) is not False:
        return health
    return replace(
        health,
        state=DaemonState.GONE,
        detail=(
            f"process {health.pid} on {health.host} is gone: the daemon was killed or crashed "
            f"(its last word was {health.state.value!r}); start it again"
        ),
    )


def daemon_health(store: Store) -> Health | None:
    """The daemon's last health record, checked against the process table of this host."""
    return checked(MailLog(store).health())
