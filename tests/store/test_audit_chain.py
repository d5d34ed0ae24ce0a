"""Tamper evidence with no gaps: the chain vouches for the files, and its end cannot be cut off."""

from __future__ import annotations

import json
import os
from unittest import mock

import pytest

from casework.config import Config
from conduct.cli import main
from store.casebook import Casebook
from store.db import StoreError
from store.integrity import verify
from store.records import case_shard, events_file
from tests.support.school import MakeConfig


@pytest.fixture
def school(make_config: MakeConfig) -> tuple[Config, str]:
    """A school with one case and three notes on it."""
    config = make_config()
    book = Casebook(config)
    ref = book.open_case(name="Pat", behaviours=["swearing"], summary="x").ref
    for i in range(3):
        book.note(ref, f"note {i}")
    return config, ref


def run(config: Config, *args: str) -> int:
    return main(["--config", str(config.path), *args])


def audit_lines(config: Config) -> list[bytes]:
    return (config.store.data_dir / "audit.jsonl").read_bytes().splitlines(keepends=True)


def head_of(config: Config, capsys: pytest.CaptureFixture[str]) -> str:
    assert run(config, "audit", "verify") == 0
    return capsys.readouterr().out.strip().rsplit(" ", 1)[1]


def test_deleting_the_last_entries_shows_and_stops_writes_until_repaired(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    head = head_of(config, capsys)
    log = config.store.data_dir / "audit.jsonl"
    lines = audit_lines(config)
    log.write_bytes(b"".join(lines[:-2]))
    assert run(config, "audit", "verify") == 1
    err = capsys.readouterr().err
    assert f"ends at entry {len(lines) - 2} but" in err and "removed from the end" in err
    # The office can still read; nothing new is recorded on a log that lost its end.
    assert run(config, "case", "show", ref) == 0
    assert run(config, "case", "note", ref, "after the cut") == 1
    err = capsys.readouterr().err
    assert "audit entries are missing" in err and err.count("\n") == 1
    # The repair records the loss (never deleting an entry) and work goes on.
    assert run(config, "audit", "repair") == 0
    assert f"entries {len(lines) - 1} to {len(lines)} are missing" in capsys.readouterr().out
    assert audit_lines(config)[: len(lines) - 2] == lines[:-2]
    assert run(config, "audit", "verify") == 0
    assert "records a repair" in capsys.readouterr().out
    assert run(config, "case", "note", ref, "after the repair") == 0
    # The head taken before the cut (the daily digest) is no longer in the chain.
    assert run(config, "audit", "verify", "--against", head) == 1
    assert "lost and repaired" in capsys.readouterr().err


def test_an_emptied_log_fails_verify(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, _ = school
    (config.store.data_dir / "audit.jsonl").write_bytes(b"")
    assert run(config, "audit", "verify") == 1
    assert "ends at entry 0 but" in capsys.readouterr().err


def test_an_event_deleted_from_a_timeline_shows_even_after_later_writes(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    path = config.store.data_dir / events_file(ref)
    data = json.loads(path.read_bytes())
    del data["events"]["3"]  # "note 1"
    path.write_text(json.dumps(data, separators=(",", ":")))
    assert run(config, "audit", "verify") == 1
    assert f"{path} does not match the SHA-256 entry" in capsys.readouterr().err
    # A later write rewrites the file; the chain still shows the change made between.
    assert run(config, "case", "note", ref, "written over the edit") == 0
    assert run(config, "audit", "verify") == 1
    err = capsys.readouterr().err
    assert f"{events_file(ref)} was changed outside Conduct Desk between entry" in err


def test_verify_against_a_head_taken_earlier(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    head = head_of(config, capsys)
    Casebook(config).note(ref, "later")
    assert run(config, "audit", "verify", "--against", head) == 0
    assert f"contains {head} at entry 5" in capsys.readouterr().out
    assert run(config, "audit", "verify", "--against", "ab" * 32) == 1
    assert "does not contain" in capsys.readouterr().err
    assert run(config, "audit", "verify", "--against", "nothex") == 1
    err = capsys.readouterr().err
    assert err.startswith("conduct: --against expects") and err.count("\n") == 1


def test_after_a_torn_write_reads_work_and_the_next_write_completes_the_entry(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    good = audit_lines(config)
    real_write = os.write

    def short_write(fd: int, data: bytes | memoryview) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("audit.jsonl"):
            if len(data) > 1:
                return real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    with (
        mock.patch("store.files.os.write", side_effect=short_write),
        mock.patch("store.audit.os.ftruncate", side_effect=OSError(28, "No space left")),
    ):
        # The files were renamed into place: the commit is reported as done, not failed.
        case = Casebook(config).note(ref, "written as the disk filled")
    assert case.ref == ref
    data = config.store.data_dir
    assert not (data / "audit.jsonl").read_bytes().endswith(b"\n")
    assert (data / "journal.json").exists()
    # Every command still reads; none names a JSON error.
    assert run(config, "case", "show", ref) == 0
    assert "written as the disk filled" in capsys.readouterr().out
    # The next write finishes the interrupted entry from the journal, then records its own.
    assert run(config, "case", "note", ref, "after") == 0
    lines = audit_lines(config)
    assert lines[: len(good)] == good and len(lines) == len(good) + 2
    assert not (data / "journal.json").exists()
    assert verify(Casebook(config).store).ok


def test_a_damaged_end_of_the_log_is_named_and_repaired_without_losing_an_entry(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    log = config.store.data_dir / "audit.jsonl"
    good = audit_lines(config)
    log.write_bytes(b"".join(good) + b'{"seq": 6, "tx": "torn')
    assert run(config, "case", "list") == 0
    assert run(config, "case", "note", ref, "refused") == 1
    err = capsys.readouterr().err
    assert f"{log}: its last 22 byte(s), after entry 5" in err and "audit repair" in err
    assert run(config, "audit", "repair") == 0
    assert "22 damaged byte(s) after entry 5 set aside in audit-damaged-1.bin" in (
        capsys.readouterr().out
    )
    assert (config.store.data_dir / "audit-damaged-1.bin").read_bytes() == b'{"seq": 6, "tx": "torn'
    lines = audit_lines(config)
    assert lines[:5] == good and b"audit repaired" in lines[5]
    assert run(config, "audit", "verify") == 0
    assert run(config, "case", "note", ref, "after the repair") == 0
    assert run(config, "audit", "repair") == 0
    assert "nothing to repair" in capsys.readouterr().out


def test_a_full_disk_before_the_commit_point_changes_nothing(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    before = Casebook(config).file(ref).events
    with mock.patch("store.files.os.write", side_effect=OSError(28, "No space left on device")):
        with pytest.raises(StoreError, match="No space left on device; nothing was changed"):
            Casebook(config).note(ref, "never written")
        assert run(config, "case", "note", ref, "never written") == 1
    err = capsys.readouterr().err
    assert err.startswith("conduct: cannot write to the store at") and err.count("\n") == 1
    assert Casebook(config).file(ref).events == before
    assert list((config.store.data_dir / "tmp").iterdir()) == []
    assert verify(Casebook(config).store).ok


def test_a_counter_set_back_never_reuses_a_reference(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    meta = config.store.data_dir / "meta.json"
    data = json.loads(meta.read_bytes())
    data["counters"]["1"]["value"] = 0
    meta.write_text(json.dumps(data))
    book = Casebook(config)
    new = book.open_case(name="Sam", behaviours=["swearing"], summary="y")
    assert new.ref == "C-2026-0002" and book.get(ref).summary == "x"
    assert [e.summary for e in book.file(ref).events][-1] == "note 2"


def test_a_reference_in_use_is_never_handed_out_again(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, ref = school
    data = config.store.data_dir
    meta = json.loads((data / "meta.json").read_bytes())
    meta["counters"]["1"]["value"] = 0
    (data / "meta.json").write_text(json.dumps(meta))
    opened = ["case", "open", "--name", "Sam", "--behaviour", "swearing", "--summary", "y"]
    # The timeline is gone but the case's document is not: opening over it is refused.
    timeline = data / events_file(ref)
    kept = timeline.read_bytes()
    timeline.unlink()
    assert run(config, *opened) == 1
    err = capsys.readouterr().err
    assert f"{ref} already exists" in err and err.count("\n") == 1
    # The document is gone but the timeline is not: the timeline keeps its reference.
    timeline.write_bytes(kept)
    (data / case_shard(ref)).unlink()
    assert run(config, *opened) == 0
    assert capsys.readouterr().out.strip() == "C-2026-0002"
    assert json.loads(timeline.read_bytes()) == json.loads(kept)


def test_a_deleted_meta_json_is_not_taken_for_a_new_store(
    school: tuple[Config, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config, _ = school
    (config.store.data_dir / "meta.json").unlink()
    assert run(config, "case", "list") == 1
    err = capsys.readouterr().err
    assert "meta.json is missing but the store" in err and err.count("\n") == 1
