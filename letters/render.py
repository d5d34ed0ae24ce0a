"""Render a letter: check its fields, fill its template, lay it out as an A4 PDF. Pure."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from casework.config import Config
from casework.letter_context import LetterContext, uk_date, uk_day, uk_time
from letters.fetcher import LOGO_URL, LocalAssetFetcher
from letters.kinds import LetterKind, LetterTemplateError, check_context, letter_kind
from letters.text import html_to_text

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
        self.fetcher = LocalAssetFetcher([TEMPLATES], [], logo)
        self.env = _environment(template_dir)
        self.font_config = FontConfiguration()
        # WeasyPrint's image cache: the logo is decoded once, not once per letter.
        self._cache: dict[str, Any] = {}
        css_path = _override(template_dir, STYLESHEET) or TEMPLATES / STYLESHEET
        self.stylesheet = CSS(
            string=css_path.read_text("utf-8"),
            base_url=TEMPLATES.as_uri() + "/",
            url_fetcher=self.fetcher,
            font_config=self.font_config,
        )

    def html(self, kind: str, context: LetterContext | Mapping[str, Any]) -> str:
        """The letter as HTML (without the stylesheet), after checking its required fields."""
        letter = letter_kind(kind)
        full = self.template_data(letter, context)
        return self._template(letter.template, full)

    def covering_note(self, kind: str, context: LetterContext | Mapping[str, Any]) -> str:
        """The short email text that goes with the PDF: "please find attached a letter about ..."."""
        return self._template(COVERING_NOTE, self.template_data(letter_kind(kind), context))

    def render(
        self,
        kind: str,
        context: LetterContext | Mapping[str, Any],
        *,
        archive: bool = False,
    ) -> RenderedLetter:
        """Render one letter to PDF; ``archive`` makes a PDF/A-3b copy for the record."""
        letter = letter_kind(kind)
        full = self.template_data(letter, context)
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
        document = HTML(
            string=html,
            base_url=TEMPLATES.as_uri() + "/",
            url_fetcher=self.fetcher,
        ).render(
            font_config=self.font_config,
            stylesheets=[self.stylesheet],
            cache=self._cache,
        )
        variant = "pdf/a-3b" if archive else self.pdf_variant
        # attachments=[] and no forms: a letter never embeds a file, whatever its HTML says.
        pdf = document.write_pdf(pdf_variant=variant, attachments=[])
        return bytes(pdf), len(document.pages)

    def template_data(
        self, kind: str | LetterKind, context: LetterContext | Mapping[str, Any]
    ) -> dict[str, Any]:
        """What a template sees: the context's plain data, the kind's words, the logo's name."""
        letter = letter_kind(kind) if isinstance(kind, str) else kind
        ctx = _mapping(context)
        check_context(letter, ctx)
        return {
            **ctx,
            "letter": letter.info,
            "title": _title(letter, ctx),
            # A fixed name the fetcher resolves, never the file's path (see LOGO_URL).
            "logo_src": LOGO_URL if self.logo is not None else "",
        }

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
        # A school's templates come from outside the code base: sandboxed (and unable to
        # change the data they are given), and they may extend or include the package's own
        # (``base.html.j2``) by falling back to them.
        loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(template_dir), package])
        env = ImmutableSandboxedEnvironment(loader=loader, **options)
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
    kind: str,
    context: LetterContext | Mapping[str, Any],
    *,
    logo: Path | None = None,
    archive: bool = False,
) -> RenderedLetter:
    """Render with the package templates and, if given, the school's logo."""
    return _default_renderer(logo).render(kind, context, archive=archive)


def renderer_for(config: Config) -> Renderer:
    """A Renderer for a school: its template overrides and its logo, nothing else."""
    return Renderer(config.letters.template_dir, config.school.logo)
