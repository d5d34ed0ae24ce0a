"""The dashboard loads only what its first frame needs: other screens, forms and the store
watcher load when first used. (How long that takes is bench/cli_bench.py's business.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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


# Run in a fresh process: the dashboard holds the collector only the first time in a process.
COLLECTOR_PROBE = """
import asyncio, gc, sys
from pathlib import Path
from casework.config import load_config
from tests.support.school import write_config
from tests.support.pilot import settle
from tui.app import ConductApp

async def main():
    app = ConductApp(load_config(write_config(Path(sys.argv[1]), "warning-first")), watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        print(gc.isenabled(), gc.get_freeze_count() > 0)

asyncio.run(main())
"""


def test_once_the_dashboard_is_up_the_collector_runs_with_start_up_frozen(tmp_path: Path) -> None:
    # Off for the first read (a tenth of the first frame at 10,000 cases), never for good.
    done = subprocess.run(
        [sys.executable, "-c", COLLECTOR_PROBE, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert done.stdout.split() == ["True", "True"], done.stderr[-2000:]
