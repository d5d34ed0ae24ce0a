"""`conduct backup DEST` and `conduct restore SRC DIR`: copies of the store, and proof they restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from casework.clock import process_clock
from casework.config import Config


def register(sub: Any) -> None:
    """Add `backup` and `restore` to the parser."""
    p = sub.add_parser(
        "backup",
        help="write a consistent, compressed (optionally encrypted) copy of the store",
        description="Copies the data directory (cases, events, evidence vault, audit log) and "
        "config.toml, taken under the store lock so the daemon can keep running. The file is "
        "a .tar.gz (0600), or .tar.gz.gpg when encrypted.",
    )
    p.add_argument(
        "dest",
        type=Path,
        help="a directory (the file is named conduct-backup-YYYYMMDDTHHMMSSZ.tar.gz) or a new file",
    )
    p.add_argument(
        "--encrypt-to",
        type=Path,
        metavar="KEYFILE",
        help="an OpenPGP public key file (e.g. the IT provider's key.asc): only its private "
        "key can open the backup",
    )
    p.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="after a good backup, delete all but the newest N backups in DEST",
    )
    p.set_defaults(handler=backup)

    p = sub.add_parser(
        "restore",
        help="restore a backup into an empty directory and verify it",
        description="Restores DIR/config.toml and DIR/data, then checks every file against "
        "the backup's manifest, the audit chain, every vault hash and every evidence "
        "reference. Encrypted backups are decrypted with gpg and the private key.",
    )
    p.add_argument("src", type=Path, help="a backup file (.tar.gz or .tar.gz.gpg)")
    p.add_argument("dir", type=Path, help="an empty (or new) directory to restore into")
    p.add_argument(
        "--gnupg-home",
        type=Path,
        metavar="DIR",
        help="the GnuPG home holding the private key (default: gpg's own, ~/.gnupg)",
    )
    p.set_defaults(handler=restore_cmd, needs_config=False)


def backup(args: argparse.Namespace, config: Config) -> int:
    """Take a backup and say what it holds."""
    from store.backup import take_backup
    from store.backup_manifest import BackupError
    from store.db import META, Store
    from store.openpgp import OpenPgpError, read_public_key
    from store.storecheck import human_size

    try:
        key = read_public_key(args.encrypt_to) if args.encrypt_to else None
        data_dir = config.store.data_dir
        if not (data_dir / META).exists():
            # Opening a Store would create an empty one: a mistyped data_dir is not a school.
            raise BackupError(f"there is no store at {data_dir} (see [store] data_dir)")
        clock = process_clock()
        queue = config.letters.print_queue
        # PDFs waiting to be printed are copies of letters kept in the vault, written as the
        # daemon goes, outside any transaction: leave them out.
        exclude = frozenset({queue.name}) if queue.parent == data_dir else frozenset()
        result = take_backup(
            Store(data_dir, clock),
            config.path,
            args.dest,
            at=clock.now(),
            key=key,
            keep=args.keep,
            exclude=exclude,
        )
    except (BackupError, OpenPgpError) as exc:
        print(f"conduct: backup failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backed up {result.contents.describe()}")
    print(f"  to {result.path} ({human_size(result.size)}, readable by its owner only)")
    if result.encrypted_to:
        print(f"  encrypted to {result.encrypted_to}")
    else:
        print("  not encrypted: keep it where only authorised staff can read it")
    how = "files linked" if result.linked else "files copied"
    print(f"  store locked for {result.lock_seconds:.2f} s ({how}); {result.seconds:.1f} s in all")
    for old in result.removed:
        print(f"  removed the old backup {old.name}")
    if result.missing_evidence:
        print(
            f"conduct: the store's records name {len(result.missing_evidence)} evidence "
            "file(s) that are not in its vault; the backup holds everything else. Missing:",
            file=sys.stderr,
        )
        for sha in result.missing_evidence:
            print(f"  {sha}", file=sys.stderr)
        return 1
    return 0


def restore_cmd(args: argparse.Namespace) -> int:
    """Restore a backup, verify it, and say what it holds."""
    from store.openpgp import OpenPgpError
    from store.restore import RestoreError, restore

    try:
        result = restore(args.src, args.dir, gnupg_home=args.gnupg_home)
    except RestoreError as exc:
        print(f"conduct: {exc}", file=sys.stderr)
        for problem in exc.problems[:50]:
            print(f"  {problem}", file=sys.stderr)
        if len(exc.problems) > 50:
            print(f"  ... and {len(exc.problems) - 50} more", file=sys.stderr)
        return 1
    except OpenPgpError as exc:
        print(f"conduct: restore failed: {exc}", file=sys.stderr)
        return 1
    c = result.contents
    print(f"Restored the backup taken {result.taken_at} into {args.dir}:")
    print(f"  {c.describe()}")
    print(
        f"  verified: the audit chain ({c.audit_entries:,} entries), every vault file "
        "against its hash, every evidence file the records name, every file against the "
        "backup's manifest"
    )
    print(f"  config: {result.config_path}")
    print(f"  data:   {result.data_dir}")
    for note in result.notes:
        print(f"  note: {note}")
    print("Done.")
    return 0
