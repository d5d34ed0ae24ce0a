"""Render a letter: check its fields, fill its template, lay it out as an A4 PDF. Pure.

WeasyPrint is imported when the first PDF is laid out, not with this module: importing it
takes most of a second, and listing kinds or filling templates never needs it.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from casework.config import Config
from casework.letter_context import LetterContext, uk_date, uk_day, uk_time
from letters.kinds import LetterKind, LetterTemplateError, check_context, letter_kind
from letters.text import html_to_text

if TYPE_CHECKING:
    from letters.fetcher import LocalAssetFetcher

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLESHEET = "letter.css"
COVERING_NOTE = "covering-note.txt.j2"
PDF_VARIANTS = (None, "pdf/a-3b")

MEETING_TITLES: Mapping[str, str] = {
    "senior": "Invitation to a meeting",
    "chair": "Invitation to a meeting with the Chair of Governors and the headteacher",
    "formal": "Formal invitation to a meeting",
}


@dataclass(frozen=True)
class RenderedLetter:
    """A rendered letter: the PDF, its SHA-256, the plain text and the email's covering note."""

    pdf: bytes
    sha256: str
    text: str
    covering_note: str
    kind: str
    title: str
    pages: int


def join_and(items: Any) -> str:
    """``Amy``, ``Amy and Ben``, ``Amy, Ben and Cal``: a list as an English phrase."""
    words = [str(i) for i in items if str(i)]
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
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

        fetcher = LocalAssetFetcher([TEMPLATES], [logo] if logo is not None else [])
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


class Renderer:
    """Renders letters, reusing one Jinja environment, one stylesheet and one font setup."""

    def __init__(
        self,
        template_dir: Path | None = None,
        logo: Path | None = None,
        *,
        pdf_variant: str | None = None,
    ) -> None:
        if pdf_variant not in PDF_VARIANTS:
            raise ValueError(f"pdf_variant: expected one of {PDF_VARIANTS}, got {pdf_variant!r}")
        self.template_dir = template_dir
        self.logo = logo
        self.pdf_variant = pdf_variant
        self.env = _environment(template_dir)
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

    def html(self, kind: str, context: LetterContext | Mapping[str, Any]) -> str:
        """The letter as HTML (without the stylesheet), after checking its required fields."""
        letter = letter_kind(kind)
        ctx = _mapping(context)
        check_context(letter, ctx)
        return self._template(
            letter.template, {**ctx, "letter": letter, "title": _title(letter, ctx)}
        )

    def covering_note(self, kind: str, context: LetterContext | Mapping[str, Any]) -> str:
        """The short email text that goes with the PDF: "please find attached a letter about ..."."""
        letter = letter_kind(kind)
        ctx = _mapping(context)
        check_context(letter, ctx)
        return self._template(
            COVERING_NOTE, {**ctx, "letter": letter, "title": _title(letter, ctx)}
        )

    def render(
        self,
        kind: str,
        context: LetterContext | Mapping[str, Any],
        *,
        archive: bool = False,
    ) -> RenderedLetter:
        """Render one letter to PDF; ``archive`` makes a PDF/A-3b copy for the record."""
        letter = letter_kind(kind)
        ctx = _mapping(context)
        check_context(letter, ctx)
        full = {**ctx, "letter": letter, "title": _title(letter, ctx)}
        html = self._template(letter.template, full)
        note = self._template(COVERING_NOTE, full)
        pdf, pages = self.pdf(html, archive=archive)
        return RenderedLetter(
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
            text=html_to_text(html),
            covering_note=note,
            kind=kind,
            title=full["title"],
            pages=pages,
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
        variant = "pdf/a-3b" if archive else self.pdf_variant
        # attachments=[] and no forms: a letter never embeds a file, whatever its HTML says.
        pdf = document.write_pdf(pdf_variant=variant, attachments=[])
        return bytes(pdf), len(document.pages)

    def _template(self, name: str, ctx: Mapping[str, Any]) -> str:
        try:
            return self.env.get_template(name).render(ctx)
        except jinja2.TemplateError as exc:
            where = (
                f" ({exc.filename}:{exc.lineno})"
                if isinstance(exc, jinja2.TemplateSyntaxError)
                else ""
            )
            raise LetterTemplateError(
                f"template {name}{where}: {type(exc).__name__}: {exc}"
            ) from exc


def _environment(template_dir: Path | None) -> jinja2.Environment:
    package = jinja2.FileSystemLoader(TEMPLATES)
    options: dict[str, Any] = {
        "autoescape": jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), disabled_extensions=("txt.j2",), default=True
        ),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "auto_reload": False,
    }
    env: jinja2.Environment
    if template_dir is None:
        env = jinja2.Environment(loader=package, **options)
    else:
        # A school's templates come from outside the code base: sandboxed, and they may
        # extend or include the package's own (``base.html.j2``) by falling back to them.
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(template_dir), package])
        env = SandboxedEnvironment(loader=loader, **options)
    env.filters.update(uk_date=uk_date, uk_day=uk_day, uk_time=uk_time, join_and=join_and)
    return env


def _override(template_dir: Path | None, name: str) -> Path | None:
    if template_dir is None:
        return None
    path = template_dir / name
    return path if path.is_file() else None


def _mapping(context: LetterContext | Mapping[str, Any]) -> dict[str, Any]:
    return context.as_mapping() if isinstance(context, LetterContext) else dict(context)


def _title(letter: LetterKind, ctx: Mapping[str, Any]) -> str:
    if letter.name == "meeting-invitation":
        return MEETING_TITLES.get(str(ctx.get("meeting_with", "")), letter.title)
    if letter.name == "ban-review" and ctx.get("outcome") == "lifted":
        return "Outcome of the review of your ban: ban lifted"
    return letter.title


@functools.lru_cache(maxsize=8)
def _default_renderer(logo: Path | None) -> Renderer:
    return Renderer(logo=logo)


def render(
    kind: str, context: LetterContext | Mapping[str, Any], *, archive: bool = False
) -> RenderedLetter:
    """Render with the package templates, allowing only the context's own school logo."""
    school = _mapping(context).get("school")
    logo = getattr(school, "logo", None)
    return _default_renderer(logo if isinstance(logo, Path) else None).render(
        kind, context, archive=archive
    )


def renderer_for(config: Config) -> Renderer:
    """A Renderer for a school: its template overrides and its logo, nothing else."""
    return Renderer(config.letters.template_dir, config.school.logo)
