"""Letters every parent can read: clear print, large print on request, a tagged PDF/UA-1 file.

Read back from the PDF itself: the size of every run of text, the fonts, the structure tree
a screen reader follows, the language and title, and where the signature falls.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from casework.people import FormatNeed
from letters.kinds import KINDS
from letters.render import Renderer
from letters.samples import SAMPLE_LOGO, sample_context, sample_person

PRESET_OF = {"information-request": "warning-first", "warning": "warning-first"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(logo=SAMPLE_LOGO)


def letter_for(renderer: Renderer, kind: str, *, large: bool = False, **fields: str) -> bytes:
    needs = (FormatNeed.LARGE_PRINT,) if large else ()
    person = replace(sample_person(), format_needs=needs)
    ctx = sample_context(kind, PRESET_OF.get(kind, "meeting-first"), person=person, fields=fields)
    return renderer.render(kind, ctx).pdf


def text_runs(pdf: bytes) -> list[tuple[float, str, str]]:
    """Every run of text: its size on the page in points, its font, the text."""
    runs: list[tuple[float, str, str]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
            if text.strip():
                scale = abs(tm[3] or 1) * abs(cm[3] or 1)
                name = str(font.get("/BaseFont", "")) if font else ""
                runs.append((round(size * scale, 2), name, text.strip()))

        page.extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize(("large", "smallest"), [(False, 12.0), (True, 16.0)])
def test_every_word_is_clear_print(kind: str, large: bool, smallest: float, renderer: Renderer):
    runs = text_runs(letter_for(renderer, kind, large=large))
    assert runs
    too_small = [(size, text) for size, _, text in runs if size < smallest]
    assert too_small == []
    # RNIB Clear Print: no italic blocks, and no words set in block capitals.
    assert not [font for _, font, _ in runs if re.search("Oblique|Italic", font)]
    text = " ".join(t for _, _, t in runs)
    assert "Private and confidential" in text
    assert not re.search(r"\b[A-Z]{2,}(?:\s+[A-Z]{2,}){2,}\b", text)


def test_large_print_is_larger_not_just_longer(renderer: Renderer):
    standard = text_runs(letter_for(renderer, "warning"))
    large = text_runs(letter_for(renderer, "warning", large=True))
    body = max(set(s for s, _, _ in standard), key=[s for s, _, _ in standard].count)
    body_large = max(set(s for s, _, _ in large), key=[s for s, _, _ in large].count)
    assert (body, body_large) == (12.0, 16.0)


def _struct_elements(node: Any) -> list[DictionaryObject]:
    found = []
    node = node.get_object()
    if isinstance(node, DictionaryObject):
        if node.get("/Type") == "/StructElem" or "/S" in node:
            found.append(node)
        kids = node.get("/K")
        if kids is not None:
            for kid in kids if isinstance(kids, list) else [kids]:
                if hasattr(kid, "get_object"):
                    found += _struct_elements(kid)
    elif isinstance(node, list):
        for kid in node:
            found += _struct_elements(kid)
    return found


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_letter_is_tagged_pdf_ua_1_with_title_and_language(kind: str, renderer: Renderer):
    reader = PdfReader(io.BytesIO(letter_for(renderer, kind)))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    assert reader.metadata is not None and reader.metadata.title
    elements = _struct_elements(root["/StructTreeRoot"])
    roles = {str(e["/S"]) for e in elements}
    assert {"/Document", "/H1", "/P"} <= roles
    figures = [e for e in elements if e["/S"] == "/Figure"]
    assert figures  # the school's logo
    assert all(str(f.get("/Alt", "")).strip() for f in figures)
    assert [str(f["/Alt"]) for f in figures] == ["Stockham Primary School logo"] or [
        str(f["/Alt"]) for f in figures
    ] == ["St. Peter's CE Primary School logo"]


def _last_page_before_signature(pdf: bytes) -> str:
    last = PdfReader(io.BytesIO(pdf)).pages[-1].extract_text()
    body = last.split("Yours sincerely,")[0]
    # The running header ("School · C-2026-0007 · Page 2 of 2") is not the letter.
    return " ".join(line for line in body.splitlines() if "· Page" not in line).strip()


@pytest.mark.parametrize("kind", ["warning", "ban-confirmed"])
def test_a_signature_never_stands_alone_on_a_page(kind: str, renderer: Renderer):
    # Grow the account of what happened until the letter needs another page, then walk back
    # a line at a time across that break: the last page always holds text before the
    # signature, wherever the break falls.
    line = "The parent shouted across the playground at the member of staff on duty. "
    name = "incident_summary" if kind == "warning" else "representations_summary"
    extra = {"representations": "received"} if kind == "ban-confirmed" else {}

    def pdf(n: int) -> bytes:
        return letter_for(renderer, kind, **{name: line * n}, **extra)

    def pages(n: int) -> int:
        return len(PdfReader(io.BytesIO(pdf(n))).pages)

    start = pages(1)
    n = 1
    while pages(n) == start:
        n += 8
    assert pages(n) == start + 1
    for k in range(max(1, n - 8), n + 1):
        assert _last_page_before_signature(pdf(k)), f"{kind}, {k} lines: signature alone"
