"""The presets keep the seed policies' words: every behaviour word for word, notes included.

The seeds (the two published policies the product was made from) are kept in
tests/data/seeds/ as they were given. Letters quote these labels to parents, so a
paraphrase would put words in the school's mouth.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.policy import load_preset

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"


def bullets(text: str, start: str, end: str) -> list[str]:
    """The bulleted lines between two headings of a seed, as written (bullet and spaces trimmed)."""
    section = text[text.index(start) : text.index(end, text.index(start))]
    return [
        line.strip()[1:].strip()
        for line in section.splitlines()
        if line.strip()[:1] in ("•", "·")
    ]


def test_meeting_first_quotes_seed_000_word_for_word() -> None:
    seed = (SEEDS / "000-stockham-meeting-first.txt").read_text("utf-8")
    policy = load_preset("meeting-first")
    assert [b.label for b in policy.behaviours] == bullets(
        seed, "Behaviour that will not be tolerated", "Should any of the above"
    )
    assert [b.label for b in policy.online_activities] == bullets(
        seed, "Online activity which we consider inappropriate", "At our school we take"
    )
    # The notes in brackets are part of the wording (the issue names this one).
    assert policy.behaviour("approaching-child").label.endswith(
        "(Such an approach to a child may be seen to be an assault on that child and may have "
        "legal consequences)"
    )
    # The complaints route of the seed's section on social media, its own words.
    route = [
        line.strip()[3:].strip()
        for line in seed.splitlines()
        if line.strip()[:2] in ("1.", "2.", "3.")
    ]
    assert list(policy.complaints.route) == route


def test_warning_first_quotes_seed_001_word_for_word() -> None:
    seed = (SEEDS / "001-st-peters-warning-first.txt").read_text("utf-8")
    policy = load_preset("warning-first")
    assert [b.label for b in policy.behaviours] == bullets(
        seed, "Behaviour that will not be tolerated", "Number 4"
    )
    assert policy.behaviour("disciplining-others-child").label.endswith(
        "please bring any behaviour incidents to a member of staff’s attention"
    )


@pytest.mark.parametrize("preset", ["meeting-first", "warning-first"])
def test_no_label_is_cut_short(preset: str) -> None:
    # A label that ends mid-note ("(other than guide dogs" without its bracket) is a paste slip.
    for b in load_preset(preset).all_behaviours:
        assert b.label.count("(") == b.label.count(")"), b.id
