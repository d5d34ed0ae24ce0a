"""The subject access bundle as an A4 PDF: an index, then every item's text. Pure: items in,
bytes out.

The letters' conventions: a Jinja2 template with autoescape (nothing from the records is ever
markup or template source), WeasyPrint (imported when the bundle is laid out) fetching nothing
but the package's own assets, no embedded files, and a tagged PDF/UA-1 that a screen reader
can follow.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date

import jinja2

from casework.letter_context import uk_date
from casework.record import record
from casework.sar_bundle import Item
from letters.render import LETTER_VARIANT
from letters.templating import TEMPLATES

TEMPLATE = "sar/bundle.html.j2"
STYLESHEET = "sar/bundle.css"


@record
class Bundle:
    """The rendered bundle: the PDF, its SHA-256 and its page count."""

    pdf: bytes
    sha256: str
    pages: int


def bundle_html(
    *,
    school: str,
    person: str,
    request_id: str,
    today: date,
    items: Sequence[Item],
    originals: int,
    redactions: int,
) -> str:
    """The bundle as HTML: every value escaped by the template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["uk_date"] = uk_date
    return env.get_template(TEMPLATE).render(
        school=school,
        person=person,
        request_id=request_id,
        today=today,
        items=list(items),
        originals=originals,
        redactions=redactions,
    )


def render_bundle(
    *,
    school: str,
    person: str,
    request_id: str,
    today: date,
    items: Sequence[Item],
    originals: int,
    redactions: int,
) -> Bundle:
    """Lay the bundle out as a PDF."""
    html = bundle_html(
        school=school,
        person=person,
        request_id=request_id,
        today=today,
        items=items,
        originals=originals,
        redactions=redactions,
    )
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from letters.fetcher import LocalAssetFetcher

    fetcher = LocalAssetFetcher([TEMPLATES], [])
    fonts = FontConfiguration()
    css = CSS(
        string=(TEMPLATES / STYLESHEET).read_text("utf-8"),
        base_url=TEMPLATES.as_uri() + "/",
        url_fetcher=fetcher,
        font_config=fonts,
    )
    document = HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=fetcher).render(
        font_config=fonts, stylesheets=[css]
    )
    pdf = bytes(document.write_pdf(pdf_variant=LETTER_VARIANT, attachments=[]))
    return Bundle(pdf, hashlib.sha256(pdf).hexdigest(), len(document.pages))
