"""Bad input gets one line naming what was wrong, never a traceback; what we write is private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conduct.cli import main
from store.vault import TMP
from tests.support.school import write_config


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    """A school with one case, C-2026-0001, with an incident recorded."""
    path = write_config(tmp_path, "warning-first")
    assert (
        main(
            [
                "--config",
                str(path),
                "case",
                "open",
                "--name",
                "Pat",
                "--email",
                "pat@example.org",
                "--behaviour",
                "swearing",
                "--summary",
                "x",
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "--config",
                str(path),
                "case",
                "record",
                "C-2026-0001",
                "incident",
                "x",
                "--set",
                "occurred_on=2026-03-02",
            ]
        )
        == 0
    )
    return path


def one_line(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run `conduct` expecting exit 1; return its one-line error."""
    cfg = args[0]
    assert main(["--config", cfg, *args[1:]]) == 1
    err = capsys.readouterr().err
    assert err.startswith("conduct: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["case", "show", "ZZZ"], "'ZZZ' is not a case reference"),
        (["case", "note", "C-26-1", "x"], "'C-26-1' is not a case reference"),
        (["case", "step", "C-2026-0001", "no-such-step"], "no step 'no-such-step' in the policy"),
        (["case", "step", "C-2026-0001", "warning", "--set", "colour=red"], "not colour"),
        (
            ["case", "record", "C-2026-0001", "incident", "x", "--set", "behaviours=spitting"],
            "'spitting' is not in the policy",
        ),
        (
            ["case", "open", "--name", " ", "--behaviour", "swearing", "--summary", "y"],
            "name: expected the person's name",
        ),
        (
            [
                "case",
                "open",
                "--name",
                "Sam",
                "--email",
                "sam at example",
                "--behaviour",
                "swearing",
                "--summary",
                "y",
            ],
            "email: expected one email address",
        ),
        (
            ["case", "open", "--name", "Sam", "--behaviour", "spitting", "--summary", "y"],
            "unknown behaviour 'spitting'",
        ),
        (
            ["letter", "render", "C-2026-0001", "warning", "--set", "colour=red", "--out", "x.pdf"],
            "a letter has no field 'colour'",
        ),
    ],
)
def test_a_mistake_is_one_line(
    cfg: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    assert says in one_line(capsys, str(cfg), *args)


def test_render_into_a_missing_directory_records_no_draft(
    cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line(
        capsys,
        str(cfg),
        "letter",
        "render",
        "C-2026-0001",
        "warning",
        "--out",
        str(tmp_path / "no-such-dir" / "warning.pdf"),
    )
    assert "no-such-dir does not exist" in err
    assert main(["--config", str(cfg), "letter", "list", "C-2026-0001"]) == 0
    assert capsys.readouterr().out.strip() == "No letters."


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_what_conduct_writes_is_private(
    cfg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, log = tmp_path / "warning.pdf", tmp_path / "daemon.log"
    before = os.umask(0o022)  # the usual umask, under which open() makes 0644 files
    try:
        render = ["letter", "render", "C-2026-0001", "warning", "--out", str(out)]
        assert main(["--config", str(cfg), *render]) == 0
        # No [mail] section: the daemon says so in its log and stops; the log is still private.
        assert main(["--config", str(cfg), "daemon", "--once", "--log", str(log)]) == 2
    finally:
        os.umask(before)
    assert mode(out) == 0o600 and mode(log) == 0o600
    vault = tmp_path / "data" / "vault"
    dirs = [p for p in vault.rglob("*") if p.is_dir()]
    assert len(dirs) >= 3  # .tmp and at least one two-level fan-out
    assert {oct(mode(d)) for d in dirs} == {oct(0o700)}


def test_partial_vault_files_left_by_a_crash_are_cleaned_at_start(cfg: Path) -> None:
    from casework.config import load_config
    from store.casebook import Casebook

    tmp = Casebook(load_config(cfg)).vault.root / TMP
    dead = tmp / "999999999.deadbeef"  # no such process
    dead.write_bytes(b"half of an email")
    mine = tmp / f"{os.getpid()}.cafe"  # a writer still at work
    mine.write_bytes(b"being written")
    Casebook(load_config(cfg))
    assert not dead.exists() and mine.exists()
