"""Restricted records in the store: evidence of a criminal-route case opens only for the named roles."""

from __future__ import annotations

import pytest

from casework.events import EventType
from casework.payloads import EvidenceAdded, EvidenceKind
from casework.staff import Actor, Role
from store.access import open_evidence, view_case
from store.casebook import Casebook


def test_evidence_of_a_restricted_case_opens_for_the_dsl_and_is_logged(book: Casebook) -> None:
    case = book.open_case(name="Sam Sender", behaviours=["threats"], summary="Threatened a teacher")
    sha = book.vault.put(b"the threatening message")
    book.add(case.ref, EventType.EVIDENCE_ADDED, "Evidence: message",
             EvidenceAdded(kind=EvidenceKind.FILE, sha256=sha, name="message.txt"))
    office = Casebook(book.config, book.store, actor=Actor("ooffice", Role.OFFICE))
    with pytest.raises(PermissionError, match="restricted record.*ask them"):
        open_evidence(office, case.ref, sha, "evidence view")
    assert view_case(office, case.ref, "case show").file is None
    dsl = Casebook(book.config, book.store, actor=Actor("ddsl", Role.DSL))
    assert open_evidence(dsl, case.ref, sha, "evidence view") == b"the threatening message"
    views = [e for e in book.file(case.ref).events if e.type is EventType.RESTRICTED_VIEWED]
    assert [(e.actor, e.data.sha256) for e in views] == [("ddsl", sha)]  # type: ignore[union-attr]
    # Restricted roles are the school's choice: without the DSL among them, the DSL is refused.
    from dataclasses import replace

    narrower = replace(book.config, staff=replace(book.config.staff, restricted_roles=("headteacher",)))
    with pytest.raises(PermissionError):
        open_evidence(Casebook(narrower, book.store, actor=Actor("ddsl", Role.DSL)), case.ref, sha, "x")
