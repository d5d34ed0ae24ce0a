"""Whatever text arrives (names, summaries, notes), the store gives back exactly what it was given."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.config import load_config
from casework.events import EventType
from casework.payloads import Text
from store.casebook import Casebook
from tests.support.school import write_config

# Any Unicode a parent or the office might type, markup and control characters included.
text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(
    str.strip
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=text, summary=text, note=text)
def test_any_text_survives_the_store(name: str, summary: str, note: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        book = Casebook(load_config(write_config(Path(tmp), "warning-first")))
        case = book.open_case(name=name, behaviours=["swearing"], summary=summary)
        book.add(case.ref, EventType.NOTE, note, Text(note))
        fresh = Casebook(load_config(Path(tmp) / "config.toml"))
        file = fresh.file(case.ref)
        assert file.case.summary == summary
        assert file.case.subjects[0].name == name.strip()
        assert file.events[-1].summary == note and file.events[-1].data == Text(note)
        assert fresh.store.audit.verify()[1] is None
