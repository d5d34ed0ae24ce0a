"""Backup benchmark: time and size of `conduct backup` (plain and encrypted) and of a verified
restore, for a store of 1,000 cases.

The store: 1,000 cases of 10 events each (bench/school.py's seed), and in the evidence
vault, per case, two emails (about 4 KB of text each) and two letter PDFs (17 KB each, as
WeasyPrint writes them: already compressed), and a 200 KB photo for every fourth case.

Run from the repository root: .venv/bin/python -m bench.backup_bench [--cases 1000]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.school import school_config, seed
from store.backup import take_backup
from store.db import Store
from store.openpgp import read_public_key
from store.restore import restore
from store.vault import Vault

WORDS = [
    "the",
    "gate",
    "parent",
    "shouted",
    "at",
    "staff",
    "this",
    "morning",
    "again",
    "pick-up",
    "playground",
    "office",
    "child",
    "teacher",
    "head",
    "letter",
    "meeting",
    "behaviour",
    "unacceptable",
    "please",
    "respond",
    "thank",
    "you",
    "regards",
    "school",
    "today",
    "yesterday",
    "video",
    "phone",
    "called",
    "angry",
    "language",
    "threatened",
]
AT = datetime(2026, 11, 2, 2, 30, tzinfo=UTC)


def email_text(rng: random.Random, n: int) -> bytes:
    """An email of about 4 KB: headers and ordinary English-like words."""
    body = " ".join(rng.choice(WORDS) for _ in range(650))
    headers = (
        f"From: Parent {n} <parent{n}@example.org>\r\nTo: office@bench.sch.uk\r\n"
        f"Subject: About the gate ({n})\r\nMessage-ID: <{n}.{rng.random()}@example.org>\r\n\r\n"
    )
    return (headers + body).encode()


def fill_vault(root: Path, n_cases: int) -> tuple[int, int]:
    """Evidence for every case; returns (files, bytes)."""
    vault = Vault(root / "vault")
    rng = random.Random(14)
    files = size = 0
    for i in range(n_cases):
        blobs = [email_text(rng, 2 * i), email_text(rng, 2 * i + 1)]
        blobs += [rng.randbytes(17_000), rng.randbytes(17_000)]
        if i % 4 == 0:
            blobs.append(rng.randbytes(200_000))
        for blob in blobs:
            vault.put(blob)
            files += 1
            size += len(blob)
    return files, size


def it_provider_key(folder: Path) -> Path:
    """A public key to encrypt to, made in a private GnuPG home."""
    home = folder / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--quiet"]
    subprocess.run(
        [
            *gpg,
            "--passphrase",
            "",
            "--quick-gen-key",
            "Bench IT <it@bench.example>",
            "future-default",
            "default",
            "never",
        ],
        check=True,
    )
    public = folder / "it.asc"
    public.write_bytes(
        subprocess.run([*gpg, "--armor", "--export"], check=True, capture_output=True).stdout
    )
    return public


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        config = school_config(root)
        config_path = config.path
        t = time.perf_counter()
        seed(config, args.cases)
        files, size = fill_vault(config.store.data_dir, args.cases)
        print(
            f"store: {args.cases:,} cases, {args.cases * 10:,} events, {files:,} vault files "
            f"({size / 1e6:.1f} MB of evidence); seeded in {time.perf_counter() - t:.1f} s"
        )
        store = Store(config.store.data_dir)
        plain = take_backup(store, config_path, root / "plain.tar.gz", at=AT)
        key = read_public_key(it_provider_key(root))
        sealed = take_backup(store, config_path, root / "sealed.tar.gz.gpg", at=AT, key=key)
        # Key generation started a gpg-agent in that home: stop it before the home goes.
        subprocess.run(["gpgconf", "--homedir", str(root / "gnupg"), "--kill", "all"], check=False)
        t = time.perf_counter()
        restored = restore(plain.path, root / "restored")
        restore_s = time.perf_counter() - t
        assert restored.contents == plain.contents
        print(f"{'':<22} {'time':>8} {'store locked':>13} {'size':>10}")
        for label, result in (("backup (.tar.gz)", plain), ("backup (.tar.gz.gpg)", sealed)):
            print(
                f"{label:<22} {result.seconds:>7.2f}s {result.lock_seconds:>12.3f}s "
                f"{result.size / 1e6:>8.1f}MB"
            )
        print(f"{'restore + verify':<22} {restore_s:>7.2f}s")


if __name__ == "__main__":
    main()
