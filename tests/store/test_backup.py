"""`conduct backup` and `conduct restore`: a whole copy, private, verified, and refused when not."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import re
import subprocess
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.config import load_config
from casework.staff import os_account
from conduct.cli import main
from store.backup import secrets_in_config, take_backup
from store.backup_manifest import BackupError
from store.casebook import Casebook
from store.db import Store
from store.listing import read_listing
from store.openpgp import OpenPgpError, read_public_key
from store.shard_cache import CACHE_FILES
from tests.support.openpgp import make_key_pair, stop_agent
from tests.support.school import write_config

AT = datetime(2026, 11, 2, 18, 30, tzinfo=UTC)


def conduct(cfg: Path | None, *args: str) -> tuple[int, str, str]:
    """Run the command in this process; (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    argv = (["--config", str(cfg)] if cfg else []) + list(args)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def ok(cfg: Path | None, *args: str) -> str:
    code, out, err = conduct(cfg, *args)
    assert code == 0, err
    return out


@pytest.fixture
def school(tmp_path: Path) -> Path:
    """A school with three cases, a note each and evidence files (one shared by two cases)."""
    folder = tmp_path / "school"
    folder.mkdir()
    cfg = write_config(folder, "warning-first")
    shared = folder / "photo.jpg"
    shared.write_bytes(b"\xff\xd8 a photo of the gate" * 100)
    for i in range(3):
        ref = ok(
            cfg,
            "case",
            "open",
            "--name",
            f"Parent {i}",
            "--email",
            f"p{i}@example.org",
            "--behaviour",
            "swearing",
            "--summary",
            f"Incident {i}",
        ).strip()
        ok(cfg, "case", "note", ref, f"Called parent {i}")
        statement = folder / f"statement-{i}.txt"
        statement.write_text(f"Statement {i}: what Mrs Khan saw.\n")
        ok(cfg, "case", "evidence", ref, str(statement))
        if i < 2:
            ok(cfg, "case", "evidence", ref, str(shared))
    return cfg


def case_list(cfg: Path) -> list[dict]:  # type: ignore[type-arg]
    rows = json.loads(ok(cfg, "case", "list", "--status", "all", "--json"))
    return sorted(rows, key=lambda r: r["ref"])


def shown(cfg: Path, ref: str) -> dict:  # type: ignore[type-arg]
    return json.loads(ok(cfg, "case", "show", ref, "--json"))  # type: ignore[no-any-return]


def test_backup_then_restore_gives_back_every_case_event_and_file(
    school: Path, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    queue = school.parent / "data" / "print-queue"
    queue.mkdir()
    (queue / "C-2026-0001-warning.pdf").write_bytes(b"%PDF a copy of a letter in the vault")
    book = Casebook(load_config(school))
    read_listing(book, book.clock.today())  # as the dashboard does: it keeps a listing copy
    ok(school, "case", "list")  # and so does `case list`, of its rows
    for copy_name in CACHE_FILES:
        assert (school.parent / "data" / copy_name).exists()
    out = ok(school, "backup", str(backups))
    assert "Backed up 3 cases, 11 events, 3 people" in out and "4 vault files" in out
    (archive,) = backups.iterdir()
    assert re.fullmatch(r"conduct-backup-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    assert archive.stat().st_mode & 0o777 == 0o600
    # A standard .tar.gz that any IT provider can open.
    names = subprocess.run(
        ["tar", "-tzf", str(archive)], capture_output=True, text=True, check=True
    ).stdout.split()
    assert names[:2] == ["conduct-backup/manifest.json", "conduct-backup/config.toml"]
    assert "conduct-backup/data/audit.jsonl" in names
    # Locks, the commit scratch area, the daemon's health and the staging copy stay behind.
    # The print queue holds copies of letters kept in the vault; the copies of the case list
    # are rebuilt from the cases.
    assert not any(
        re.search(r"store\.lock|/tmp/|health\.json|\.backup-|print-queue|\.cache$", n)
        for n in names
    )
    assert not [p for p in (school.parent / "data").iterdir() if p.name.startswith(".backup-")]

    restored = tmp_path / "restored"
    out = ok(None, "restore", str(archive), str(restored))
    assert "3 cases, 11 events" in out and "4 vault files" in out and out.endswith("Done.\n")
    copy = restored / "config.toml"
    assert case_list(copy) == case_list(school)
    for row in case_list(school):
        original, back = shown(school, row["ref"]), shown(copy, row["ref"])
        assert back["events"] == original["events"]
        assert back["evidence"] == original["evidence"]
    assert "audit log intact" in ok(copy, "audit", "verify")
    # The evidence itself, byte for byte, from the restored vault.
    for item in shown(copy, "C-2026-0001")["evidence"]:
        blob = next((restored / "data" / "vault").rglob(item["sha256"]))
        assert (
            blob.read_bytes()
            == next((school.parent / "data" / "vault").rglob(item["sha256"])).read_bytes()
        )
    # Private like the store it came from.
    assert (restored / "data").stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in restored.rglob("*") if not p.is_symlink())


def test_restore_refuses_a_directory_that_is_not_empty(school: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    ok(school, "backup", str(archive))
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("someone's work")
    code, _, err = conduct(None, "restore", str(archive), str(busy))
    assert code == 1 and "is not empty" in err
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    code, _, err = conduct(school, "backup", str(archive))
    assert code == 1 and "already exists" in err


def _rewrite(archive: Path, out: Path, change: dict[str, bytes | None]) -> None:
    """Copy a backup, replacing (bytes) or dropping (None) the members named in ``change``."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            for suffix, new in change.items():
                if member.name.endswith(suffix):
                    data = new  # type: ignore[assignment]
            if data is None:
                continue
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


def test_restore_names_what_does_not_verify(school: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.tar.gz"
    ok(school, "backup", str(archive))
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        audit = tar.extractfile("conduct-backup/data/audit.jsonl").read()  # type: ignore[union-attr]
    blob = next(n for n in names if "/vault/" in n)
    sha = blob.rsplit("/", 1)[-1]
    event_file = next(n for n in names if "/events/" in n)

    # Evidence altered after the backup was taken.
    altered = tmp_path / "altered.tar.gz"
    _rewrite(archive, altered, {blob: b"not the evidence"})
    code, _, err = conduct(None, "restore", str(altered), str(tmp_path / "r1"))
    assert code == 1 and "did NOT verify" in err
    assert f"vault file {sha}: its content no longer matches its hash" in err

    # An audit entry edited: the chain breaks.
    edited = audit.replace(f'"actor":"{os_account()}"'.encode(), b'"actor":"Someone Else"', 1)
    assert edited != audit
    broken = tmp_path / "audit.tar.gz"
    _rewrite(archive, broken, {"data/audit.jsonl": edited})
    code, _, err = conduct(None, "restore", str(broken), str(tmp_path / "r2"))
    assert code == 1 and "audit log broken at line" in err

    # A store from a newer Conduct Desk is not opened (nor "migrated") by an older one.
    newer = tmp_path / "newer.tar.gz"
    _rewrite(archive, newer, {"data/meta.json": b'{"meta":{"1":{"schema":99}}}'})
    code, _, err = conduct(None, "restore", str(newer), str(tmp_path / "r4"))
    assert code == 1 and "the store has schema 99" in err

    # Evidence dropped from the archive: named as missing, and as referenced by its case.
    dropped = tmp_path / "dropped.tar.gz"
    _rewrite(archive, dropped, {blob: None, event_file: None})
    code, _, err = conduct(None, "restore", str(dropped), str(tmp_path / "r3"))
    assert code == 1
    assert f"missing from the archive: {blob.split('/data/', 1)[1]}" in err
    assert f"missing from the archive: {event_file.split('/data/', 1)[1]}" in err


def test_restore_refuses_paths_outside_the_backup(tmp_path: Path) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("conduct-backup/../../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    code, _, err = conduct(None, "restore", str(evil), str(tmp_path / "r"))
    assert code == 1 and "not a path inside conduct-backup/" in err
    assert not (tmp_path / "escaped.txt").exists()
    assert list((tmp_path / "r").iterdir()) == []
    junk = tmp_path / "junk.tar.gz"
    junk.write_text("not a backup")
    code, _, err = conduct(None, "restore", str(junk), str(tmp_path / "r"))
    assert code == 1 and "neither a .tar.gz nor an encrypted .gpg file" in err


def test_copying_instead_of_linking_takes_the_same_backup(school: Path, tmp_path: Path) -> None:
    store = Store(school.parent / "data")
    linked = take_backup(store, school, tmp_path / "linked.tar.gz", at=AT)
    copied = take_backup(store, school, tmp_path / "copied.tar.gz", at=AT, link=False)
    assert linked.linked and not copied.linked
    assert linked.contents == copied.contents

    def manifest(path: Path) -> bytes:
        with tarfile.open(path, "r:gz") as tar:
            return tar.extractfile("conduct-backup/manifest.json").read()  # type: ignore[union-attr]

    assert manifest(linked.path) == manifest(copied.path)


def test_keep_removes_only_the_oldest_of_our_backups(school: Path, tmp_path: Path) -> None:
    folder = tmp_path / "nightly"
    folder.mkdir()
    other = folder / "budget.xlsx"
    other.write_text("not ours")
    store = Store(school.parent / "data")
    for day in range(1, 5):
        take_backup(store, school, folder, at=AT.replace(day=day), keep=2)
    assert sorted(p.name for p in folder.iterdir()) == [
        "budget.xlsx",
        "conduct-backup-20261103T183000Z.tar.gz",
        "conduct-backup-20261104T183000Z.tar.gz",
    ]
    with pytest.raises(BackupError, match="--keep"):
        take_backup(store, school, tmp_path / "one.tar.gz", at=AT, keep=2)


def test_a_config_holding_a_secret_is_never_backed_up(tmp_path: Path) -> None:
    text = """
[mail.imap]
password_env = "CONDUCT_IMAP_PASSWORD"
token_command = "get-token"
ca_file = "ca.pem"
password = "hunter2"
[mail.smtp]
client_secret = "abc"
[other]
note = "-----BEGIN OPENSSH PRIVATE KEY-----"
"""
    assert secrets_in_config(text) == [
        "mail.imap.password",
        "mail.smtp.client_secret",
        "other.note",
    ]
    folder = tmp_path / "s"
    folder.mkdir()
    cfg = write_config(folder, "warning-first")
    Store(folder / "data")
    cfg.write_text(cfg.read_text() + '\n[extra]\napi_key = "k"\n')
    with pytest.raises(BackupError, match=r"seems to hold a secret \(extra.api_key\)"):
        take_backup(Store(folder / "data"), cfg, tmp_path / "x.tar.gz", at=AT)
    assert not (tmp_path / "x.tar.gz").exists()


# -- encryption to the IT provider's OpenPGP key -------------------------------------------


@pytest.fixture
def it_provider(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A GnuPG home holding the IT provider's key pair, and its exported public key."""
    home, public = make_key_pair(tmp_path)
    yield home, public
    stop_agent(home)


def test_encrypted_backup_opens_only_with_the_private_key(
    school: Path, tmp_path: Path, it_provider: tuple[Path, Path]
) -> None:
    home, public = it_provider
    key = read_public_key(public)
    backups = tmp_path / "backups"
    backups.mkdir()
    out = ok(school, "backup", str(backups), "--encrypt-to", str(public))
    assert f"encrypted to {key.fingerprint} (IT Provider <backup@it.example>)" in out
    (archive,) = backups.iterdir()
    assert archive.name.endswith(".tar.gz.gpg")
    assert archive.stat().st_mode & 0o777 == 0o600
    raw = archive.read_bytes()
    assert not raw.startswith(b"\x1f\x8b") and b"Parent 0" not in raw
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(raw)
    # Without the private key: refused, and nothing is left behind.
    stranger = tmp_path / "stranger"
    stranger.mkdir(mode=0o700)
    code, _, err = conduct(
        None, "restore", str(archive), str(tmp_path / "r0"), "--gnupg-home", str(stranger)
    )
    assert code == 1 and "No secret key" in err
    assert list((tmp_path / "r0").iterdir()) == []
    # With it: restored and verified.
    out = ok(None, "restore", str(archive), str(tmp_path / "r1"), "--gnupg-home", str(home))
    assert "3 cases, 11 events" in out and out.endswith("Done.\n")
    assert case_list(tmp_path / "r1" / "config.toml") == case_list(school)
    # The IT provider can also open it with gpg and tar alone.
    plain = subprocess.run(
        ["gpg", "--homedir", str(home), "--batch", "--quiet", "--decrypt", str(archive)],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:gz") as tar:
        assert "conduct-backup/manifest.json" in tar.getnames()


def test_the_key_must_be_a_public_key_that_can_encrypt(
    tmp_path: Path, it_provider: tuple[Path, Path]
) -> None:
    home, _ = it_provider
    secret = tmp_path / "secret.asc"
    secret.write_bytes(
        subprocess.run(
            [
                "gpg",
                "--homedir",
                str(home),
                "--batch",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--armor",
                "--export-secret-keys",
                "backup@it.example",
            ],
            check=True,
            capture_output=True,
        ).stdout
    )
    with pytest.raises(OpenPgpError, match="holds a secret key; give the public key only"):
        read_public_key(secret)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(OpenPgpError, match="is not an OpenPGP key file"):
        read_public_key(text)
    with pytest.raises(OpenPgpError, match="is not a file"):
        read_public_key(tmp_path / "missing.asc")


def test_a_store_already_missing_evidence_is_backed_up_and_flagged(
    school: Path, tmp_path: Path
) -> None:
    data = school.parent / "data"
    nightly = tmp_path / "nightly"
    nightly.mkdir()
    whole = take_backup(Store(data), school, nightly, at=AT, keep=1)
    sha = shown(school, "C-2026-0003")["evidence"][0]["sha256"]
    blob = next((data / "vault").rglob(sha))
    blob.chmod(0o600)
    blob.unlink()  # damage done outside Conduct Desk
    archive = tmp_path / "b.tar.gz"
    code, out, err = conduct(school, "backup", str(archive))
    assert code == 1 and archive.exists() and "Backed up 3 cases" in out
    assert "not in its vault" in err and sha in err
    # With --keep, the whole backup taken before the damage is not pushed out.
    damaged = take_backup(Store(data), school, nightly, at=AT.replace(day=3), keep=1)
    assert damaged.missing_evidence == (sha,)
    assert sorted(nightly.iterdir()) == sorted([whole.path, damaged.path])
    code, _, err = conduct(None, "restore", str(archive), str(tmp_path / "r"))
    assert code == 1
    assert f"evidence missing from the vault: {sha} (named in events/C-2026-0003.json)" in err
    assert "already missing from the store when the backup was taken" in err


def test_restore_says_when_config_points_at_another_data_directory(tmp_path: Path) -> None:
    folder = tmp_path / "srv"
    folder.mkdir()
    live = tmp_path / "elsewhere" / "data"
    cfg = write_config(folder, "warning-first", f'[store]\ndata_dir = "{live}"\n')
    ok(cfg, "case", "open", "--name", "Pat", "--behaviour", "swearing", "--summary", "Gate")
    archive = tmp_path / "b.tar.gz"
    ok(cfg, "backup", str(archive))
    out = ok(None, "restore", str(archive), str(tmp_path / "copy"))
    assert f"note: config.toml names data_dir = '{live}'" in out
    assert 'set data_dir = "data" before using this copy' in out
    assert (tmp_path / "copy" / "data" / "meta.json").exists()
