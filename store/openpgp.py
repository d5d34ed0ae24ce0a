"""Encrypting backups to the IT provider's OpenPGP public key, and decrypting them, with gpg.

GnuPG because a school's IT provider can read it anywhere (GnuPG on Linux, Gpg4win and
Kleopatra on Windows, GPG Suite on macOS, smartcards and YubiKeys) and it is packaged on every
Debian. Encryption uses a throwaway GnuPG home, so the key is taken from its file and no
keyring of the user's is read or changed; only the holder of the private key can decrypt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from casework.record import record

OPENPGP_SUFFIX = ".gpg"


class OpenPgpError(Exception):
    """gpg is missing, the key cannot be used, or encryption or decryption failed."""


@record
class PublicKey:
    """An OpenPGP public key file that can encrypt: its fingerprint and who it belongs to."""

    path: Path
    fingerprint: str
    user_ids: tuple[str, ...]

    def describe(self) -> str:
        """Fingerprint and first user id, as a person checks it against the IT provider's."""
        who = f" ({self.user_ids[0]})" if self.user_ids else ""
        return f"{self.fingerprint}{who}"


def gpg_binary() -> str:
    """The gpg command, or an error saying how to install it."""
    found = shutil.which("gpg")
    if found is None:
        raise OpenPgpError("gpg is not installed (Debian: apt-get install gnupg)")
    return found


def _run_gpg(home: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [gpg_binary(), "--homedir", home, "--batch", "--no-tty", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def read_public_key(path: Path) -> PublicKey:
    """Check that ``path`` is one usable public key (not secret, expired or revoked)."""
    if not path.is_file():
        raise OpenPgpError(f"--encrypt-to: {path} is not a file")
    with tempfile.TemporaryDirectory(prefix="conduct-gpg-") as home:
        shown = _run_gpg(home, "--with-colons", "--show-keys", str(path))
    if shown.returncode != 0:
        raise OpenPgpError(f"--encrypt-to: {path} is not an OpenPGP key file")
    records = [line.split(":") for line in shown.stdout.splitlines()]
    kinds = [r[0] for r in records]
    if "sec" in kinds:
        raise OpenPgpError(
            f"--encrypt-to: {path} holds a secret key; give the public key only "
            "(gpg --export --armor KEYID > key.asc)"
        )
    pubs = [r for r in records if r[0] == "pub"]
    if len(pubs) != 1:
        raise OpenPgpError(f"--encrypt-to: expected one public key in {path}, found {len(pubs)}")
    pub = pubs[0]
    validity, capabilities = pub[1], pub[11] if len(pub) > 11 else ""
    if validity in ("r", "e"):
        state = "revoked" if validity == "r" else "expired"
        raise OpenPgpError(f"--encrypt-to: the key in {path} is {state}")
    if "E" not in capabilities:
        raise OpenPgpError(f"--encrypt-to: the key in {path} has no usable encryption key")
    fingerprints = [r[9] for r in records if r[0] == "fpr"]
    uids = tuple(r[9] for r in records if r[0] == "uid")
    return PublicKey(path=path.resolve(), fingerprint=fingerprints[0], user_ids=uids)


@contextmanager
def encrypting(key: PublicKey, out: int) -> Iterator[IO[bytes]]:
    """A stream whose bytes are encrypted to ``key`` and written to the file descriptor ``out``."""
    with (
        tempfile.TemporaryDirectory(prefix="conduct-gpg-") as home,
        tempfile.TemporaryFile() as errors,
    ):
        proc = subprocess.Popen(
            [
                gpg_binary(),
                "--homedir",
                home,
                "--batch",
                "--no-tty",
                "--quiet",
                "--trust-model",
                "always",
                # The archive is already compressed: compressing again costs time for nothing.
                "--compress-algo",
                "none",
                "--recipient-file",
                str(key.path),
                "--encrypt",
                "--output",
                "-",
            ],
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=errors,
        )
        assert proc.stdin is not None
        try:
            yield proc.stdin
            proc.stdin.close()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.wait() != 0:
            errors.seek(0)
            detail = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise OpenPgpError(
                f"gpg could not encrypt: {detail[-1] if detail else 'no reason given'}"
            )


@contextmanager
def decrypting(src: Path, gnupg_home: Path | None = None) -> Iterator[IO[bytes]]:
    """The decrypted bytes of ``src``, read from gpg as it decrypts with the holder's key.

    In a terminal gpg may ask for the key's passphrase; without one it runs in batch mode.
    """
    args = [gpg_binary(), "--quiet", "--decrypt", "--output", "-"]
    if gnupg_home is not None:
        args[1:1] = ["--homedir", str(gnupg_home)]
    if not sys.stdin.isatty():
        args[1:1] = ["--batch", "--no-tty"]
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen(
            [*args, str(src)], stdout=subprocess.PIPE, stderr=errors, env=_gpg_env()
        )
        assert proc.stdout is not None
        try:
            yield proc.stdout
            # Drain whatever the reader left (tar's end blocks) so gpg can finish.
            while proc.stdout.read(1 << 16):
                pass
        except Exception as exc:
            # The reader failed: often because gpg could not decrypt and gave it nothing.
            proc.stdout.close()
            failure = _failure(proc, errors, src)
            if failure is not None:
                raise failure from exc
            raise
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            proc.stdout.close()
        failure = _failure(proc, errors, src)
        if failure is not None:
            raise failure


def _failure(proc: subprocess.Popen[bytes], errors: IO[bytes], src: Path) -> OpenPgpError | None:
    """gpg's own reason when it failed (not when it only saw its reader stop early)."""
    if proc.wait() == 0:
        return None
    errors.seek(0)
    detail = errors.read().decode("utf-8", "replace").strip().splitlines()
    if not detail or "broken pipe" in detail[-1].lower():
        return None
    return OpenPgpError(
        f"gpg could not decrypt {src}: {detail[-1]} "
        "(is the IT provider's private key on this machine?)"
    )


def _gpg_env() -> dict[str, str]:
    env = dict(os.environ)
    if sys.stdin.isatty():
        # pinentry needs to know the terminal to ask for a passphrase there.
        env.setdefault("GPG_TTY", os.ttyname(sys.stdin.fileno()))
    return env
