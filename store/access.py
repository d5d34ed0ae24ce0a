"""Reading a case as a given member of staff: restricted cases in full only for the named roles.

Every full view of a restricted case (criminal-offence data, UK GDPR article 10) is recorded
as a ``restricted-viewed`` event on the case, committed with its audit entry, so the school
can say who saw it and when. The case's last activity is left as it was: looking is not work.
"""

from __future__ import annotations

from casework.events import EventType, make_event
from casework.payloads import RecordViewed
from casework.record import record
from casework.restricted import Restriction, may_see, restriction, withheld_notice
from store.casebook import Casebook, CaseFile
from store.records import Cases, Events
from store.staff import load_register


@record
class CaseView:
    """A case as one person may see it: the whole file, or only that it is restricted."""

    ref: str
    file: CaseFile | None  # None: withheld from this person
    restriction: Restriction | None
    notice: str = ""  # what to tell someone the case is withheld from

    @property
    def withheld(self) -> bool:
        """The person may not see this case in full."""
        return self.file is None


def restriction_of(book: Casebook, ref: str) -> Restriction | None:
    """The case's restriction under the school's ``[staff] restricted_roles``."""
    return restriction(book.config.policy, book.get(ref), book.config.staff.restricted_roles)


def view_case(book: Casebook, ref: str, where: str, *, record: bool = True) -> CaseView:
    """The case for this casebook's actor; a full view of a restricted case is recorded.

    ``record=False`` is for a screen refreshing what it already shows (its opening was
    recorded): each refresh recorded would be a change that refreshes it again.
    """
    case = book.get(ref)
    limits = restriction(book.config.policy, case, book.config.staff.restricted_roles)
    if not may_see(book.actor, limits):
        assert limits is not None
        register = load_register(book.store)
        return CaseView(case.ref, None, limits, withheld_notice(case.ref, limits, register))
    if limits is not None and record:
        record_view(book, case.ref, where)
    return CaseView(case.ref, book.file(case.ref), limits)


def open_evidence(book: Casebook, ref: str, sha256: str, where: str) -> bytes:
    """A piece of a case's evidence, for someone who may see the case (recorded if restricted)."""
    limits = restriction_of(book, ref)
    if not may_see(book.actor, limits):
        assert limits is not None
        raise PermissionError(withheld_notice(ref.upper(), limits, load_register(book.store)))
    if limits is not None:
        record_view(book, ref.upper(), where, sha256)
    return book.vault.get(sha256)


def record_view(book: Casebook, ref: str, where: str, sha256: str = "") -> None:
    """An audited event: who saw a restricted case in full, where, and when."""
    with book.store.transaction(book.actor.name) as tx:
        case = Cases(tx).get(ref)
        assert case is not None
        what = f"evidence {sha256[:12]}" if sha256 else "the case"
        event = make_event(
            case.ref,
            tx.actor,
            EventType.RESTRICTED_VIEWED,
            f"Restricted record viewed ({where}): {what}",
            RecordViewed(where, sha256),
            at=book.clock.now(),
        )
        Events(tx).add(event)
        tx.note(f"{case.ref} restricted-viewed by {tx.actor} ({where})")
