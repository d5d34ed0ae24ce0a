"""What `case list` and `case show` print: stable JSON for scripts, plain text for people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from casework.rules import defamation_limit, next_due

if TYPE_CHECKING:
    from casework.cases import Case
    from casework.config import Config
    from casework.outbox import LetterRecord
    from store.casebook import CaseFile

# `case list` needs only case_summary: what `case show` alone reads (the event payloads,
# the JSON encoder of records) is imported by the functions that read it.

JSON_VERSION = 1
# The name under which the store keeps `case list`'s rows (store/case_rows.py): the digest
# of the rows tests/cli/test_case_rows.py makes from its sample cases. That test fails when a
# row changes and this does not, so no copy can show a row as an older release made it.
CASE_ROW_FORMAT = "case-rows-232cdeb407bf455f"


def case_summary(config: Config, case: Case, today: date) -> dict[str, Any]:
    """One case as a `case list --json` row."""
    due = next_due(case, today, config.policy)
    return {
        "ref": case.ref,
        "status": case.status.value,
        "step": case.step,
        "step_label": config.policy.label(case.step),
        "subjects": [s.name for s in case.subjects],
        "behaviours": list(case.behaviours),
        "severity": case.severity.value,
        "summary": case.summary,
        "opened": case.opened.isoformat(),
        "last_activity": case.last_activity.isoformat(),
        "next_due": {"on": due.on.isoformat(), "what": due.what} if due else None,
        "flags": list(case.flags),
        "bans_in_force": sum(1 for b in case.bans if b.in_force(today)),
    }


def evidence_of(file: CaseFile) -> list[dict[str, Any]]:
    """Evidence on a case: every event that kept bytes in the vault (files, emails, letters)."""
    from casework.events import EventType
    from casework.payloads import EvidenceAdded, LetterMoved

    items = []
    for e in file.events:
        d = e.data
        if isinstance(d, EvidenceAdded):
            kind = d.kind.value
        elif isinstance(d, LetterMoved) and e.type is EventType.LETTER_DRAFTED:
            kind = "letter"
        else:
            continue
        items.append(
            {"sha256": d.sha256, "name": d.name, "kind": kind, "event_id": e.id, "at": e.at.isoformat()}
        )
    return items


def case_detail(
    config: Config, file: CaseFile, letters: Sequence[LetterRecord], today: date
) -> dict[str, Any]:
    """A case as `case show --json` prints it."""
    from casework.serial import to_json

    case_json = to_json(file.case)
    case_json["step_label"] = config.policy.label(file.case.step)
    return {
        "version": JSON_VERSION,
        "case": case_json,
        "summary": case_summary(config, file.case, today),
        "people": [to_json(p) for p in file.people],
        "events": [to_json(e) for e in file.events],
        "evidence": evidence_of(file),
        "letters": [to_json(x) for x in letters],
        "suggestion": {"step": file.suggestion.step, "why": file.suggestion.why}
        if file.suggestion
        else None,
        "waiting": file.waiting or None,
    }


def case_text(config: Config, file: CaseFile, letters: Sequence[LetterRecord], today: date) -> str:
    """A case for a person to read in a terminal."""
    from casework.readable import event_words

    c = file.case
    lines = [
        f"{c.ref}  {c.summary}",
        f"  status:     {c.status.value}" + (f" ({c.outcome})" if c.outcome else ""),
        f"  about:      {', '.join(s.name for s in c.subjects)}",
        f"  reporter:   {c.reporter}",
        f"  severity:   {c.severity.value}",
        f"  behaviours: {', '.join(c.behaviours)}",
        f"  step:       {c.step} ({config.policy.label(c.step)})",
    ]
    if file.suggestion:
        lines.append(f"  suggested:  {file.suggestion.step} ({file.suggestion.why})")
    elif file.waiting and c.is_open:
        lines.append(f"  waiting:    for {file.waiting}")
    if c.flags:
        lines.append(f"  flags:      {', '.join(c.flags)}")
    due = next_due(c, today, config.policy)
    if due:
        lines.append(f"  next due:   {due.on.isoformat()} {due.what}")
    for p in file.people:
        lines.append(f"  person:     {p.name} <{', '.join(p.emails)}> prefers {p.channel.value}")
        if p.signed_code_on:
            lines.append(
                f"              signed the code of conduct on {p.signed_code_on.isoformat()}"
            )
    for ban in c.bans:
        lines.append(
            f"  ban {ban.id}: {ban.status.value}, {ban.starts_on} to {ban.ends_on}, "
            f"review {ban.review_on}"
            + (
                f", representations by {ban.representations_deadline}"
                if ban.representations_deadline
                else ""
            )
        )
    for mark in c.incidents:
        limit = defamation_limit(config.policy, c, mark)
        if mark.published_on and limit:
            lines.append(
                f"  published {mark.published_on}: a defamation claim must start by {limit}"
            )
        elif mark.published_on:
            lines.append(f"  published {mark.published_on}")
    for r in c.referrals:
        lines.append(
            f"  referral:   {r.to} on {r.on}"
            + (f", reference {r.reference}" if r.reference else "")
        )
    lines.append("\nTimeline:")
    for e in file.events:
        lines.append(f"  {e.at:%Y-%m-%d %H:%M}  {e.type.value:<24} {e.summary}  ({e.actor})")
        words = event_words(e)
        # A statement or an account is read in full here, not only its first line.
        if words and words != e.summary:
            lines += [f"{'':<20}| {line}" for line in words.splitlines()]
    evidence = evidence_of(file)
    if evidence:
        lines.append("\nEvidence:")
        for item in evidence:
            lines.append(f"  {item['sha256']}  {item['name']}")
    if letters:
        lines.append("\nLetters:")
        for x in letters:
            lines.append(f"  {x.id}  {x.kind:<20} {x.status.value:<18} {x.pdf_sha256[:16]}")
    return "\n".join(lines)
