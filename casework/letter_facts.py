"""Where each fact in a letter comes from, and which ban letters describe the ban as it stands.

A letter says only what the case records (or what the office typed for that letter): the
preview lists each fact with its source and how to correct it there, and a ban letter is
refused when the ban's dated record says something else has happened.
"""

from __future__ import annotations

from collections.abc import Mapping

from casework.bans import Ban, BanKind, BanStatus
from casework.cases import Case
from casework.letter_context import LetterContext
from casework.people import Person
from casework.record import record

BAN_LETTERS = ("ban-provisional", "ban-intent", "ban-confirmed", "ban-review", "ban-lifted")


@record
class Fact:
    """One fact a letter states: what it says, where it came from, and how to correct it."""

    label: str
    value: str
    source: str
    fix: str
    field: str = ""  # the letter's own field, typed in the preview (empty: fixed elsewhere)


def ban_state(ban: Ban) -> str:
    """The ban as its record stands, in words: ``confirmed on 2026-12-04``."""
    if ban.status is BanStatus.LIFTED:
        return f"lifted on {ban.lifted_on.isoformat()}" if ban.lifted_on else "lifted"
    if ban.status is BanStatus.CONFIRMED:
        on = f" on {ban.confirmed_on.isoformat()}" if ban.confirmed_on else ""
        reviewed = f", reviewed on {ban.review_log[-1].on.isoformat()}" if ban.review_log else ""
        return f"confirmed{on}{reviewed}"
    if ban.status is BanStatus.INTENDED:
        return "only intended (a notice of intent, not yet decided)"
    return f"provisional since {ban.starts_on.isoformat()}"


def ban_letter_refusal(kind: str, case: Case) -> str | None:
    """Why a ban letter of ``kind`` does not describe the case's ban now; None when it does."""
    if kind not in BAN_LETTERS:
        return None
    if not case.bans:
        return f"the {kind} letter is about a ban, and {case.ref} has none"
    ban = case.bans[-1]
    state = ban_state(ban)
    refusal = _refusal(kind, ban)
    return f"the {kind} letter does not describe this ban: it is {state}; {refusal}" if refusal else None


def _refusal(kind: str, ban: Ban) -> str:
    """What would have to be recorded first (empty: the letter fits the ban)."""
    if kind == "ban-provisional":
        if ban.kind is not BanKind.PROVISIONAL:
            return "its letter is ban-intent"
        fits = ban.status is BanStatus.PROVISIONAL and not ban.review_log
        return "" if fits else _current_letter(ban)
    if kind == "ban-intent":
        if ban.kind is not BanKind.INTENT:
            return "its letter is ban-provisional"
        return "" if ban.status is BanStatus.INTENDED else _current_letter(ban)
    if kind == "ban-confirmed":
        if ban.status is BanStatus.CONFIRMED and not ban.review_log:
            return ""
        if ban.status in (BanStatus.PROVISIONAL, BanStatus.INTENDED):
            return "record its confirmation first (the ban-confirmed step)"
        return _current_letter(ban)
    if kind == "ban-review":
        if not ban.review_log:
            return "record a review first (the ban-review step)"
        last = ban.review_log[-1]
        if ban.status is BanStatus.LIFTED and last.outcome != "lifted":
            return _current_letter(ban)
        return ""
    # ban-lifted
    return "" if ban.status is BanStatus.LIFTED else "record that it is lifted first (the ban-lifted step)"


def _current_letter(ban: Ban) -> str:
    if ban.status is BanStatus.LIFTED:
        lifted_by_review = ban.review_log and ban.review_log[-1].outcome == "lifted"
        return "its letter now is ban-review" if lifted_by_review else "its letter now is ban-lifted"
    if ban.review_log:
        return "its letter now is ban-review"
    if ban.status is BanStatus.CONFIRMED:
        return "its letter now is ban-confirmed"
    return "its letter now is ban-intent" if ban.kind is BanKind.INTENT else "its letter now is ban-provisional"


def letter_facts(
    ctx: LetterContext, case: Case, person: Person | None, typed: Mapping[str, str]
) -> tuple[Fact, ...]:
    """Every name, address, date and account the letter states, with where each came from."""
    typed = {k: v for k, v in typed.items() if v.strip()}
    rec = ctx.recipient
    who = (
        f"the person's record ({person.id})"
        if person is not None and not person.placeholder
        else "the case (the person is not identified)"
    )
    facts = [
        Fact("To", rec.name or "(no name)", who, "P on the case edits the person"),
        Fact(
            "Address",
            ", ".join(rec.address) or "(none: this letter can only go by email)",
            who,
            "P on the case edits the person",
        ),
        Fact("Email", rec.email or "(none)", who, "P on the case edits the person"),
    ]
    if rec.children:
        children = "; ".join(c.described for c in rec.children)
        facts.append(Fact("Children", children, who, "P on the case edits the person"))
    if ctx.kind not in BAN_LETTERS:  # a ban letter states its reasons, not the incident
        facts += _incident_facts(ctx, case, typed)
    if ctx.meeting_date is not None or "meeting_date" in typed:
        facts += _meeting_facts(ctx, case, typed)
    if ctx.ban is not None and ctx.kind in BAN_LETTERS:
        facts += _ban_facts(ctx, case)
    facts.append(
        Fact(
            "Signed by",
            f"{ctx.signatory.name}, {ctx.signatory.role}",
            "the configuration ([letters] signatory) and the policy's signed_by",
            "edit config.toml",
        )
    )
    return tuple(facts)


def _source(typed: Mapping[str, str], name: str, recorded: str) -> str:
    return "what was typed for this letter" if name in typed else recorded


def _incident_facts(ctx: LetterContext, case: Case, typed: Mapping[str, str]) -> list[Fact]:
    latest = max(case.incidents, key=lambda i: i.occurred_on, default=None)
    recorded = (
        f"the incident recorded on the case by {latest.recorded_by or 'the office'}"
        if latest is not None
        else "nothing recorded: no incident on the case"
    )
    fix = "e corrects it for this letter; i on the case records an incident"
    facts = []
    if ctx.incident_date is not None or ctx.incident_summary:
        shown = ctx.incident_date.isoformat() if ctx.incident_date else "(none)"
        facts.append(
            Fact("Incident date", shown, _source(typed, "incident_date", recorded), fix, "incident_date")
        )
    if ctx.kind in ("information-request", "warning", "meeting-invitation", "stop-and-warn"):
        facts.append(
            Fact(
                "What happened",
                ctx.incident_summary or "(nothing: the letter says no account)",
                _source(typed, "incident_summary", recorded),
                fix,
                "incident_summary",
            )
        )
    return facts


def _meeting_facts(ctx: LetterContext, case: Case, typed: Mapping[str, str]) -> list[Fact]:
    recorded = "the meeting recorded on the case (m)" if case.meetings else "nothing recorded"
    when = " ".join(
        x
        for x in (
            ctx.meeting_date.isoformat() if ctx.meeting_date else "",
            ctx.meeting_time.strftime("%H:%M") if ctx.meeting_time else "",
        )
        if x
    )
    fix = "e corrects it for this letter; m on the case schedules the meeting"
    return [
        Fact("Meeting", when or "(none)", _source(typed, "meeting_date", recorded), fix, "meeting_date"),
        Fact("Place", ctx.meeting_place or "(none)", _source(typed, "meeting_place", recorded), fix, "meeting_place"),
        Fact(
            "With",
            "; ".join(ctx.meeting_attendees) or "(nobody named)",
            _source(typed, "meeting_attendees", "the step and the meeting recorded on the case"),
            fix,
        ),
    ]


def _ban_facts(ctx: LetterContext, case: Case) -> list[Fact]:
    assert ctx.ban is not None
    ban = ctx.ban
    src = f"the ban's record ({ban_state(case.bans[-1])})"
    facts = [
        Fact("Reasons", ban.reasons, "the headteacher's words, recorded with the ban", "b on the case"),
        Fact(
            "Ban dates",
            f"{ban.starts_on.isoformat()} to {ban.ends_on.isoformat()}"
            + ("" if ban.lifted_on else f", review by {ban.review_on.isoformat()}"),
            src,
            "the ban's steps on the case (b, v, l)",
        ),
    ]
    if ban.representations_deadline:
        facts.append(
            Fact("Representations by", ban.representations_deadline.isoformat(), src, "b on the case")
        )
    if ban.representations_received:
        received = ", ".join(d.isoformat() for d in ban.representations_received)
        facts.append(Fact("Representations received", received, src, "p on the case records them"))
    if ban.confirmed_on:
        facts.append(Fact("Confirmed on", ban.confirmed_on.isoformat(), src, "the ban-confirmed step"))
    if ban.review_log and ctx.kind == "ban-review":
        last = ban.review_log[-1]
        facts.append(
            Fact(
                "Review",
                f"{last.on.isoformat()}: {last.outcome}"
                + (f", next by {last.next_review_on.isoformat()}" if last.next_review_on and last.outcome != "lifted" else "")
                + (f"; reason: {last.reason}" if last.reason else ""),
                src,
                "v on the case records a review",
            )
        )
    if ban.lifted_on:
        facts.append(
            Fact(
                "Lifted on",
                ban.lifted_on.isoformat() + (f"; reason: {ban.lift_reason}" if ban.lift_reason else ""),
                src,
                "l on the case lifts the ban",
            )
        )
    return facts
