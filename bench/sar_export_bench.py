"""Subject access export benchmark: `conduct sar export` for one parent with three cases,
twenty emails (eight attachments), a letter and the other people the records name, in a
store that also holds BACKGROUND other cases (10 events each) the export must look through.

Prints the median of RUNS exports (gather, worklist, redaction, PDF, originals, all of it)
and, as the baseline, bare WeasyPrint laying out the same bundle HTML with the same
stylesheet: the ratio is what everything but the layout costs.

Run: .venv/bin/python -m bench.sar_export_bench [--background 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from weasyprint import CSS, HTML

from bench.school import seed as seed_background
from casework.clock import Clock
from casework.config import load_config
from casework.sar_bundle import apply_decisions, worklist
from conduct.sar_export import export
from letters.bundle import STYLESHEET, bundle_html
from letters.templating import TEMPLATES
from store.casebook import Casebook
from store.sar_gather import gather
from tests.support.clock import FIXED
from tests.support.sar_seed import PARENT_EMAIL, seed
from tests.support.school import write_config


def main() -> None:
    """Seed, export RUNS times, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--background", type=int, default=1000, help="other cases in the store")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        root = Path(tmp)
        config = load_config(write_config(root, "warning-first"))
        if args.background:
            seed_background(config, args.background)
        book = Casebook(config, clock=Clock.fixed(FIXED))
        seed(book)
        times, gathers = [], []
        result = None
        for n in range(args.runs):
            t = time.perf_counter()
            result = export(book, PARENT_EMAIL, root / f"out-{n}")
            times.append(time.perf_counter() - t)
            t = time.perf_counter()
            gather(book, PARENT_EMAIL)
            gathers.append(time.perf_counter() - t)
        assert result is not None
        found = gather(book, PARENT_EMAIL)
        rows = worklist(found.items, found.parties)
        items, redactions = apply_decisions(found.items, rows, found.parties)
        html = bundle_html(
            school=config.school.name,
            person=found.person.name,
            request_id="",
            today=FIXED.date(),
            items=items,
            originals=result.originals,
            redactions=redactions,
        )
        css = (TEMPLATES / STYLESHEET).read_text("utf-8")
        bare = []
        for _ in range(args.runs):
            t = time.perf_counter()
            HTML(string=html, base_url=TEMPLATES.as_uri() + "/").write_pdf(
                stylesheets=[CSS(string=css)], pdf_variant="pdf/ua-1"
            )
            bare.append(time.perf_counter() - t)
    export_s, bare_s = statistics.median(times), statistics.median(bare)
    print(
        f"{args.background} other cases; the parent: {len(found.cases)} cases, {result.items} "
        f"items, {result.pages} pages, {result.originals} originals, {len(rows)} other people"
    )
    print(f"export median {export_s:.2f} s (runs: {', '.join(f'{x:.2f}' for x in times)})")
    print(f"  of which gathering from the store {statistics.median(gathers):.2f} s")
    print(f"bare WeasyPrint on the same HTML {bare_s:.2f} s; ratio {export_s / bare_s:.2f}x")


if __name__ == "__main__":
    main()
