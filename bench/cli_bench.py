"""Start-up: the `conduct` command at 1,000 cases and the dashboard's first frame at 10,000,
each against a bare `python -c pass` timed in the same run.

Every figure is the median of --runs runs of a fresh process, timed from spawn to exit (for
the dashboard, from spawn to its first frame showing the case list, so interpreter start-up
and every import are included). The runs go round-robin, so drift in the machine's load
hits every command alike; the fastest run is printed beside the median, as this machine is
shared and its load moves, and so is the median CPU time (user + system) of each command,
which moves less than wall time when other work shares the machine. Bytecode caching is left on for the children, as in any installed
copy (PYTHONDONTWRITEBYTECODE is dropped), and one untimed run of each comes first.

Run from the repository root: .venv/bin/python -m bench.cli_bench [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.school import school_config, seed
from store.shard_cache import CASE_ROWS_FILE

# (label, target as a multiple of bare python, or None; target in seconds, or None)
TARGETS: dict[str, tuple[float | None, float | None]] = {
    "case list --json": (3.0, None),
    "case show REF": (3.0, None),
    "letter kinds": (4.0, None),
    "dashboard first frame": (None, 0.7),
}


def child_env() -> dict[str, str]:
    """The environment for timed children: ours, with bytecode caching allowed."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def conduct_command() -> list[str]:
    """The `conduct` console script beside this interpreter (what the office runs)."""
    script = Path(sys.executable).with_name("conduct")
    return [str(script)] if script.exists() else [sys.executable, "-m", "conduct.cli"]


# CPU seconds (user + system) of each timed child, by label: on a shared machine whose load
# moves, the CPU a command used says more than its wall time (which waits for the others).
CPU: dict[str, list[float]] = {}


def children_cpu() -> float:
    """CPU seconds used so far by this process's finished children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def time_process(
    argv: list[str],
    env: dict[str, str],
    label: str = "",
    before: Callable[[], object] | None = None,
) -> float:
    """Seconds from spawn to exit (its CPU seconds go to CPU[label]); the command must succeed.

    ``before`` runs first, untimed."""
    if before is not None:
        before()
    cpu = children_cpu()
    started = time.monotonic()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.monotonic() - started
    CPU.setdefault(label, []).append(children_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[-500:]}")
    return elapsed


def time_first_frame(config: Path, cases: int, env: dict[str, str]) -> tuple[float, float]:
    """(seconds from spawn to the dashboard's first frame, of which until imports were done)."""
    started = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.first_frame", str(config), str(cases)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    marks: dict[str, float] = {}
    for line in child.stdout:
        word, _, stamp = line.partition(" ")
        marks[word] = float(stamp)
        if word == "frame":
            break
    # The clock is CLOCK_MONOTONIC, shared by every process on the machine.
    if child.wait(timeout=60) != 0 or "frame" not in marks:
        raise SystemExit("the dashboard exited without drawing its first frame")
    return marks["frame"] - started, marks["imports"] - started


def main() -> None:
    """Seed two stores, time every command round-robin, print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    parser.add_argument("--cases", type=int, default=1000, help="cases for the commands")
    parser.add_argument("--dashboard-cases", type=int, default=10_000)
    args = parser.parse_args()
    env = child_env()
    conduct = conduct_command()
    with tempfile.TemporaryDirectory() as small, tempfile.TemporaryDirectory() as big:
        small_config = school_config(Path(small))
        seed(small_config, args.cases, events_per_case=10)
        big_config = school_config(Path(big))
        seed(big_config, args.dashboard_cases, events_per_case=3)
        cfg = ["--config", str(small_config.path)]
        ref = "C-2025-0500"
        timed: dict[str, Callable[[], float]] = {
            "python -c pass": lambda: time_process(
                [sys.executable, "-c", "pass"], env, "python -c pass"
            ),
            "case list --json": lambda: time_process(
                [*conduct, *cfg, "case", "list", "--json"], env, "case list --json"
            ),
            # The same with no copy of the rows (store/case_rows.py): the first listing
            # after an upgrade or a restore, when every shard is read and summarised again.
            "case list, no copy": lambda: time_process(
                [*conduct, *cfg, "case", "list", "--json"],
                env,
                "case list, no copy",
                before=lambda: (small_config.store.data_dir / CASE_ROWS_FILE).unlink(),
            ),
            "case show REF": lambda: time_process(
                [*conduct, *cfg, "case", "show", ref], env, "case show REF"
            ),
            "letter kinds": lambda: time_process([*conduct, "letter", "kinds"], env, "letter kinds"),
        }
        frames: list[tuple[float, float]] = []

        def first_frame() -> float:
            frames.append(time_first_frame(big_config.path, args.dashboard_cases, env))
            return frames[-1][0]

        timed["dashboard first frame"] = first_frame
        for fn in timed.values():  # untimed: bytecode written, files in the page cache
            fn()
        frames.clear()
        CPU.clear()
        runs: dict[str, list[float]] = {label: [] for label in timed}
        for _ in range(args.runs):
            for label, fn in timed.items():
                runs[label].append(fn())
    bare = statistics.median(runs["python -c pass"])
    bare_cpu = statistics.median(CPU["python -c pass"])
    print(
        f"{args.runs} runs each, round-robin; {args.cases} cases for the commands, "
        f"{args.dashboard_cases} for the dashboard"
    )
    print(f"{'what':<24} {'median':>9} {'x bare':>7} {'fastest':>9} {'cpu':>7} {'x bare':>6}  target")
    for label, times in runs.items():
        median = statistics.median(times)
        ratio_target, seconds_target = TARGETS.get(label, (None, None))
        target = (
            f"<= {ratio_target:g}x"
            if ratio_target
            else f"<= {seconds_target:g} s"
            if seconds_target
            else ""
        )
        met = ""
        if ratio_target:
            met = "met" if median / bare <= ratio_target else "NOT met"
        elif seconds_target:
            met = "met" if median <= seconds_target else "NOT met"
        fastest = min(times) * 1000
        cpu = f"{statistics.median(CPU[label]) * 1000:5.0f}ms" if label in CPU else ""
        cpu_ratio = f"{statistics.median(CPU[label]) / bare_cpu:5.1f}x" if label in CPU else ""
        print(
            f"{label:<24} {median * 1000:7.0f}ms {median / bare:6.1f}x {fastest:7.0f}ms "
            f"{cpu:>7} {cpu_ratio:>6}  {target} {met}"
        )
    imports = statistics.median(i for _, i in frames)
    print(f"  (dashboard: interpreter start-up and imports took {imports * 1000:.0f} ms of it)")


if __name__ == "__main__":
    main()
