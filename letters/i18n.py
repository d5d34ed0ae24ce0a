"""Letters in more than one language: message catalogues, and dates and numbers by Babel.

A language is a directory of templates (``templates/cy/``) and a catalogue
(``locale/cy/LC_MESSAGES/letters.po``, read as it is: no compiled .mo to keep in step).
English is the templates at the top level and the catalogue's own message ids. Adding a
language is adding those two things and its code to ``casework.kinds.LANGUAGES``.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from casework.letter_info import uk_time
from casework.policy_terms import WORDING_KEYS, Wording
from letters.kinds import DEFAULT_WORDS

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "letters"
BABEL_LOCALES: Mapping[str, str] = {"en": "en_GB", "cy": "cy_GB"}

def languages(mixed: str) -> tuple[str, ...]:
    """The single languages of a letter: ``"cy+en"`` is Welsh, then English."""
    return tuple(part for part in mixed.split("+") if part)


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of one language (English: the message ids themselves)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po.is_file():
        return gettext.NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=BABEL_LOCALES.get(language, language), domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def words(language: str, wording: Iterable[tuple[str, Wording]]) -> dict[str, str]:
    """The words a letter in ``language`` uses for a ban: the policy's, else the catalogue's."""
    own = dict(wording).get(language, Wording())
    tr = translations(language).gettext
    out = {}
    for key in WORDING_KEYS:
        value = getattr(own, key)
        out[key] = value if value is not None else tr(DEFAULT_WORDS[key])
    return out


def _as_date(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return date.fromisoformat(value)  # a school's own field, written YYYY-MM-DD
    return value.date() if isinstance(value, datetime) else value


def filters(language: str) -> dict[str, Callable[..., Any]]:
    """The Jinja filters of one language: dates, times, numbers, lists, catalogue look-ups."""
    locale = BABEL_LOCALES.get(language, language)
    tr = translations(language).gettext

    def long_date(value: date | str | None) -> str:
        d = _as_date(value)
        return format_date(d, tr("d MMMM y"), locale=locale) if d else ""

    def long_day(value: date | str | None) -> str:
        d = _as_date(value)
        return format_date(d, tr("EEEE d MMMM y"), locale=locale) if d else ""

    def time_of_day(value: time | None) -> str:
        if value is None:
            return ""
        if language == "en":
            return uk_time(value)  # GOV.UK style: 10am, 3:30pm, midday
        return format_time(value, tr("H:mm"), locale=locale)

    def number(value: float) -> str:
        return format_decimal(value, locale=locale)

    def join_and(items: Iterable[Any]) -> str:
        names = [str(i) for i in items if str(i)]
        if len(names) < 2:
            return "".join(names)
        last = names[-1]
        # Welsh "ac" before a vowel; each catalogue says what its "and" is in both places.
        conj = tr("and (before a vowel)") if last[:1].lower() in "aeiouwyâêîôûŵŷ" else tr("and")
        return f"{', '.join(names[:-1])} {conj} {last}"

    def translate(value: str) -> str:
        # A plain str (escaped when printed), unlike _(), whose result is trusted markup:
        # this is used on words that came from config, never on our own template text.
        return tr(value) if value else ""

    return {
        "date": long_date,
        "day": long_day,
        "time": time_of_day,
        "number": number,
        "join_and": join_and,
        "tr": translate,
        "sentence": sentence,
        # The names templates (and schools' overrides) have always used.
        "uk_date": long_date,
        "uk_day": long_day,
        "uk_time": time_of_day,
    }


def sentence(value: str) -> str:
    """The first letter in capitals, the rest as written (Jinja's capitalize lowers the rest)."""
    return value[:1].upper() + value[1:]
