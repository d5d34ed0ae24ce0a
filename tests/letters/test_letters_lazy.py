"""WeasyPrint is loaded for the first PDF, not before: listing kinds and filling templates skip it."""

from __future__ import annotations

import json
import subprocess
import sys

# Fills a letter's template, notes what is loaded, then renders the PDF and notes again.
PROBE = """
import json, sys
from letters.kinds import KINDS
from letters.render import Renderer
from letters.samples import sample_context
renderer = Renderer()
html = renderer.html("warning", sample_context("warning"))
before = "weasyprint" in sys.modules
pdf = renderer.render("warning", sample_context("warning")).pdf
print(json.dumps({"kinds": len(KINDS), "html": "<html" in html, "before": before,
                  "after": "weasyprint" in sys.modules, "pdf": pdf[:5].decode()}))
"""


def test_weasyprint_is_imported_by_the_first_pdf_only() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    assert result["kinds"] > 0 and result["html"]
    assert result["before"] is False, "making a Renderer or filling a template loaded WeasyPrint"
    assert result["after"] is True and result["pdf"] == "%PDF-"
