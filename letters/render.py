"""Render a letter: check its fields, fill its template, lay it out as an A4 PDF. Pure.

WeasyPrint is imported when the first PDF is laid out, not with this module: importing it
takes most of a second, and listing kinds or filling templates never needs it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2

from casework.config import Config
from casework.letter_context import LetterContext
from casework.record import record
from letters.kinds import KINDS, LetterKind, kinds_for
from letters.templating import COVERING_NOTE, TEMPLATES, Templates
from letters.text import html_to_text

if TYPE_CHECKING:
    from letters.fetcher import LocalAssetFetcher

STYLESHEET = "letter.css"
# Letters are tagged PDF/UA-1 (a screen reader follows their structure); archive copies are
# PDF/A-3a, the archival standard's accessible level, tagged too.
LETTER_VARIANT = "pdf/ua-1"
ARCHIVE_VARIANT = "pdf/a-3a"
PDF_VARIANTS = (LETTER_VARIANT, ARCHIVE_VARIANT, None)

__all__ = ["COVERING_NOTE", "STYLESHEET", "TEMPLATES", "RenderedLetter", "Renderer", "render"]


@record
class RenderedLetter:
    """A rendered letter: the PDF, its SHA-256, the plain text and the email's covering note."""

    pdf: bytes
    sha256: str
    text: str
    covering_note: str
    kind: str
    title: str
    pages: int
    subject: str = ""


@record
class _Layout:
    """What WeasyPrint reuses between letters: made once per Renderer, on its first PDF."""

    fetcher: LocalAssetFetcher
    font_config: Any
    stylesheet: Any
    # WeasyPrint's image cache: the logo is decoded once, not once per letter.
    cache: dict[str, Any]

    @classmethod
    def make(cls, css: str, logo: Path | None) -> _Layout:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from letters.fetcher import LocalAssetFetcher

        fetcher = LocalAssetFetcher([TEMPLATES], [], logo)
        font_config = FontConfiguration()
        stylesheet = CSS(
            string=css,
            base_url=TEMPLATES.as_uri() + "/",
            url_fetcher=fetcher,
            font_config=font_config,
        )
        return cls(fetcher, font_config, stylesheet, {})


def load_weasyprint() -> None:
    """Import WeasyPrint now: before forking workers, so that each need not import it again."""
    import weasyprint  # noqa: F401


def join_and(items: Any) -> str:
    """``Amy``, ``Amy and Ben``, ``Amy, Ben and Cal``: a list as an English phrase."""
    words = [str(i) for i in items if str(i)]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


class Renderer:
    """Renders letters, reusing the Jinja environments, one stylesheet and one font setup."""

    def __init__(
        self,
        template_dir: Path | None = None,
        logo: Path | None = None,
        *,
        pdf_variant: str | None = LETTER_VARIANT,
        kinds: Mapping[str, LetterKind] = KINDS,
    ) -> None:
        if pdf_variant not in PDF_VARIANTS:
            raise ValueError(f"pdf_variant: expected one of {PDF_VARIANTS}, got {pdf_variant!r}")
        self.template_dir = template_dir
        self.logo = logo
        self.pdf_variant = pdf_variant
        self.templates = Templates(template_dir, kinds, has_logo=logo is not None)
        css_path = _override(template_dir, STYLESHEET) or TEMPLATES / STYLESHEET
        self._css = css_path.read_text("utf-8")
        self._layout: _Layout | None = None
        self._layout_lock = threading.Lock()

    def _weasy(self) -> _Layout:
        # Made on the first PDF, under a lock: the dashboard renders from worker threads.
        with self._layout_lock:
            if self._layout is None:
                self._layout = _Layout.make(self._css, self.logo)
            return self._layout

    @property
    def env(self) -> jinja2.Environment:
        """The English template environment (sandboxed when the school has overrides)."""
        return self.templates.env("en")

    @property
    def kinds(self) -> Mapping[str, LetterKind]:
        """The kinds this renderer knows: ours and the school's own."""
        return self.templates.kinds

    def html(self, kind: str, context: LetterContext | Mapping[str, Any]) -> str:
        """The letter as HTML (without the stylesheet), after checking its required fields."""
        return self.templates.compose(kind, context).html

    def covering_note(self, kind: str, context: LetterContext | Mapping[str, Any]) -> str:
        """The short email text that goes with the PDF: "please find attached a letter about ..."."""
        return self.templates.compose(kind, context).note

    def template_data(
        self, kind: str | LetterKind, context: LetterContext | Mapping[str, Any]
    ) -> dict[str, Any]:
        """What a template sees: the context's plain data, the kind's words, the logo's name."""
        return self.templates.template_data(kind, context)

    def render(
        self,
        kind: str,
        context: LetterContext | Mapping[str, Any],
        *,
        archive: bool = False,
    ) -> RenderedLetter:
        """Render one letter to PDF; ``archive`` makes a PDF/A-3a copy for the record."""
        composed = self.templates.compose(kind, context)
        pdf, pages = self.pdf(composed.html, archive=archive)
        return RenderedLetter(
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            text=html_to_text(composed.html),
            covering_note=composed.note,
            kind=kind,
            title=composed.title,
            pages=pages,
            subject=composed.subject,
        )

    def pdf(self, html: str, *, archive: bool = False) -> tuple[bytes, int]:
        """Lay out HTML with the letter stylesheet; the PDF bytes and the page count."""
        from weasyprint import HTML

        layout = self._weasy()
        document = HTML(
            string=html,
            base_url=TEMPLATES.as_uri() + "/",
            url_fetcher=layout.fetcher,
        ).render(
            font_config=layout.font_config,
            stylesheets=[layout.stylesheet],
            cache=layout.cache,
        )
        variant = ARCHIVE_VARIANT if archive else self.pdf_variant
        # attachments=[] and no forms: a letter never embeds a file, whatever its HTML says.
        pdf = document.write_pdf(pdf_variant=variant, attachments=[])
        return bytes(pdf), len(document.pages)


def _override(template_dir: Path | None, name: str) -> Path | None:
    if template_dir is None:
        return None
    path = template_dir / name
    return path if path.is_file() else None


@functools.lru_cache(maxsize=8)
def _default_renderer(logo: Path | None) -> Renderer:
    return Renderer(logo=logo)


def render(
    kind: str,
    context: LetterContext | Mapping[str, Any],
    *,
    logo: Path | None = None,
    archive: bool = False,
) -> RenderedLetter:
    """Render with the package templates and, if given, the school's logo."""
    return _default_renderer(logo).render(kind, context, archive=archive)


def renderer_for(config: Config) -> Renderer:
    """A Renderer for a school: its template overrides, its own letter kinds and its logo."""
    return Renderer(
        config.letters.template_dir,
        config.school.logo,
        kinds=kinds_for(config.policy.letter_kinds),
    )
