"""A subject access bundle as data: its items, the other people in them, and the school's
decision about each (disclose, redact or withhold), applied to the bundle's text only.

Pure: the store gathers the items, the letters layer lays them out; this module decides what
each item says once the decisions are applied. Stored evidence is never changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from casework.record import record


class Role(StrEnum):
    """Who another identifiable person is, as far as the records tell."""

    STAFF = "staff"
    PARENT = "parent"  # another parent, carer or visitor
    CHILD = "child"
    OTHER = "other"  # named in the records (a target, a witness) and known as nothing else


class Action(StrEnum):
    """What the school decided to do with another person's information."""

    DISCLOSE = "disclose"
    REDACT = "redact"
    WITHHOLD = "withhold"


# The starting point the school reviews; each is only a default with its usual reason.
DEFAULTS: Mapping[Role, tuple[Action, str]] = {
    Role.STAFF: (Action.DISCLOSE, "staff acting in their professional role (to be confirmed)"),
    Role.PARENT: (Action.REDACT, "another parent: no consent to disclose (to be confirmed)"),
    Role.CHILD: (Action.REDACT, "a child: no consent to disclose (to be confirmed)"),
    Role.OTHER: (Action.REDACT, "a third party: no consent to disclose (to be confirmed)"),
}


@record
class Item:
    """One entry of the bundle: a case summary, an event, a letter, an email, an attachment."""

    number: int
    kind: str
    title: str
    case_ref: str
    at: datetime | None
    body: str
    original: str = ""  # the original file's name in originals/ ("" when there is none)
    sha256: str = ""  # of the original


@record
class Party:
    """Another identifiable person: a name and the addresses they are known by."""

    name: str
    role: Role
    addresses: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """How a worklist row is matched to this person."""
        return self.name.strip().lower()


@record
class WorkItem:
    """One row of the redaction worklist: a person, where they appear, the decision, why."""

    id: str  # R1, R2, ...: the mark left in the bundle where they are redacted
    name: str
    role: Role
    action: Action
    reason: str
    items: tuple[int, ...]  # bundle item numbers they appear in


class WorklistError(ValueError):
    """A worklist row that cannot be used; names the row and the field."""


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    words = sorted({t.strip() for t in terms if len(t.strip()) >= 2}, key=len, reverse=True)
    if not words:
        return None
    # Whole words only, any case: "Ann" must not match "Annual".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)


def mentions(
    items: Sequence[Item], party: Party, lowered: Sequence[str] | None = None
) -> tuple[int, ...]:
    """The items whose title or text names the person or one of their addresses.

    ``lowered`` (each item's title and body in lower case) lets a caller with many people
    skip the items that cannot match before any pattern is built.
    """
    texts = lowered if lowered is not None else [f"{i.title}\n{i.body}".lower() for i in items]
    terms = [t.strip().lower() for t in (party.name, *party.addresses) if len(t.strip()) >= 2]
    maybe = [i for i, text in zip(items, texts, strict=True) if any(t in text for t in terms)]
    pattern = _pattern(terms) if maybe else None
    if pattern is None:
        return ()
    return tuple(i.number for i in maybe if pattern.search(i.title) or pattern.search(i.body))


# When the records know a person in two ways, the stronger tells who they are.
_RANK = {Role.STAFF: 0, Role.PARENT: 1, Role.CHILD: 2, Role.OTHER: 3}


def merge_parties(parties: Iterable[Party]) -> list[Party]:
    """One party per person: the same name (any case) or a shared email address."""
    merged: list[Party] = []
    index: dict[str, int] = {}  # a name key or an address -> its place in ``merged``
    for p in parties:
        if not p.name.strip():
            continue
        tokens = [p.key, *(a.lower() for a in p.addresses)]
        same = next((index[t] for t in tokens if t in index), None)
        if same is None:
            same = len(merged)
            merged.append(Party(p.name.strip(), p.role, p.addresses))
        else:
            q = merged[same]
            # A real name beats an address used as a name.
            name = q.name if "@" not in q.name or "@" in p.name else p.name.strip()
            role = min(q.role, p.role, key=_RANK.__getitem__)
            merged[same] = Party(name, role, tuple(dict.fromkeys((*q.addresses, *p.addresses))))
        for t in (*tokens, merged[same].key):
            index.setdefault(t, same)
    return merged


def worklist(
    items: Sequence[Item], parties: Iterable[Party], earlier: Mapping[str, WorkItem] = {}
) -> list[WorkItem]:
    """Everyone else the bundle names, with the decision recorded earlier or the default."""
    rows: list[WorkItem] = []
    people = merge_parties(parties)
    lowered = [f"{i.title}\n{i.body}".lower() for i in items]
    for party in sorted(people, key=lambda p: (_RANK[p.role], p.key)):
        where = mentions(items, party, lowered)
        if not where:
            continue
        before = earlier.get(party.key)
        action, reason = (before.action, before.reason) if before else DEFAULTS[party.role]
        rows.append(WorkItem(f"R{len(rows) + 1}", party.name, party.role, action, reason, where))
    return rows


def apply_decisions(
    items: Sequence[Item], rows: Sequence[WorkItem], parties: Iterable[Party]
) -> tuple[list[Item], int]:
    """The items as disclosed: redacted names marked, withheld items replaced by a notice.

    Returns the items and how many redactions were made. An item that carries any redaction
    or withholding loses its original file (the original would disclose what was redacted).
    """
    addresses = {p.key: p.addresses for p in merge_parties(parties)}
    withheld = {n: r for r in rows if r.action is Action.WITHHOLD for n in r.items}
    count = 0
    out: list[Item] = []
    for item in items:
        if item.number in withheld:
            row = withheld[item.number]
            notice = f"[Withheld ({row.id}): {row.reason}]"
            out.append(replace(item, title=f"{item.kind} withheld", body=notice, original=""))
            count += 1
            continue
        title, body, touched = item.title, item.body, False
        for row in rows:
            if row.action is not Action.REDACT or item.number not in row.items:
                continue
            pattern = _pattern((row.name, *addresses.get(row.name.strip().lower(), ())))
            if pattern is None:
                continue
            mark = f"[redacted {row.id}]"
            title, n1 = pattern.subn(mark, title)
            body, n2 = pattern.subn(mark, body)
            count += n1 + n2
            touched = touched or bool(n1 + n2)
        out.append(replace(item, title=title, body=body, original="" if touched else item.original))
    return out, count


def parse_action(row: int, value: str) -> Action:
    """A worklist cell read as an action, or a WorklistError naming the row."""
    try:
        return Action(value.strip().lower())
    except ValueError:
        raise WorklistError(
            f"worklist row {row}: action: expected disclose, redact or withhold, got {value!r}"
        ) from None


def parse_role(row: int, value: str) -> Role:
    """A worklist cell read as a role, or a WorklistError naming the row."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise WorklistError(
            f"worklist row {row}: role: expected one of {choices}, got {value!r}"
        ) from None
