"""The only way WeasyPrint may read anything: the package's own assets and the school's logo."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from letters.templating import LOGO_URL


class FetchRefused(ValueError):
    """WeasyPrint asked for something letters never load (network, other files, data: URLs)."""


class LocalAssetFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
    """A WeasyPrint 70 URL fetcher that serves allowed local files and refuses everything else.

    Letters carry text from emails and notes; even though that text is escaped, a school's
    template override could still name a URL. Nothing leaves the machine and no other file
    is read, so ``<img src=http://...>``, ``@import`` and ``<link rel=attachment>`` all fail.
    """

    def __init__(
        self,
        allowed_dirs: Iterable[Path],
        allowed_files: Iterable[Path],
        logo: Path | None = None,
    ) -> None:
        # allowed_protocols is belt and braces: fetch() below never calls urllib at all.
        super().__init__(allowed_protocols=("file",), allow_redirects=False, timeout=1)
        self.allowed_dirs = tuple(d.resolve() for d in allowed_dirs)
        self.allowed_files = frozenset(f.resolve() for f in allowed_files)
        self.logo = logo

    def allows(self, path: Path) -> bool:
        """True for the configured files and anything inside the allowed directories."""
        resolved = path.resolve()
        return resolved in self.allowed_files or any(
            resolved.is_relative_to(d) for d in self.allowed_dirs
        )

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Serve an allowed ``file:`` URL from disk; raise FetchRefused for anything else."""
        if url == LOGO_URL and self.logo is not None:
            return _file_response(self.logo)
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise FetchRefused(f"letters load no remote or inline resources: {url[:200]}")
        path = Path(unquote(parts.path))
        if not path.is_absolute() or not self.allows(path):
            raise FetchRefused(f"letters may not read {path}")
        return _file_response(path)


def _file_response(path: Path) -> URLFetcherResponse:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime})
