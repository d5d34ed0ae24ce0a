"""An IT provider's OpenPGP key pair in a private GnuPG home, for the backup tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

IT_PROVIDER = "IT Provider <backup@it.example>"


def make_key_pair(folder: Path) -> tuple[Path, Path]:
    """Create a GnuPG home holding a key pair (no passphrase); return (home, public key file)."""
    home = folder / "gnupg"
    home.mkdir(mode=0o700)
    gpg = ["gpg", "--homedir", str(home), "--batch", "--no-tty", "--quiet"]
    subprocess.run(
        [
            *gpg,
            "--passphrase",
            "",
            "--quick-gen-key",
            IT_PROVIDER,
            "future-default",
            "default",
            "never",
        ],
        check=True,
        capture_output=True,
    )
    public = folder / "it-provider.asc"
    exported = subprocess.run(
        [*gpg, "--armor", "--export", "backup@it.example"], check=True, capture_output=True
    )
    public.write_bytes(exported.stdout)
    return home, public


def stop_agent(home: Path) -> None:
    """Stop the gpg-agent that decrypting started in ``home``."""
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
