"""Many letters at once (a term's worth of reviews, a demo): one Renderer per worker process."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from casework.letter_context import LetterContext
from casework.record import record
from letters.kinds import KINDS, LetterKind
from letters.render import RenderedLetter, Renderer, load_weasyprint


@record
class LetterJob:
    """One letter to render in a batch."""

    kind: str
    context: LetterContext
    archive: bool = False


_worker: Renderer | None = None


def _start_worker(
    template_dir: Path | None, logo: Path | None, kinds: Mapping[str, LetterKind]
) -> None:
    global _worker
    _worker = Renderer(template_dir, logo, kinds=kinds)


def _render_job(job: LetterJob) -> RenderedLetter:
    assert _worker is not None, "worker started without a Renderer"
    return _worker.render(job.kind, job.context, archive=job.archive)


def _start_method() -> str:
    """fork when this process is single-threaded, else spawn.

    fork skips re-importing WeasyPrint in every worker (about a second each); but forking a
    process that has other threads (a Textual app, a daemon) can copy a lock held mid-use,
    so any second thread means spawn.
    """
    single = threading.active_count() == 1
    return "fork" if single and "fork" in multiprocessing.get_all_start_methods() else "spawn"


def render_batch(
    jobs: Sequence[LetterJob],
    *,
    template_dir: Path | None = None,
    logo: Path | None = None,
    workers: int | None = None,
    kinds: Mapping[str, LetterKind] = KINDS,
) -> list[RenderedLetter]:
    """Render every job, in order, across ``workers`` processes (default: one per CPU).

    Layout in WeasyPrint is CPU-bound pure Python, so threads would not help; processes do.
    """
    count = workers or os.cpu_count() or 1
    if count <= 1 or len(jobs) < 4:
        renderer = Renderer(template_dir, logo, kinds=kinds)
        return [renderer.render(j.kind, j.context, archive=j.archive) for j in jobs]
    method = _start_method()
    if method == "fork":
        load_weasyprint()  # once here, inherited by every worker
    with ProcessPoolExecutor(
        max_workers=count,
        mp_context=multiprocessing.get_context(method),
        initializer=_start_worker,
        initargs=(template_dir, logo, dict(kinds)),
    ) as pool:
        # One job at a time keeps both workers busy to the end; a letter is ~30 kB to send back.
        return list(pool.map(_render_job, jobs, chunksize=1))
