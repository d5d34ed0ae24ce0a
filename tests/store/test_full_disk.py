"""A real full disk: a 2 MB tmpfs filled up, then freed 4 KB at a time while the office works.

Every command either succeeds or fails in one line; nothing is half-written (no torn audit
line, no partial temporary file left), every write reported as done is there afterwards,
and the audit log verifies once space is back. Mounting needs root; where it is not allowed
the same failures are simulated at the os.write level in test_audit_chain.py.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.config import load_config
from conduct.cli import main
from store.casebook import Casebook
from store.integrity import verify
from tests.support.school import write_config

PAGE = 4096


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs of the test's own, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (the full disk is simulated in test_audit_chain)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); simulated instead")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(path: Path) -> int:
    """Write to ``path`` until the disk is full; return its size."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (65536, PAGE, 512, 1):
            while True:
                try:
                    os.write(fd, b"\0" * chunk)
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    finally:
        os.close(fd)
    return path.stat().st_size


def test_a_disk_that_fills_up_loses_nothing_and_tears_nothing(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = write_config(small_disk, "warning-first")
    config = load_config(cfg)
    ref = Casebook(config).open_case(name="Pat", behaviours=["swearing"], summary="x").ref
    evidence = small_disk / "photo.jpg"
    evidence.write_bytes(os.urandom(3 * PAGE))
    filler = small_disk / "filler"
    size = fill(filler)
    data = config.store.data_dir
    done: list[str] = []
    failures = 0
    step = 0
    while len(done) < 12:
        step += 1
        assert step < 400, "never got going again"
        note = f"note {step}"
        for args in (["case", "note", ref, note], ["case", "evidence", ref, str(evidence)]):
            code = main(["--config", str(cfg), *args])
            err = capsys.readouterr().err
            if code == 0:
                done.append(note) if args[1] == "note" else None
            else:
                failures += 1
                assert err.startswith("conduct: ") and err.count("\n") == 1, err
                assert "No space left on device" in err and "Traceback" not in err
            # Whole or absent: no torn audit line, no half-written temporary file left.
            assert (data / "audit.jsonl").read_bytes().endswith(b"\n")
            assert list((data / "vault" / ".tmp").iterdir()) == []
        size = max(0, size - PAGE)
        os.truncate(filler, size)
    assert failures > 0, "the disk was never full"
    filler.unlink()
    book = Casebook(config)
    notes = [e.summary for e in book.file(ref).events if e.type.value == "note"]
    assert [n for n in done if n not in notes] == []
    assert list((data / "tmp").iterdir()) == []
    report = verify(book.store)
    assert report.ok, report.problems
