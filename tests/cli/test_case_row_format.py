"""`case list` keeps its rows under a name that changes whenever what a row says changes."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from casework.restricted import masked
from conduct import views
from conduct.demo_seed import seed_demo_cases
from store.casebook import Casebook


def sample_rows(book: Casebook) -> list[str]:
    """Rows of the demo's cases, in full and masked, on the tests' day and two months on."""
    seed_demo_cases(book)
    book.open_case(name="Pat Parent", behaviours=["swearing"], summary="No dates yet")
    today = book.clock.today()
    return [
        json.dumps(views.case_summary(book.config, shown, day))
        for day in (today, today + timedelta(days=61))
        for case in book.cases("all")
        for shown in (case, masked(case))
    ]


def test_the_row_format_names_the_rows_this_code_makes(book: Casebook) -> None:
    """store/case_rows.py keeps rows across runs, filed under views.CASE_ROW_FORMAT.

    When this fails, a row now says something else: set CASE_ROW_FORMAT to the name below,
    and every copy made by the old code is made again rather than shown.
    """
    rows = sample_rows(book)
    dues = {json.loads(r)["next_due"]["what"] for r in rows if json.loads(r)["next_due"]}
    assert {"meeting", "ban review"} <= dues  # the sample has rows whose dates matter
    name = "case-rows-" + hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
    assert name == views.CASE_ROW_FORMAT
