"""Letters: Jinja2 templates and CSS rendered to PDF with WeasyPrint. Pure: data in, bytes out."""

from letters.batch import LetterJob, render_batch
from letters.fetcher import FetchRefused, LocalAssetFetcher
from letters.ics import meeting_ics
from letters.kinds import (
    KINDS,
    LetterError,
    LetterKind,
    LetterTemplateError,
    MissingFieldError,
    UnknownKindError,
    check_context,
    kinds_for,
    letter_kind,
)
from letters.render import RenderedLetter, Renderer, render, renderer_for
from letters.text import html_to_text

__all__ = [
    "KINDS",
    "FetchRefused",
    "LetterError",
    "LetterJob",
    "LetterKind",
    "LetterTemplateError",
    "LocalAssetFetcher",
    "MissingFieldError",
    "RenderedLetter",
    "Renderer",
    "UnknownKindError",
    "check_context",
    "html_to_text",
    "kinds_for",
    "letter_kind",
    "meeting_ics",
    "render",
    "render_batch",
    "renderer_for",
]
