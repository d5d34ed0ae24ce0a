"""`conduct bans --pdf/--csv`: the front gate's list, read as reception would read it.

The PDF is checked by its extracted text (pdftotext) and rendered to PNG (pdftoppm); the
CSV is parsed back, as a visitor-management system would import it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from casework.cases import Severity
from casework.config import Config, load_config
from casework.gate import CSV_COLUMNS, gate_list, parse_gate_csv
from casework.staff import Actor, Role
from store.casebook import Casebook
from tests.support.cli import conduct
from tests.support.clock import FIXED_CLOCK
from tests.support.school import write_config

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext, pdftoppm) is not installed"
)

GATE = '\n[front_gate]\ncall = "Mr Sam Senior (deputy head), extension 201"\n'


def _ban(book: Casebook, name: str, step: str, **fields: str) -> str:
    case = book.open_case(
        name=name,
        email=f"{name.split()[0].lower()}@example.net",
        behaviours=["threats"],
        severity=Severity.SERIOUS,
        summary="Threats at the gate",
        reporter="Front office",
    )
    book.step(case.ref, step, fields={"reasons": "Threats towards staff", **fields})
    return case.ref


@pytest.fixture
def school(tmp_path: Path) -> tuple[Path, Config]:
    """A school with four bans: two in force, one only intended, one lifted."""
    path = write_config(tmp_path, "warning-first", GATE)
    config = load_config(path)
    # The headteacher decides bans (whoever runs the command line day to day).
    book = Casebook(config, clock=FIXED_CLOCK, actor=Actor("Mrs Helen Head", Role.HEADTEACHER))
    _ban(
        book,
        "Lee Marsh",
        "ban-provisional",
        collection_arrangements="Ava will be brought to the gate at 15:15 & handed to her aunt.",
    )
    _ban(book, "Dana O'Neil-Smith", "ban-provisional", scope="the playground and the car park")
    _ban(book, "Ivy Intent", "ban-intent")
    lifted = _ban(book, "Len Lifted", "ban-provisional")
    book.step(lifted, "ban-lifted", fields={"reason": "No further incidents"})
    return path, config


def test_the_printed_page_lists_who_is_barred_today_and_whom_to_call(
    school: tuple[Path, Config], tmp_path: Path
) -> None:
    path, _ = school
    pdf = tmp_path / "gate.pdf"
    out = conduct(path, "bans", "--pdf", str(pdf)).stdout
    assert out.strip() == f"Wrote {pdf}: 2 ban(s) in force on 2026-03-10."
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = " ".join(text.split())
    assert "Not to be admitted to the school" in words
    assert "Stockham Primary School" in words
    assert "Lee Marsh" in words and "Dana O'Neil-Smith" in words
    assert "Ivy Intent" not in words and "Len Lifted" not in words
    assert "call Mr Sam Senior (deputy head), extension 201" in words
    assert "the playground and the car park" in words
    assert "at 15:15 & handed to her aunt" in words  # escaped in the HTML, plain in print
    assert "None agreed" in words  # Dana has no arrangement: reception is told so
    assert "Printed Tuesday 10 March 2026" in words
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    info = dict((k.strip(), v.strip()) for k, _, v in (ln.partition(":") for ln in out.splitlines()))
    assert (info["Pages"], info["Tagged"]) == ("1", "yes")  # one page, tagged (PDF/UA)
    assert info["Title"] == "Not to be admitted to the school"
    assert info["Page size"].endswith("(A4)")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "gate")], check=True)
    assert (tmp_path / "gate-1.png").stat().st_size > 0 and not (tmp_path / "gate-2.png").exists()


def test_the_csv_reads_back_as_the_list_in_force(
    school: tuple[Path, Config], tmp_path: Path
) -> None:
    path, config = school
    out = tmp_path / "gate.csv"
    conduct(path, "bans", "--csv", str(out))
    raw = out.read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["name"] for r in rows] == ["Dana O'Neil-Smith", "Lee Marsh"]
    lee = rows[1]
    assert lee["from"] == "2026-03-10" and lee["until"] > "2026-03-10"
    assert lee["reference"].endswith("-B1")
    assert lee["collection_arrangements"].startswith("Ava will be brought")
    assert {r["call"] for r in rows} == {"Mr Sam Senior (deputy head), extension 201"}
    # What the file says is the list the ban records give today.
    cases = Casebook(config, clock=FIXED_CLOCK).cases("all")
    assert parse_gate_csv(raw) == gate_list(
        cases, FIXED_CLOCK.today(), config.school, config.front_gate
    )


def test_with_no_ban_in_force_the_page_says_so(tmp_path: Path) -> None:
    path = write_config(tmp_path, "warning-first")
    Casebook(load_config(path))
    assert "No one is barred" in conduct(path, "bans").stdout
    pdf = tmp_path / "empty.pdf"
    conduct(path, "bans", "--pdf", str(pdf), "--csv", str(tmp_path / "empty.csv"))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "No one is barred from the premises today." in text
    assert (tmp_path / "empty.csv").read_text().splitlines() == [",".join(CSV_COLUMNS)]
