"""Each fact a letter states has a source, and a ban letter only describes the ban as recorded."""

from __future__ import annotations

from datetime import date

from casework.bans import BanKind, confirm, lifted, proposed_ban, reviewed, with_representations
from casework.config import Periods
from casework.letter_context import build_context
from casework.letter_facts import ban_letter_refusal, letter_facts
from letters.samples import sample_case, sample_config, sample_person


def test_a_ban_letter_is_refused_for_a_ban_in_a_state_it_does_not_describe() -> None:
    config = sample_config("meeting-first")
    person = sample_person()
    case = sample_case("ban-provisional", config, person)
    ban = proposed_ban("B1", person.id, person.name, BanKind.PROVISIONAL, date(2026, 3, 2), Periods(), "Shouting")
    states = {
        "provisional": ban,
        "confirmed": confirm(ban, date(2026, 3, 13)),
        "reviewed": reviewed(confirm(ban, date(2026, 3, 13)), date(2026, 4, 1), date(2026, 5, 1), "continued", "Still"),
        "lifted": lifted(confirm(ban, date(2026, 3, 13)), date(2026, 4, 1), "Calm"),
    }
    fits = {
        "provisional": {"ban-provisional"},
        "confirmed": {"ban-confirmed"},
        "reviewed": {"ban-review"},
        "lifted": {"ban-lifted"},
    }
    for state, b in states.items():
        with_ban = case.__class__(**{**case.__dict__, "bans": (b,)})
        for kind in ("ban-provisional", "ban-intent", "ban-confirmed", "ban-review", "ban-lifted"):
            refusal = ban_letter_refusal(kind, with_ban)
            assert (refusal is None) == (kind in fits[state]), (state, kind, refusal)
    assert ban_letter_refusal("warning", case) is None


def test_facts_name_their_source() -> None:
    config = sample_config("meeting-first")
    person = sample_person()
    case = sample_case("ban-confirmed", config, person)
    ban = with_representations(case.bans[0], date(2026, 2, 25))
    case = case.__class__(**{**case.__dict__, "bans": (ban,)})
    ctx = build_context(config, case, person, "ban-confirmed", {}, date(2026, 3, 3))
    facts = {f.label: f for f in letter_facts(ctx, case, person, {})}
    assert facts["To"].value == person.name and person.id in facts["To"].source
    assert "2026-02-25" in facts["Representations received"].value
    assert "the ban's record" in facts["Representations received"].source
    assert facts["Reasons"].value == case.bans[0].reasons
    typed = {"incident_summary": "Typed words"}
    warn = sample_case("warning", config, person)
    ctx = build_context(config, warn, person, "warning", typed, date(2026, 3, 3))
    facts = {f.label: f for f in letter_facts(ctx, warn, person, typed)}
    assert facts["What happened"].value == "Typed words"
    assert facts["What happened"].source == "what was typed for this letter"
    assert facts["What happened"].field == "incident_summary"
    ctx = build_context(config, warn, person, "warning", {}, date(2026, 3, 3))
    recorded = {f.label: f for f in letter_facts(ctx, warn, person, {})}["What happened"]
    assert "recorded on the case by Mrs K Patel" in recorded.source
