"""From a letter's context to its HTML and covering note, in one language or two. No PDF here.

One Jinja environment per language (its catalogue and its date filters), created when first
needed and reused. A school's templates (``[letters] template_dir``) come first and run in
the immutable sandbox; ours are the fallback. For a language other than English the
template is looked for under ``LANG/`` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from casework.letter_context import LetterContext
from casework.record import record
from letters.i18n import filters, languages, translations, words
from letters.kinds import (
    KINDS,
    LetterInfo,
    LetterKind,
    LetterTemplateError,
    check_context,
    letter_kind,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# The school's logo, as templates name it: the renderer's fetcher knows the file behind it, so
# no path ever enters a template's data.
LOGO_URL = "conduct-logo:school"
COVERING_NOTE = "covering-note.txt.j2"
DOCUMENT = "document.html.j2"
NOTE_SEPARATOR = "\n" + "-" * 40 + "\n\n"
# BCP 47 tags for <html lang> (the PDF's /Lang) and each part's lang.
LANGUAGE_TAGS = {"en": "en-GB", "cy": "cy-GB"}


@record
class Composed:
    """A letter as HTML with its covering note, title and email subject (all languages in it)."""

    html: str
    note: str
    title: str
    subject: str


class Templates:
    """The template environments of one school: its overrides, its kinds, its logo."""

    def __init__(
        self,
        template_dir: Path | None = None,
        kinds: Mapping[str, LetterKind] = KINDS,
        *,
        has_logo: bool = False,
    ) -> None:
        self.template_dir = template_dir
        self.kinds = kinds
        self.has_logo = has_logo
        self._envs: dict[str, jinja2.Environment] = {}

    def env(self, language: str = "en") -> jinja2.Environment:
        """The environment of one language (created once)."""
        found = self._envs.get(language)
        if found is None:
            found = self._envs[language] = _environment(self.template_dir, language)
        return found

    def kind(self, name: str) -> LetterKind:
        """One of this school's kinds; UnknownKindError lists them."""
        return letter_kind(name, self.kinds)

    def template_data(
        self, kind: str | LetterKind, context: LetterContext | Mapping[str, Any]
    ) -> dict[str, Any]:
        """What a template sees: the context's plain data, the kind's words, the logo's name."""
        letter = self.kind(kind) if isinstance(kind, str) else kind
        ctx = context.as_mapping() if isinstance(context, LetterContext) else dict(context)
        check_context(letter, ctx)
        return {
            **ctx,
            "letter": letter.info,
            "title": letter.info.title,
            # A fixed name the fetcher resolves, never the file's path (see LOGO_URL).
            "logo_src": LOGO_URL if self.has_logo else "",
        }

    def compose(self, kind: str, context: LetterContext | Mapping[str, Any]) -> Composed:
        """The letter's HTML document (one article per language), note, title and subject."""
        letter = self.kind(kind)
        data = self.template_data(letter, context)
        parts, notes, infos = [], [], []
        langs = self._languages(letter, str(data.get("language") or "en"))
        for lang in langs:
            part = self._part_data(letter, data, lang)
            parts.append(Markup(self.render(self._name(letter.template, lang), part, lang)))
            notes.append(self.render(self._name(COVERING_NOTE, lang), part, lang))
            infos.append(part["letter"])
        first = infos[0]
        title = " / ".join(dict.fromkeys(i.title for i in infos))
        html = self.render(
            DOCUMENT,
            {
                **data,
                "letter": first,
                "doc_title": title,
                "doc_lang": LANGUAGE_TAGS.get(langs[0], langs[0]),
                "parts": parts,
            },
            langs[0],
        )
        return Composed(
            html=html,
            note=NOTE_SEPARATOR.join(notes),
            title=title,
            subject=" / ".join(dict.fromkeys(i.subject for i in infos)),
        )

    def render(self, name: str, data: Mapping[str, Any], language: str = "en") -> str:
        """One template of one language; a template's mistake becomes a LetterTemplateError."""
        try:
            return self.env(language).get_template(name).render(data)
        except jinja2.TemplateError as exc:
            where = (
                f" ({exc.filename}:{exc.lineno})"
                if isinstance(exc, jinja2.TemplateSyntaxError)
                else ""
            )
            raise LetterTemplateError(
                f"template {name}{where}: {type(exc).__name__}: {exc}"
            ) from exc

    def has_template(self, name: str, language: str) -> bool:
        """Whether this school (or the package) has ``name`` in ``language``."""
        try:
            self.env(language).get_template(self._name(name, language))
        except jinja2.TemplateNotFound:
            return False
        except jinja2.TemplateError:
            return True  # it exists; rendering will say what is wrong with it
        return True

    def _languages(self, letter: LetterKind, mixed: str) -> tuple[str, ...]:
        # A school's own kind without a template in a language is written in English.
        langs = [
            lang if lang == "en" or self.has_template(letter.template, lang) else "en"
            for lang in languages(mixed)
        ]
        return tuple(dict.fromkeys(langs)) or ("en",)

    def _part_data(self, letter: LetterKind, data: Mapping[str, Any], lang: str) -> dict[str, Any]:
        said = words(lang, data.get("wording") or ())
        info: LetterInfo = letter.words_in(lang, data, translations(lang).gettext, said)
        tag = LANGUAGE_TAGS.get(lang, lang)
        return {**data, "lang": tag, "words": said, "letter": info, "title": info.title}

    @staticmethod
    def _name(name: str, language: str) -> str:
        return name if language == "en" else f"{language}/{name}"


def _environment(template_dir: Path | None, language: str) -> jinja2.Environment:
    package = jinja2.FileSystemLoader(TEMPLATES)
    options: dict[str, Any] = {
        "autoescape": jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2"), disabled_extensions=("txt.j2",), default=True
        ),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "auto_reload": False,
        "extensions": ["jinja2.ext.i18n"],
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
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(filters(language))
    return env
