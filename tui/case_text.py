"""The case screen's texts: who, where on the ladder, what is due. Pure: data in, Rich Text out."""

from __future__ import annotations

from datetime import date

from rich.text import Text

from casework.bans import BanStatus
from casework.ladder import in_order
from casework.policy import Policy
from casework.rules import REPLY_AFTER_CLOSE, defamation_limit, next_due
from store.casebook import CaseFile
from tui.formatting import day, when

ALERT = "bold red"


def summary_text(policy: Policy, file: CaseFile, today: date) -> Text:
    """The few lines always on show: who, the step, what the ladder suggests, what is due."""
    case = file.case
    text = Text()
    text.append(case.ref, style="bold")
    text.append("  ")
    text.append(", ".join(s.name for s in case.subjects) or "(nobody named)", style="bold")
    text.append(f"  · {case.status.value} · {case.severity.value}")
    for flag in case.flags:
        if flag != REPLY_AFTER_CLOSE:
            text.append(f"  ⚑ {flag}", style=ALERT)
    text.append("\n")
    text.append(Text(case.summary, style="italic"))
    text.append("\nStep: ", style="bold")
    text.append(policy.label(case.step))
    if not case.is_open and case.outcome:
        text.append(Text(f"  (closed: {case.outcome})"))
    if REPLY_AFTER_CLOSE in case.flags:
        text.append(
            "\nA reply arrived after this case was closed (e to read it): "
            "u reopens the case, z leaves it closed.",
            style=ALERT,
        )
    if file.suggestion is not None:
        text.append("\nNext:  ", style="bold")
        text.append(policy.label(file.suggestion.step), style="bold green")
        text.append(f"  ({file.suggestion.why}; press t)")
    elif file.waiting and case.is_open:
        text.append("\nWaiting for: ", style="bold")
        text.append(Text(file.waiting))
    due = next_due(case, today, policy) if case.is_open else None
    text.append("\nBehaviours: ", style="bold")
    text.append(Text(", ".join(case.behaviours)))
    if due is not None:
        text.append("   Due: ", style="bold")
        text.append(f"{day(due.on)} {due.what}", style=ALERT if due.on < today else "")
    for ban in case.bans:
        if ban.status is BanStatus.LIFTED:
            continue
        text.append("\nBan: ", style="bold")
        line = f"{ban.status.value}, {day(ban.starts_on)} to {day(ban.ends_on)}, review {day(ban.review_on)}"
        text.append(line, style=ALERT if ban.review_overdue(today) else "")
    return text


def person_text(file: CaseFile) -> Text:
    """Who the case is about: contact details, children, channel, the signed code."""
    text = Text()
    if not file.people:
        text.append("No details recorded for the people on this case.")
    for person in file.people:
        if person.placeholder:
            text.append(
                "Not yet identified: P finds or adds the person. No letter can be drafted "
                "until then.\n\n",
                style=ALERT,
            )
            continue
        text.append(person.name + "\n", style="bold")
        by = person.channel.value
        if person.by_post and not person.address:
            by += " (no postal address: no letter can be sent)"
        elif not person.emails and person.channel.value == "email":
            by = "post (no email address)"
        rows: list[tuple[str, str]] = [
            ("Email", ", ".join(person.emails) or "none recorded"),
            ("Phone", ", ".join(person.phones) or "none recorded"),
            ("Address", ", ".join(person.address) or "none recorded"),
            ("Letters by", by),
        ]
        if person.language or person.large_print:
            words = [person.language or "", "large print" if person.large_print else ""]
            rows.append(("Letters in", ", ".join(w for w in words if w)))
        if person.relationship:
            rows.append(("Relationship", person.relationship))
        if person.signed_code_on:
            rows.append(("Code of conduct", f"signed on {day(person.signed_code_on)}"))
        else:
            rows.append(("Code of conduct", "no signed agreement recorded"))
        for label, value in rows:
            text.append(f"  {label + ':':<17}", style="bold")
            text.append(value + "\n")
        if person.children:
            text.append("  Children:\n", style="bold")
            for child in person.children:
                text.append(f"    {child.name}")
                if child.class_name:
                    text.append(f" — {child.class_name}")
                if not child.parental_responsibility:
                    text.append(" (no parental responsibility)")
                text.append("\n")
        text.append("  P edits these details.\n\n", style="dim")
    return text


def ladder_text(policy: Policy, file: CaseFile, today: date) -> Text:
    """The ladder: where the case is, what follows, what the ladder suggests."""
    case = file.case
    suggested = file.suggestion.step if file.suggestion else None
    text = Text()
    text.append(
        "▶ current   ★ suggested   → may follow   · out of order (needs a reason)\n\n", style="dim"
    )
    for step in policy.steps:
        if step.id == case.step:
            mark, style = "▶", "bold reverse"
        elif step.id == suggested:
            mark, style = "★", "bold green"
        elif in_order(policy, case, step.id):
            mark, style = "→", ""
        else:
            mark, style = "·", "dim"
        text.append(f" {mark} {step.id:<22} ", style=style)
        text.append(step.label, style=style)
        extra = []
        if step.letter:
            extra.append(f"letter: {step.letter}" + (", head approves" if step.approval else ""))
        if extra:
            text.append(f"  ({'; '.join(extra)})", style="dim")
        text.append("\n")
    if case.meetings:
        text.append("\nMeetings\n", style="bold")
        for m in case.meetings:
            text.append(f"  {when(m.at)}  ")
            text.append(Text(m.place))
            text.append(f"  {m.outcome or 'no outcome yet'}\n")
    if case.referrals:
        text.append("\nReferrals\n", style="bold")
        for r in case.referrals:
            text.append(f"  {day(r.on)}  to {r.to}  reference ")
            text.append(Text(r.reference or "(none)"))
            text.append("\n")
    if case.bans:
        text.append("\nBans\n", style="bold")
        for b in case.bans:
            text.append(
                f"  {b.id}: {b.kind.value}, {b.status.value}; {day(b.starts_on)} to "
                f"{day(b.ends_on)}; review {day(b.review_on)}"
            )
            if b.representations_deadline:
                text.append(f"; representations by {day(b.representations_deadline)}")
            text.append("\n    Reasons: ")
            text.append(Text(b.reasons))
            text.append("\n")
    for incident in case.incidents:
        # Only a defamation-route incident has a time limit (a posted photo of pupils does not).
        limit = defamation_limit(policy, case, incident)
        if incident.published_on and limit:
            text.append(
                f"\nPublished {day(incident.published_on)}: a defamation claim must start by "
                f"{day(limit)}.\n",
                style=ALERT if limit < today else "",
            )
    return text
