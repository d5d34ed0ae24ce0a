"""Letter rendering speed: our Renderer against bare WeasyPrint on the same HTML, and a batch.

Run from the repository root:
``.venv/bin/python -m bench.letters_bench [--rounds N] [--batch N] [--workers N]``.
Prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from weasyprint import HTML

from letters.batch import LetterJob, render_batch
from letters.kinds import KINDS
from letters.render import STYLESHEET, TEMPLATES, Renderer
from letters.samples import SAMPLE_LOGO, sample_context

PRESETS = ("meeting-first", "warning-first")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    """Print median warm times per letter, the ratio to bare WeasyPrint, and batch times."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="renders of every kind and preset")
    parser.add_argument("--batch", type=int, default=100, help="letters in the batch")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    renderer = Renderer(logo=SAMPLE_LOGO)
    css = (TEMPLATES / STYLESHEET).read_text("utf-8")
    base_url = TEMPLATES.as_uri() + "/"
    cases = [(kind, sample_context(kind, preset)) for preset in PRESETS for kind in KINDS]
    # Bare WeasyPrint gets the very same HTML with the stylesheet inlined, and default options.
    bare_html = {
        (kind, i): renderer.html(kind, ctx).replace("</head>", f"<style>{css}</style></head>", 1)
        for i, (kind, ctx) in enumerate(cases)
    }

    for i, (kind, ctx) in enumerate(cases):  # warm up both paths
        renderer.render(kind, ctx)
        HTML(string=bare_html[kind, i], base_url=base_url).write_pdf()

    ours: list[float] = []
    bare: list[float] = []
    for _ in range(args.rounds):
        # Interleaved, so drift in machine load hits both sides alike.
        for i, (kind, ctx) in enumerate(cases):
            ours.append(timed(lambda k=kind, c=ctx: renderer.render(k, c)))
            html = bare_html[kind, i]
            bare.append(timed(lambda h=html: HTML(string=h, base_url=base_url).write_pdf()))

    ours_ms = statistics.median(ours) * 1000
    bare_ms = statistics.median(bare) * 1000
    print(
        f"letters: {len(cases)} (kinds x presets), {args.rounds} rounds, {len(ours)} renders each"
    )
    print(f"median warm render, Renderer.render (PDF + sha256 + text + note): {ours_ms:7.1f} ms")
    print(f"median warm render, bare HTML(string=...).write_pdf():           {bare_ms:7.1f} ms")
    print(f"ratio ours / bare: {ours_ms / bare_ms:.2f}x  (target <= 1.25x)")

    jobs = [LetterJob(*cases[i % len(cases)]) for i in range(args.batch)]
    sequential = timed(lambda: [renderer.render(j.kind, j.context) for j in jobs])
    print(f"batch of {args.batch}, one warm process:                  {sequential:6.2f} s")
    pooled = timed(lambda: render_batch(jobs, logo=SAMPLE_LOGO, workers=args.workers))
    print(
        f"batch of {args.batch}, render_batch with {args.workers} worker processes "
        f"(incl. start-up): {pooled:6.2f} s  (target <= 8 s)"
    )


if __name__ == "__main__":
    main()
