"""`conduct sar export`: the bundle, its originals and the redaction worklist, written to a
directory; with --final, the disclosure recorded on the request.

The worklist (``worklist.csv``) has one row per other person the bundle names: ``id``,
``name``, ``role`` (staff, parent, child, other), ``action`` (disclose, redact, withhold),
``reason`` and ``items`` (bundle item numbers). The school edits ``action`` and ``reason``;
the next export reads them back (matched by name) and applies them to the PDF only. An item
with anything redacted or withheld goes without its original file.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Mapping
from pathlib import Path

from casework.record import record
from casework.sar_bundle import (
    Action,
    WorkItem,
    WorklistError,
    apply_decisions,
    parse_action,
    parse_role,
    worklist,
)
from casework.sar_requests import Disclosure, SarRequest
from letters.bundle import render_bundle
from store.casebook import Casebook, NotFound
from store.files import make_dir, write_private
from store.sar_book import SarBook
from store.sar_gather import gather

WORKLIST = "worklist.csv"
BUNDLE = "subject-access-bundle.pdf"
ORIGINALS = "originals"
SUMS = "SHA256SUMS"
COLUMNS = ("id", "name", "role", "action", "reason", "items")


@record
class Exported:
    """What an export wrote and recorded."""

    bundle: Path
    sha256: str
    pages: int
    items: int
    originals: int
    worklist: tuple[WorkItem, ...]
    redactions: int
    request: SarRequest | None
    recorded: bool


def read_worklist(path: Path) -> dict[str, WorkItem]:
    """The decisions in an edited worklist, by the person's name (lower case)."""
    rows: dict[str, WorkItem] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise WorklistError(
                f"{path}: expected the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}"
            )
        for n, row in enumerate(reader, start=2):
            name = (row.get("name") or "").strip()
            if not name:
                raise WorklistError(f"worklist row {n}: name: expected the person's name")
            reason = (row.get("reason") or "").strip()
            action = parse_action(n, row.get("action") or "")
            if action is not Action.DISCLOSE and not reason:
                raise WorklistError(f"worklist row {n}: reason: say why {name} is {action.value}ed")
            role = parse_role(n, row.get("role") or "")
            rows[name.lower()] = WorkItem(row.get("id") or "", name, role, action, reason, ())
    return rows


def worklist_csv(rows: list[WorkItem]) -> bytes:
    """The worklist as CSV (UTF-8 with a BOM, so a spreadsheet opens it right)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for r in rows:
        items = " ".join(str(n) for n in r.items)
        writer.writerow((r.id, _cell(r.name), r.role.value, r.action.value, _cell(r.reason), items))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: never from our records.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export(
    book: Casebook,
    person: str,
    out: Path,
    *,
    worklist_path: Path | None = None,
    request_id: str | None = None,
    final: bool = False,
) -> Exported:
    """Write the bundle, originals and worklist to ``out``; record the disclosure if final."""
    found = gather(book, person)
    wl = worklist_path or out / WORKLIST
    earlier: Mapping[str, WorkItem] = read_worklist(wl) if wl.exists() else {}
    rows = worklist(found.items, found.parties, earlier)
    items, redactions = apply_decisions(found.items, rows, found.parties)
    request = _request(found.requests, request_id)
    if final and request is None:
        raise NotFound(
            f"no open subject access request about {person}: record it first with "
            "`conduct sar open`, or name one with --request"
        )
    make_dir(out)
    originals = out / ORIGINALS
    if originals.exists():
        if not (out / SUMS).exists():
            raise ValueError(
                f"--out: {originals} exists but {out} is not an earlier export (no {SUMS}): "
                "choose a new or empty folder"
            )
        # An earlier export's originals: a redaction decided since must not leave one behind.
        shutil.rmtree(originals)
    make_dir(originals)
    sums = []
    kept = {i.original for i in items if i.original}
    for original in found.originals:
        if original.name in kept:
            data = book.vault.get(original.sha256)
            write_private(originals / original.name, data)
            sums.append(f"{original.sha256}  {ORIGINALS}/{original.name}")
    today = book.clock.today()
    bundle = render_bundle(
        school=book.config.school.name,
        person=found.person.name,
        request_id=request.id if request else "",
        today=today,
        items=items,
        originals=len(sums),
        redactions=redactions,
    )
    path = out / BUNDLE
    write_private(path, bundle.pdf)
    sums.insert(0, f"{bundle.sha256}  {BUNDLE}")
    write_private(out / SUMS, ("\n".join(sums) + "\n").encode())
    # Always the current rows: decisions carried over, anyone new added with the default.
    write_private(out / WORKLIST, worklist_csv(rows))
    if final and request is not None:
        disclosure = Disclosure(
            book.clock.now(), book.actor.name, BUNDLE, bundle.sha256, len(items), redactions
        )
        request = SarBook(book).change(
            request.id, lambda r: r.disclosed(disclosure, today), f"disclosed {bundle.sha256}"
        )
    return Exported(
        path,
        bundle.sha256,
        bundle.pages,
        len(items),
        len(sums),
        tuple(rows),
        redactions,
        request,
        final,
    )


def _request(requests: tuple[SarRequest, ...], wanted: str | None) -> SarRequest | None:
    if wanted:
        match = [r for r in requests if r.id == wanted.upper()]
        if not match:
            raise NotFound(f"--request: no request {wanted!r} about this person")
        return match[0]
    current = [r for r in requests if r.open]
    return current[-1] if current else None
