"""The front gate's list as one printable A4 page: tagged PDF/UA, like the letters. Pure.

Data in (the entries, the school's name, the day), bytes out. WeasyPrint is imported when
the page is laid out; nothing is fetched but the package's own stylesheet.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import jinja2

from casework.gate import GateEntry
from casework.record import record
from letters.render import LETTER_VARIANT

# Beside the letters' templates, not among them: the list is no letter (no kind, no Welsh
# twin, not a school's override), and only this module reads it.
TEMPLATES = Path(__file__).parent / "gate_templates"
TEMPLATE = "front-gate.html.j2"
STYLESHEET = "front-gate.css"


@record
class GatePage:
    """The laid-out list: the PDF and how many pages it took."""

    pdf: bytes
    pages: int


def _long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def gate_html(entries: Sequence[GateEntry], school: str, today: date) -> str:
    """The list as HTML: every value escaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    rows = [
        {
            "name": e.name,
            "scope": e.scope,
            "until": _long_date(e.until),
            "collection": e.collection,
            "reference": e.reference,
        }
        for e in entries
    ]
    return env.get_template(TEMPLATE).render(
        title="Not to be admitted to the school",
        school=school,
        entries=rows,
        call=entries[0].call if entries else "",
        today=_long_date(today),
        today_iso=today.isoformat(),
    )


def gate_pdf(entries: Sequence[GateEntry], school: str, today: date) -> GatePage:
    """Lay the list out on A4 (landscape), tagged PDF/UA-1 so a screen reader can follow it."""
    from weasyprint import CSS, HTML

    from letters.fetcher import LocalAssetFetcher

    fetcher = LocalAssetFetcher([TEMPLATES], [])
    base = TEMPLATES.as_uri() + "/"
    css = CSS(string=(TEMPLATES / STYLESHEET).read_text("utf-8"), base_url=base, url_fetcher=fetcher)
    document = HTML(
        string=gate_html(entries, school, today), base_url=base, url_fetcher=fetcher
    ).render(stylesheets=[css])
    pdf = document.write_pdf(pdf_variant=LETTER_VARIANT, attachments=[])
    return GatePage(bytes(pdf), len(document.pages))
