"""The store: private files, a tamper-evident audit log, a write-once vault, no stale reads."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from casework.config import Config
from store.casebook import Casebook
from store.db import META, SCHEMA_VERSION, Store, StoreError
from store.vault import Vault, VaultError
from tests.support.school import MakeConfig


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_0600_and_directories_0700(book: Casebook) -> None:
    book.open_case(name="Pat", behaviours=["swearing"], summary="x")
    root = book.store.root
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            assert mode(path) == 0o700, path
        else:
            assert mode(path) & 0o077 == 0, f"{path} is readable by others: {oct(mode(path))}"


def test_a_second_store_object_never_serves_stale_data(make_config: MakeConfig) -> None:
    config: Config = make_config()
    first, second = Casebook(config), Casebook(config)
    case = first.open_case(name="Pat", behaviours=["swearing"], summary="x")
    assert [c.ref for c in second.cases()] == [case.ref]  # cached empty shard refreshed
    second.note(case.ref, "from the second process")
    assert first.file(case.ref).events[-1].summary == "from the second process"


def test_audit_verify_names_the_first_edited_entry(book: Casebook) -> None:
    case = book.open_case(name="Pat", behaviours=["swearing"], summary="x")
    for i in range(3):
        book.note(case.ref, f"note {i}")
    log = book.store.audit.path
    lines = log.read_text().splitlines()
    entry = json.loads(lines[2])
    entry["actor"] = "someone else"
    lines[2] = json.dumps(entry)
    log.write_text("\n".join(lines) + "\n")
    chain = book.store.audit.verify()
    good, broken = chain.good, chain.broken
    assert good == 2 and broken is not None
    assert broken.line == 3 and broken.seq == 3 and "edited" in broken.reason


def test_audit_verify_cli_exits_1_on_a_deleted_entry(
    make_config: MakeConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    from conduct.cli import main

    config = make_config()
    book = Casebook(config)
    case = book.open_case(name="Pat", behaviours=["swearing"], summary="x")
    book.note(case.ref, "one")
    book.note(case.ref, "two")
    assert main(["--config", str(config.path), "audit", "verify"]) == 0
    log = book.store.audit.path
    lines = log.read_text().splitlines()
    del lines[1]
    log.write_text("\n".join(lines) + "\n")
    assert main(["--config", str(config.path), "audit", "verify"]) == 1
    assert "audit log broken at line 2" in capsys.readouterr().err


def test_vault_is_content_addressed_write_once_and_verified(tmp_path: Path) -> None:
    vault = Vault(tmp_path / "vault")
    sha = vault.put(b"raw email bytes")
    assert vault.put(b"raw email bytes") == sha
    assert vault.get(sha) == b"raw email bytes"
    path = vault.path_for(sha)
    assert mode(path) == 0o400
    path.chmod(0o600)
    path.write_bytes(b"altered")
    with pytest.raises(VaultError, match="altered"):
        vault.get(sha)
    with pytest.raises(VaultError, match="not a SHA-256"):
        vault.path_for("../../etc/passwd")


def test_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    with store.transaction("test") as tx:
        tx.table(META, "meta").update({"schema": SCHEMA_VERSION + 1}, doc_ids=[1])
    with pytest.raises(StoreError, match="upgrade Conduct Desk"):
        Store(tmp_path / "data")


def test_failed_transaction_leaves_nothing_behind(book: Casebook) -> None:
    case = book.open_case(name="Pat", behaviours=["swearing"], summary="x")
    with pytest.raises(RuntimeError), book.store.transaction("test") as tx:
        from store.records import Cases

        Cases(tx).put(case.__class__(**{**case.__dict__, "summary": "changed"}))
        raise RuntimeError("stop")
    assert book.get(case.ref).summary == "x"


def test_cases_come_by_status_oldest_reference_first(book: Casebook) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from casework.cases import CaseStatus
    from store.records import Cases

    refs = [
        book.open_case(name=f"Pat {i}", behaviours=["swearing"], summary=f"case {i}").ref
        for i in range(12)
    ]
    # Opened last, but dated a year earlier: its reference comes first.
    last_year = book.clock.now() - timedelta(days=400)
    early = book.open_case(name="Sam", behaviours=["swearing"], summary="old", at=last_year).ref
    refs.insert(0, early)
    closed = refs[::3]
    with book.store.transaction("test") as tx:
        cases = Cases(tx)
        for ref in closed:
            case = cases.get(ref)
            assert case is not None
            cases.put(replace(case, status=CaseStatus.CLOSED))
    assert [c.ref for c in book.cases("all")] == refs
    assert [c.ref for c in book.cases("closed")] == closed
    assert [c.ref for c in book.cases()] == [r for r in refs if r not in closed]
    assert {c.status for c in book.cases("closed")} == {CaseStatus.CLOSED}


def test_a_command_that_only_reads_finishes_an_interrupted_commit(book: Casebook) -> None:
    # A reader loads the commit code only when there is a commit to finish: this one is.
    from store.integrity import verify
    from tests.support.cli import conduct
    from tests.support.stores import leave_a_commit_pending

    config = book.config
    ref = book.open_case(name="Pat", behaviours=["swearing"], summary="x").ref
    leave_a_commit_pending(config, ref, "noted as the disk filled")
    data = config.store.data_dir
    assert (data / "journal.json").exists()
    # A version written before a commit point that never came (its writer was killed).
    (data / "tmp" / "4242-dead.json").write_bytes(b'{"cases": {}}')
    shown = json.loads(conduct(config.path, "case", "show", ref, "--json").stdout)
    assert shown["events"][-1]["summary"] == "noted as the disk filled"
    assert not (data / "journal.json").exists()
    assert list((data / "tmp").iterdir()) == []
    # Its audit entry was written too: the chain covers the note.
    report = verify(Casebook(config).store)
    assert report.ok, report.problems
    last = list(Casebook(config).store.audit.entries())[-1]
    assert any("note" in what for what in last["what"]), last
