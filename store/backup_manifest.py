"""A backup's manifest: what it holds, so that a restore can prove it got all of it."""

from __future__ import annotations

import json
from dataclasses import asdict

from casework.record import record
from store.storecheck import Contents

ARCHIVE_DIR = "conduct-backup"
FORMAT = 1


class BackupError(Exception):
    """A backup that could not be taken; the message says why."""


@record
class ManifestFile:
    """One file of the data directory in the archive."""

    path: str
    size: int
    sha256: str


@record
class Manifest:
    """What a backup holds, so that a restore can prove it got all of it."""

    format: int
    taken_at: str
    contents: Contents
    files: tuple[ManifestFile, ...]
    # Named by the records but already missing from the store's vault when it was taken.
    missing_evidence: tuple[str, ...] = ()

    def to_bytes(self) -> bytes:
        """The manifest as stored in the archive."""
        return json.dumps(asdict(self), indent=1, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        """Read a manifest; a newer format or a damaged one is an error."""
        try:
            raw = json.loads(data)
            if int(raw["format"]) > FORMAT:
                raise BackupError(
                    f"the backup has format {raw['format']}; this Conduct Desk reads up to "
                    f"{FORMAT}: restore it with a newer Conduct Desk"
                )
            return cls(
                format=int(raw["format"]),
                taken_at=str(raw["taken_at"]),
                contents=Contents(**raw["contents"]),
                files=tuple(ManifestFile(**f) for f in raw["files"]),
                missing_evidence=tuple(str(m) for m in raw.get("missing_evidence", ())),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"the backup's manifest is damaged: {exc}") from None
