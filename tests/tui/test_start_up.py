"""The dashboard loads only what its first frame needs: other screens, forms and the store
watcher load when first used. (How long that takes is bench/cli_bench.py's business.)"""

from __future__ import annotations

import json
import subprocess
import sys

# Loaded on first use: the case and people screens, every modal, the forms behind them,
# the PDF opener, and watchdog (the store is watched once the first frame is up); the case
# screen's columns, the outbox and the event payloads they need (the first letter moved or
# case opened loads them).
LATER = {
    "tui.screens.case",
    "tui.case_columns",
    "store.outbox",
    "casework.events",
    "casework.payloads",
    "tui.screens.people",
    "tui.screens.help_modal",
    "tui.screens.form_modal",
    "tui.screens.letter_modal",
    "tui.screens.evidence_modal",
    "tui.screens.event_modal",
    "tui.screens.reason_modal",
    "tui.forms",
    "tui.opener",
    "store.watch",
    "watchdog",
}


def test_the_dashboard_imports_nothing_its_first_frame_does_not_need() -> None:
    probe = "import json, sys, tui.app; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "tui.screens.dashboard" in loaded
    assert LATER & loaded == set()
