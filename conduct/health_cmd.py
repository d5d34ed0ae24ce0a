"""`conduct check --health [--alert]`: one line and an exit status for the IT provider's monitoring.

Nagios/Icinga plugin style: ``CONDUCT OK - ...``, ``CONDUCT WARNING - ...`` or ``CONDUCT
CRITICAL - ...`` on one line, exit 0, 1 or 2. With ``--alert`` (the conduct-health timer)
it also emails the alert address when something is critical, and when it clears.
"""

from __future__ import annotations

import argparse
import sys

from casework.clock import process_clock
from casework.config import find_config, load_config
from casework.health import Level
from casework.tomlread import ConfigError


def check_health(args: argparse.Namespace) -> int:
    """Print the one line and return its level; a configuration that cannot load is critical."""
    from store.health_report import health_report

    try:
        config = load_config(find_config(args.config))
    except ConfigError as exc:
        first = exc.problems[0] if exc.problems else "cannot be read"
        line = f"CONDUCT CRITICAL - the configuration has {len(exc.problems)} problem(s): {first}"
        print(" ".join(line.split()))
        return int(Level.CRITICAL)
    clock = process_clock()
    report = health_report(config, clock)
    print(report.line())
    if args.alert:
        from casework.health import Incident
        from mailer.alerts import send_alerts

        if not config.alerts.address:
            print("conduct: --alert: no [alerts] address in the configuration", file=sys.stderr)
        else:
            try:
                sent = send_alerts(config, report, clock, frozenset(Incident))
            except (OSError, ValueError) as exc:
                # The line above is monitoring's answer: a fault here must not change it.
                print(f"conduct: --alert: {exc}", file=sys.stderr)
                return int(report.level)
            if sent.error:
                print(f"conduct: cannot email {config.alerts.address}: {sent.error}", file=sys.stderr)
    return int(report.level)
