"""Every store file emptied, truncated, garbled and mis-shaped in turn: a clear error naming
the file, and never a silent loss (the write that follows must not make the damage permanent).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from casework.config import load_config
from casework.mailthread import IncomingMail
from conduct.cli import main
from store.casebook import Casebook
from store.db import StoreError
from store.inbox import Inbox
from tests.support.school import write_config
from tests.support.stores import Populated, leave_a_commit_pending, populate, snapshot


@dataclass(frozen=True)
class Template:
    """A populated school to copy for each case of damage."""

    root: Path
    where: Populated
    facts: dict[str, Any]


def _build(root: Path, pending: bool) -> Template:
    root.mkdir()
    config = load_config(write_config(root, "warning-first"))
    where = populate(config)
    if not pending:
        return Template(root, where, snapshot(config))
    leave_a_commit_pending(config, where.ref, "noted as the disk filled")
    # Reading the store finishes the pending commit: take the facts from a copy.
    copy = root.with_name(root.name + "-read")
    shutil.copytree(root, copy)
    facts = snapshot(load_config(copy / "config.toml"))
    assert (root / "data" / "journal.json").exists()
    return Template(root, where, facts)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Template]:
    """A populated school, and one whose last commit waits in journal.json."""
    base = tmp_path_factory.mktemp("damage")
    return {False: _build(base / "clean", False), True: _build(base / "pending", True)}


def _wrapped(raw: bytes) -> bytes:
    return json.dumps({"saved_by_another_program": json.loads(raw)}).encode()


def _audit_misshaped(raw: bytes) -> bytes:
    lines = raw.splitlines(keepends=True)
    return b"".join(lines[:-1]) + b'["not an audit entry"]\n'


DAMAGE: dict[str, Callable[[str, bytes], bytes]] = {
    "emptied": lambda kind, raw: b"",
    "truncated": lambda kind, raw: raw[: len(raw) // 2],
    "garbled": lambda kind, raw: (
        raw[: len(raw) // 2] + b"\x00\xff#garbage#" + raw[len(raw) // 2 + 11 :]
    ),
    "mis-shaped": lambda kind, raw: (
        _audit_misshaped(raw)
        if kind == "audit"
        else b'{"tx": "x"}'
        if kind == "journal"
        else _wrapped(raw)
    ),
}

KINDS = ("meta", "case", "events", "people", "letters", "mail", "audit", "journal")


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


def _one_line_naming(err: str, path: Path) -> None:
    assert err.startswith("conduct: "), err
    assert err.count("\n") == 1, f"not one line: {err!r}"
    assert str(path) in err, f"{path} not named in: {err!r}"
    assert "Traceback" not in err


def _reads(kind: str, where: Populated) -> list[str]:
    return {
        "meta": ["case", "list"],
        "case": ["case", "list"],
        "events": ["case", "show", where.ref],
        "people": ["case", "show", where.ref],
        "letters": ["letter", "list", where.ref],
        "mail": ["quarantine", "list"],
        "audit": ["case", "show", where.ref],
        "journal": ["case", "list"],
    }[kind]


def _writes(kind: str, where: Populated) -> list[str]:
    return {
        "people": ["case", "open", "--name", "Pat", "--email", "pat@example.org"]
        + ["--behaviour", "swearing", "--summary", "Again"],
        "letters": ["letter", "submit", where.ref, where.letter_id],
    }.get(kind, ["case", "note", where.ref, "written after the damage"])


def _ingest_one(config_path: Path) -> None:
    book = Casebook(load_config(config_path))
    Inbox(book).ingest(
        IncomingMail(
            sha256="e" * 64,
            folder="INBOX",
            uidvalidity=1,
            uid=99,
            message_id="<later@example.org>",
            sender_address="someone@example.net",
            sender_name="Someone",
            subject="A later email",
            date=None,
        )
    )


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_store_file_is_named_and_nothing_is_lost(
    templates: dict[bool, Template],
    kind: str,
    damage: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    template = templates[kind == "journal"]
    school = tmp_path / "school"
    shutil.copytree(template.root, school)
    cfg = school / "config.toml"
    config = ["--config", str(cfg)]
    path = school / "data" / template.where.files[kind]
    original = path.read_bytes()
    path.write_bytes(DAMAGE[damage](kind, original))
    audit_mid_file = kind == "audit" and damage == "garbled"

    code, err = _run([*config, *_reads(kind, template.where)], capsys)
    if kind == "audit":
        # Reading needs no audit log: the office can still see its cases.
        assert code == 0, err
    else:
        assert code == 1
        _one_line_naming(err, path)

    if kind == "mail":
        with pytest.raises(StoreError) as caught:
            _ingest_one(cfg)
        assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    else:
        code, err = _run([*config, *_writes(kind, template.where)], capsys)
        if audit_mid_file:
            # Damage inside the log does not stop work; `audit verify` names it (below).
            assert code == 0, err
        else:
            assert code == 1, f"the write went ahead over a damaged {kind} file"
            _one_line_naming(err, path)

    code, err = _run([*config, "audit", "verify"], capsys)
    assert code == 1 and str(path) in err

    if audit_mid_file:
        after = snapshot(load_config(cfg))
        assert after["cases"] and len(after["events"][template.where.ref]) == (
            len(template.facts["events"][template.where.ref]) + 1
        )
        return
    # Restored from a backup, the file gives back everything: the failed write changed nothing.
    path.write_bytes(original)
    assert snapshot(load_config(cfg)) == template.facts
    code, err = _run([*config, "audit", "verify"], capsys)
    assert code == 0, err


def test_a_record_that_cannot_be_read_names_its_file(
    templates: dict[bool, Template], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    school = tmp_path / "school"
    shutil.copytree(templates[False].root, school)
    path = school / "data" / templates[False].where.files["case"]
    data = json.loads(path.read_bytes())
    (doc,) = data["cases"].values()
    doc["opened"] = "not a date"
    path.write_text(json.dumps(data))
    code, err = _run(["--config", str(school / "config.toml"), "case", "list"], capsys)
    assert code == 1
    _one_line_naming(err, path)
