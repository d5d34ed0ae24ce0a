"""Letters in Welsh, and in Welsh and English together: templates and a catalogue, not code.

Every kind and the covering note exist in Welsh; a person's record chooses the language;
dates come from Babel's Welsh; the catalogue translates every word the shared parts use.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from pypdf import PdfReader

from casework.kinds import ROLE_PHRASES, ROLE_TITLES
from casework.letter_context import LetterFieldError
from letters.i18n import LOCALE_DIR
from letters.kinds import DEFAULT_WORDS, KINDS, MEETING_TITLES
from letters.render import Renderer
from letters.samples import SAMPLE_LOGO, sample_config, sample_context, sample_person
from letters.templating import TEMPLATES

PRESET_OF = {"information-request": "warning-first", "warning": "warning-first"}


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(logo=SAMPLE_LOGO)


def render(renderer: Renderer, kind: str, language: str):  # type: ignore[no-untyped-def]
    person = replace(sample_person(), language=language)
    ctx = sample_context(kind, PRESET_OF.get(kind, "meeting-first"), person=person)
    return renderer.render(kind, ctx)


def text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_in_welsh(kind: str, renderer: Renderer):
    letter = render(renderer, kind, "cy")
    words = text(letter.pdf)
    assert "Annwyl Jane Smith," in words and "Yn gywir," in words
    assert "3 Mawrth 2026" in words  # Babel's Welsh month
    assert "Ein cyfeirnod" in words and "Preifat a chyfrinachol" in words
    assert letter.title in words
    # Nothing of the English letter is left but the facts the school wrote in English.
    for english in ("Dear ", "Yours sincerely", "Our reference", "I am writing", "March"):
        assert english not in words, english
    assert letter.covering_note.startswith("Annwyl Jane Smith,")
    assert "Yn gywir," in letter.covering_note and "Dear" not in letter.covering_note
    root = PdfReader(io.BytesIO(letter.pdf)).trailer["/Root"]
    assert root["/Lang"] == "cy-GB"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_in_welsh_and_english_together(kind: str, renderer: Renderer):
    letter = render(renderer, kind, "cy+en")
    words = text(letter.pdf)
    welsh, english = render(renderer, kind, "cy"), render(renderer, kind, "en")
    assert words.index("Annwyl Jane Smith,") < words.index("Dear Jane Smith,")  # Welsh first
    assert letter.title == f"{welsh.title} / {english.title}"
    assert letter.pages == welsh.pages + english.pages  # English starts on a page of its own
    assert letter.covering_note.index("Annwyl") < letter.covering_note.index("Dear")
    assert letter.subject == f"{welsh.title} / {english.title}"


def test_the_school_chooses_welsh_and_a_persons_record_may_choose_otherwise(renderer: Renderer):
    config = sample_config()
    welsh_school = replace(config, letters=replace(config.letters, language="cy+en"))
    ctx = sample_context("warning", config=welsh_school)
    assert ctx.language == "cy+en"
    person = replace(sample_person(), language="en")
    assert sample_context("warning", config=welsh_school, person=person).language == "en"
    assert "Annwyl" in text(renderer.render("warning", ctx).pdf)


def test_the_office_can_ask_for_a_copy_in_welsh_or_in_large_print():
    # The covering note offers a large-print copy: `letter render --set large_print=yes`.
    ctx = sample_context("warning", fields={"language": "cy", "large_print": "yes"})
    assert (ctx.language, ctx.large_print) == ("cy", True)
    with pytest.raises(LetterFieldError, match="language: expected one of en, cy, cy\\+en"):
        sample_context("warning", fields={"language": "fr"})
    with pytest.raises(LetterFieldError, match="large_print: expected yes or no"):
        sample_context("warning", fields={"large_print": "big"})


def test_every_english_template_has_a_welsh_one():
    english = {p.name for p in TEMPLATES.glob("*.j2")} - {"base.html.j2", "document.html.j2"}
    welsh = {p.name for p in (TEMPLATES / "cy").glob("*.j2")}
    assert english == welsh


def _catalogue_ids() -> set[str]:
    """Every message id the letters ask the catalogue for."""
    ids: set[str] = set()
    for path in TEMPLATES.rglob("*.j2"):
        ids |= set(re.findall(r"_\('([^']+)'", path.read_text("utf-8")))
    for kind in KINDS.values():
        ids |= {kind.title, kind.about}
    ids |= set(MEETING_TITLES.values()) | set(DEFAULT_WORDS.values())
    ids |= set(ROLE_TITLES.values()) | set(ROLE_PHRASES.values())
    ids |= {"Outcome of the review of your {ban}: {ban_short} {lifted}"}
    ids |= {"d MMMM y", "EEEE d MMMM y", "H:mm", "and", "and (before a vowel)"}
    return ids


def test_the_welsh_catalogue_translates_every_word_the_letters_ask_for():
    with (LOCALE_DIR / "cy" / "LC_MESSAGES" / "letters.po").open("rb") as f:
        catalogue = read_po(f)
    translated = {m.id: m.string for m in catalogue if m.id and m.string}
    missing = sorted(_catalogue_ids() - set(translated))
    assert missing == []
    # A translation keeps every placeholder its message has ({ban}, %(name)s).
    for msgid, msgstr in translated.items():
        for holder in re.findall(r"%\(\w+\)s", msgid):
            assert holder in msgstr, msgid


def test_a_second_language_is_files_not_code(tmp_path: Path):
    # Everything Welsh is in the template folder and the catalogue; no Python names Welsh words.
    sources = Path(__file__).resolve().parents[2] / "letters"
    for path in sources.glob("*.py"):
        assert "Annwyl" not in path.read_text("utf-8"), path.name
