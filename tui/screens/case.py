"""One case: who it is about, where it is on the ladder, its timeline, evidence and letters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from casework.bans import DEFAULT_SCOPE, BanKind, BanStatus, proposed_ban
from casework.events import Event, EventType
from casework.fields import parse_local_time
from casework.ladder import StepOrderError, in_order
from casework.outbox import LetterRecord, LetterStatus
from casework.payloads import EvidenceAdded, EvidenceKind, PayloadError
from casework.policy import Route, Step
from casework.recording import recorded_payload
from casework.rules import limitation_date, next_due
from store.casebook import Casebook, CaseFile
from tui.desk import Desk
from tui.formatting import day, when
from tui.opener import open_in_viewer, write_copy
from tui.screens.form_modal import Field, FormModal, FormResult
from tui.screens.reason_modal import ReasonModal
from tui.widgets.record_table import Column, RecordTable

ALERT = "bold red"


@dataclass(frozen=True)
class EvidenceRow:
    """A piece of evidence on the timeline: the event that kept it, and its hash."""

    event: Event

    @property
    def evidence(self) -> EvidenceAdded:
        """What the event kept."""
        assert isinstance(self.event.data, EvidenceAdded)
        return self.event.data

    @property
    def sha256(self) -> str:
        """The evidence's name in the vault."""
        return self.evidence.sha256

    @property
    def name(self) -> str:
        """The file name or the email's subject."""
        return self.evidence.name or self.evidence.subject or self.event.summary

    @property
    def kind(self) -> str:
        """email or file."""
        return self.evidence.kind.value

    @property
    def is_email(self) -> bool:
        """An email, which can be read here and split off to another case."""
        return self.evidence.kind is EvidenceKind.EMAIL or self.name.lower().endswith(".eml")


TIMELINE_COLUMNS: list[Column[Event]] = [
    Column("When", 17, lambda e: when(e.at), lambda e: e.at),
    Column("What", 16, lambda e: e.type.value, lambda e: e.type.value),
    Column("Summary", 24, lambda e: Text(e.summary), None, flex=3),
    Column("By", 10, lambda e: Text(e.actor), lambda e: e.actor, flex=1),
]

EVIDENCE_COLUMNS: list[Column[EvidenceRow]] = [
    Column("Added", 17, lambda r: when(r.event.at), lambda r: r.event.at),
    Column("Kind", 6, lambda r: r.kind, lambda r: r.kind),
    Column("Name", 20, lambda r: Text(r.name), lambda r: r.name.lower(), flex=2),
    Column("SHA-256", 16, lambda r: r.sha256, None, flex=1),
]

LETTER_COLUMNS: list[Column[LetterRecord]] = [
    Column("Drafted", 17, lambda x: when(x.created), lambda x: x.created),
    Column("Letter", 18, lambda x: x.kind, lambda x: x.kind, flex=1),
    Column("Status", 17, lambda x: x.status.value, lambda x: x.status.value),
    Column("By", 5, lambda x: x.channel, None),
    Column("Note", 12, lambda x: Text(x.last_error or x.approved_by), None, flex=1),
]

TABS = ("timeline", "person", "ladder", "evidence", "letters")


def summary_text(desk: Desk, file: CaseFile, today: date) -> Text:
    """The few lines always on show: who, the step, what the ladder suggests, what is due."""
    case = file.case
    text = Text()
    text.append(case.ref, style="bold")
    text.append("  ")
    text.append(", ".join(s.name for s in case.subjects) or "(nobody named)", style="bold")
    text.append(f"  · {case.status.value} · {case.severity.value}")
    for flag in case.flags:
        text.append(f"  ⚑ {flag}", style=ALERT)
    text.append("\n")
    text.append(Text(case.summary, style="italic"))
    text.append("\nStep: ", style="bold")
    text.append(_label(desk, case.step))
    if not case.is_open and case.outcome:
        text.append(Text(f"  (closed: {case.outcome})"))
    if file.suggestion is not None:
        text.append("\nNext:  ", style="bold")
        text.append(_label(desk, file.suggestion.step), style="bold green")
        text.append(f"  ({file.suggestion.why}; press t)")
    due = next_due(case, today) if case.is_open else None
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


def _label(desk: Desk, step_id: str) -> str:
    try:
        return desk.config.policy.step(step_id).label
    except KeyError:
        return step_id


def person_text(file: CaseFile) -> Text:
    """Who the case is about: contact details, children, channel, the signed code."""
    text = Text()
    if not file.people:
        text.append("No details recorded for the people on this case.")
    for person in file.people:
        text.append(person.name + "\n", style="bold")
        rows: list[tuple[str, str]] = [
            ("Email", ", ".join(person.emails) or "none recorded"),
            ("Phone", person.phone or "none recorded"),
            ("Address", ", ".join(person.address) or "none recorded"),
            ("Letters by", person.channel.value),
        ]
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
                text.append("\n")
        text.append("\n")
    return text


def ladder_text(desk: Desk, file: CaseFile, today: date) -> Text:
    """The ladder: where the case is, what follows, what the ladder suggests."""
    policy, case = desk.config.policy, file.case
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
        if incident.published_on:
            limit = limitation_date(incident.published_on)
            text.append(
                f"\nPublished {day(incident.published_on)}: a defamation claim must start by "
                f"{day(limit)}.\n",
                style=ALERT if limit < today else "",
            )
    return text


class CaseScreen(Screen[None]):
    """Works one case: every action is a key, in the footer and the command palette."""

    CSS_PATH = "case.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("t", "take_step", "Step", tooltip="Move up the ladder (the suggested step first)"),
        Binding("i", "incident", "Incident"),
        Binding("s", "statement", "Statement"),
        Binding("n", "note", "Note"),
        Binding("c", "contact", "Contact"),
        Binding("d", "draft_letter", "Letter", tooltip="Draft the letter the ladder suggests"),
        Binding("m", "schedule_meeting", "Meeting"),
        Binding("o", "meeting_outcome", "Outcome", tooltip="Attended, refused or did not come"),
        Binding("b", "impose_ban", "Ban"),
        Binding("p", "representations", "Representations"),
        Binding("v", "review_ban", "Review ban"),
        Binding("l", "lift_ban", "Lift ban"),
        Binding("r", "referral", "Referral", tooltip="Police or legal, with their reference"),
        Binding("k", "complaint", "Complaint"),
        Binding("x", "close_case", "Close case"),
        Binding("u", "reopen", "Reopen"),
        Binding("y", "split_email", "Split email", tooltip="An email threaded into the wrong case"),
        Binding("e", "view_evidence", "View evidence"),
        Binding("a", "approve_letter", "Approve"),
        Binding("w", "submit_letter", "Ask head"),
        Binding("g", "queue_letter", "Send"),
        Binding("f", "open_letter", "Open PDF"),
        Binding("1", "tab('timeline')", "Timeline", show=False),
        Binding("2", "tab('person')", "Person", show=False),
        Binding("3", "tab('ladder')", "Ladder", show=False),
        Binding("4", "tab('evidence')", "Evidence", show=False),
        Binding("5", "tab('letters')", "Letters", show=False),
    ]

    def __init__(self, desk: Desk, ref: str) -> None:
        super().__init__()
        self.desk = desk
        self.ref = ref.upper()
        self.file: CaseFile | None = None
        self.letters: list[LetterRecord] = []
        self._announce = False

    # -- layout and data ----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Summary on top, then tabs for the timeline, person, ladder, evidence, letters."""
        yield Header()
        yield Static(Text(f"{self.ref}  loading…"), id="case-summary")
        with TabbedContent(id="case-tabs", initial="timeline"):
            with TabPane("Timeline", id="timeline"):
                yield RecordTable[Event](
                    TIMELINE_COLUMNS,
                    key=lambda e: e.id,
                    sort_column=0,
                    sort_reverse=True,
                    sort_keys=False,
                    empty="Loading…",
                    id="timeline-table",
                )
            with TabPane("Person", id="person"), VerticalScroll():
                yield Static("", id="person-text")
            with TabPane("Ladder", id="ladder"), VerticalScroll():
                yield Static("", id="ladder-text")
            with TabPane("Evidence", id="evidence"):
                yield RecordTable[EvidenceRow](
                    EVIDENCE_COLUMNS,
                    key=lambda r: r.event.id,
                    sort_column=0,
                    sort_keys=False,
                    empty="No evidence on this case yet.",
                    id="evidence-table",
                )
            with TabPane("Letters", id="letters"):
                yield RecordTable[LetterRecord](
                    LETTER_COLUMNS,
                    key=lambda x: x.id,
                    sort_column=0,
                    sort_keys=False,
                    empty="No letters on this case yet (d drafts one).",
                    id="letter-table",
                )
        yield Footer()

    def on_mount(self) -> None:
        """Load the case."""
        self.title = "Conduct Desk"
        self.sub_title = self.ref
        self.query_one("#timeline-table").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-load")
    def load(self) -> None:
        """Read the case file and its letters in a thread."""
        file = self.desk.book.file(self.ref)
        letters = self.desk.book.letters(self.ref)
        self.app.call_from_thread(self.show, file, letters)

    def show(self, file: CaseFile, letters: list[LetterRecord]) -> None:
        """Put the case on screen, keeping each table's cursor."""
        before = self.file.suggestion if self.file else None
        self.file, self.letters = file, letters
        today = self.desk.today()
        self.query_one("#case-summary", Static).update(summary_text(self.desk, file, today))
        self.query_one("#person-text", Static).update(person_text(file))
        self.query_one("#ladder-text", Static).update(ladder_text(self.desk, file, today))
        self.query_one("#timeline-table", RecordTable).set_rows(file.events)
        evidence = [EvidenceRow(e) for e in file.events if isinstance(e.data, EvidenceAdded)]
        self.query_one("#evidence-table", RecordTable).set_rows(evidence)
        self.query_one("#letter-table", RecordTable).set_rows(letters)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("evidence").label = Text(f"Evidence ({len(evidence)})")
        tabs.get_tab("letters").label = Text(f"Letters ({len(letters)})")
        if self._announce and file.suggestion and file.suggestion != before:
            self.notify(
                f"The ladder now suggests: {_label(self.desk, file.suggestion.step)} "
                f"({file.suggestion.why}). Press t.",
                markup=False,
            )
        self._announce = False
        self.refresh_bindings()

    def store_changed(self) -> None:
        """Something was committed (here or by another process): reload."""
        self.load()

    # -- helpers ------------------------------------------------------------------------

    @property
    def policy(self) -> Any:
        """The school's policy."""
        return self.desk.config.policy

    def _step_where(self, test: Callable[[Step], bool]) -> Step | None:
        return next((s for s in self.policy.steps if test(s)), None)

    def ask(self, modal: FormModal, then: Callable[[FormResult], object]) -> None:
        """Show a form; run ``then`` with the answers unless it was cancelled."""

        def answered(answers: FormResult | None) -> None:
            if answers is not None:
                then(answers)

        self.app.push_screen(modal, answered)

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def write(self, done: str, change: Callable[[Casebook], object]) -> None:
        """Make a change to the store in a thread, then say so and reload."""
        change(self.desk.book)
        self.app.call_from_thread(self._written, done)

    def _written(self, done: str) -> None:
        self._announce = True
        self.notify(done, markup=False)
        self.load()

    def record(
        self, etype: EventType, summary: str, text: str, fields: Mapping[str, Any]
    ) -> None:
        """Record one event on this case, its details checked as the command line checks them."""
        ref = self.ref
        try:
            payload = recorded_payload(
                etype,
                text,
                _strings(fields),
                policy=self.policy,
                today=self.desk.today(),
            )
        except PayloadError as exc:
            self.notify(str(exc), title="Not recorded", severity="error", markup=False)
            return
        self.write(
            f"{ref}: {etype.value.replace('-', ' ')} recorded",
            lambda book: book.add(ref, etype, summary, payload),
        )

    def _selected(self, table_id: str) -> Any:
        return self.query_one(f"#{table_id}", RecordTable).cursor_row

    @property
    def active_tab(self) -> str:
        """The tab on show."""
        return self.query_one(TabbedContent).active or "timeline"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Offer only what makes sense for this case now."""
        file = self.file
        if file is None:
            return action in ("back", "tab") or None
        case = file.case
        live_ban = any(b.status is not BanStatus.LIFTED for b in case.bans)
        if action == "reopen":
            return not case.is_open
        letter = self._selected("letter-table") if self.active_tab == "letters" else None
        if action in ("approve_letter", "submit_letter", "queue_letter", "open_letter"):
            if not isinstance(letter, LetterRecord):
                return False
            if action == "approve_letter":
                return (
                    self.desk.is_headteacher
                    and letter.status in (LetterStatus.AWAITING_APPROVAL, LetterStatus.DRAFTED)
                    and letter.needs_approval
                )
            if action == "submit_letter":
                return letter.status is LetterStatus.DRAFTED and letter.needs_approval
            if action == "queue_letter":
                return letter.status in (LetterStatus.APPROVED, LetterStatus.FAILED) or (
                    letter.status is LetterStatus.DRAFTED and not letter.needs_approval
                )
            return True
        if action in ("split_email", "view_evidence"):
            row = self._selected("evidence-table") if self.active_tab == "evidence" else None
            if action == "split_email":
                return isinstance(row, EvidenceRow) and row.is_email and case.is_open
            return isinstance(row, EvidenceRow)
        if action in ("review_ban", "lift_ban", "representations"):
            return case.is_open and live_ban
        if action in ("back", "tab", "note"):
            return True
        return case.is_open

    @on(RecordTable.RowHighlighted)
    @on(TabbedContent.TabActivated)
    def _moved(self) -> None:
        self.refresh_bindings()

    def action_back(self) -> None:
        """Back to the dashboard."""
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        """Switch tab."""
        self.query_one(TabbedContent).active = tab
        table = {
            "timeline": "timeline-table",
            "evidence": "evidence-table",
            "letters": "letter-table",
        }.get(tab)
        if table:
            self.query_one(f"#{table}").focus()

    # -- the ladder ---------------------------------------------------------------------

    def action_take_step(self) -> None:
        """Choose a step (the suggested one first) and move the case to it."""
        file = self.file
        if file is None:
            return
        case, policy = file.case, self.policy
        suggested = file.suggestion.step if file.suggestion else None
        ordered = [s for s in policy.steps if s.id != case.step]
        ordered.sort(key=lambda s: (s.id != suggested, not in_order(policy, case, s.id)))
        options = []
        for s in ordered:
            tag = (
                "suggested"
                if s.id == suggested
                else ("next" if in_order(policy, case, s.id) else "out of order")
            )
            options.append((s.id, f"{s.label}  [{tag}]"))
        self.ask(
            FormModal(
                "Move on the ladder",
                [
                    Field(
                        "step",
                        "Which step?",
                        "choice",
                        value=suggested or ordered[0].id,
                        options=tuple(options),
                    )
                ],
                intro=f"Now at: {_label(self.desk, case.step)}",
                submit="Next",
            ),
            lambda a: self.begin_step(a["step"]),
        )

    def begin_step(self, step_id: str, fields: Mapping[str, str] | None = None) -> None:
        """Ask what the step needs (ban dates, review outcome, reference, outcome), then move."""
        step = self.policy.step(step_id)
        if fields is not None:
            self.move(step_id, dict(fields))
        elif step.ban in ("provisional", "intent"):
            self.ask(self.ban_form(step), lambda a: self.move(step_id, _strings(a)))
        elif step.ban == "review":
            self.ask(self.review_form(), lambda a: self.move(step_id, _strings(a)))
        elif step.referral:
            self.ask(
                FormModal(
                    step.label, [Field("reference", f"Reference number from {step.referral}")]
                ),
                lambda a: self.move(step_id, _strings(a)),
            )
        elif step.closes:
            self.ask(self.close_form(), lambda a: self.move(step_id, _strings(a)))
        else:
            self.move(step_id, {})

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def move(self, step_id: str, fields: dict[str, str], reason: str | None = None) -> None:
        """Move the case in a thread; out of order, ask for the reason and try again."""
        try:
            case = self.desk.book.step(self.ref, step_id, reason=reason, fields=fields)
        except StepOrderError as exc:
            if reason:
                raise
            self.app.call_from_thread(self.ask_reason, step_id, fields, str(exc))
            return
        step = self.policy.step(case.step)
        done = f"{case.ref} is now at: {step.label}"
        if not case.is_open:
            done = f"{case.ref} closed: {case.outcome}"
        elif step.letter:
            done += f". The {step.letter} letter goes with this step: press d."
        self.app.call_from_thread(self._written, done)

    def ask_reason(self, step_id: str, fields: dict[str, str], problem: str) -> None:
        """The move skips the ladder: ask why, and record it with the move."""

        def answered(reason: str | None) -> None:
            if reason:
                self.move(step_id, fields, reason)

        self.app.push_screen(ReasonModal(_label(self.desk, step_id), problem), answered)

    # -- forms for steps ----------------------------------------------------------------

    def ban_form(self, step: Step) -> FormModal:
        """The ban's reasons, scope and dates, prefilled from the school's periods."""
        file = self.file
        assert file is not None
        case = file.case
        kind = BanKind.PROVISIONAL if step.ban == "provisional" else BanKind.INTENT
        subject = case.subjects[0] if case.subjects else None
        ban = proposed_ban(
            "new",
            subject.person_id if subject else "",
            subject.name if subject else "",
            kind,
            self.desk.today(),
            self.desk.config.periods,
            reasons=case.summary or "-",
        )
        fields = [
            Field(
                "reasons",
                "Reasons (stated in the letter)",
                "area",
                value=case.summary,
                required=True,
            ),
            Field("scope", "Where the ban applies", "area", value=DEFAULT_SCOPE, required=True),
            Field("starts_on", "Starts", "date", value=ban.starts_on.isoformat(), required=True),
            Field("ends_on", "Ends", "date", value=ban.ends_on.isoformat(), required=True),
            Field(
                "review_on",
                "Review by",
                "date",
                value=ban.review_on.isoformat(),
                required=True,
                help="Every ban is reviewed (DfE 2018)",
            ),
            Field(
                "representations_deadline",
                "Representations by",
                "date",
                value=(ban.representations_deadline or self.desk.today()).isoformat(),
                required=kind is BanKind.INTENT,
            ),
            Field("collection_arrangements", "How the children will be collected", "area"),
        ]
        intro = (
            "Provisional: barred now, until they have had the chance to present their side."
            if kind is BanKind.PROVISIONAL
            else "Notice of intent: not barred until the deadline for representations has passed."
        )
        return FormModal(step.label, fields, intro=intro, submit="Impose ban")

    def review_form(self) -> FormModal:
        """The outcome of a ban review and the next review date."""
        nxt = self.desk.today() + timedelta(days=self.desk.config.periods.ban_review_days)
        return FormModal(
            "Review the ban",
            [
                Field(
                    "outcome",
                    "Outcome",
                    "choice",
                    value="continued",
                    options=(("continued", "The ban continues"), ("lifted", "Lift the ban")),
                ),
                Field("next_review_on", "Next review", "date", value=nxt.isoformat()),
            ],
            submit="Record review",
        )

    def close_form(self) -> FormModal:
        """The outcome a case closes with."""
        return FormModal(
            "Close the case",
            [Field("outcome", "Outcome (why the case is closed)", "area", required=True)],
            submit="Close case",
        )

    # -- actions that record events -----------------------------------------------------

    def action_incident(self) -> None:
        """Log another incident (dates, target, behaviours; publication date for posts)."""
        file = self.file
        if file is None:
            return
        self.ask(
            FormModal(
                "Log an incident",
                [
                    Field("text", "What happened", "area", required=True),
                    Field(
                        "occurred_on",
                        "When",
                        "date",
                        value=self.desk.today().isoformat(),
                        required=True,
                    ),
                    Field(
                        "target",
                        "Towards whom",
                        help="Two incidents towards the same person raise a harassment flag",
                    ),
                    Field(
                        "behaviours",
                        "Behaviours",
                        "multi",
                        value=file.case.behaviours,
                        options=_behaviour_options(self.desk),
                    ),
                    Field(
                        "published_on",
                        "Published on (social media only)",
                        "date",
                        help="A defamation claim must start within a year of this date",
                    ),
                ],
                submit="Log incident",
            ),
            self._incident_answered,
        )

    def _incident_answered(self, a: FormResult) -> None:
        fields = {k: a[k] for k in ("occurred_on", "target", "behaviours", "published_on")}
        self.record(EventType.INCIDENT, _first_line(a["text"]), a["text"], fields)

    def action_statement(self) -> None:
        """Add a statement from a witness or member of staff."""
        self.ask(
            FormModal(
                "Add a statement",
                [
                    Field("by", "Whose statement", required=True),
                    Field("text", "The statement", "area", required=True),
                ],
                submit="Add statement",
            ),
            lambda a: self.record(
                EventType.STATEMENT_TAKEN, f"Statement from {a['by']}", a["text"], {"by": a["by"]}
            ),
        )

    def action_note(self) -> None:
        """Add a note to the timeline."""
        ref = self.ref
        self.ask(
            FormModal(
                "Add a note", [Field("text", "Note", "area", required=True)], submit="Add note"
            ),
            lambda a: self.write(f"{ref}: note added", lambda book: book.note(ref, a["text"])),
        )

    def action_contact(self) -> None:
        """Record contact with the parent (phone, email, letter, in person)."""
        self.ask(
            FormModal(
                "Record contact with the parent",
                [
                    Field(
                        "channel",
                        "How",
                        "choice",
                        value="phone",
                        options=(
                            ("phone", "Phone"),
                            ("email", "Email"),
                            ("letter", "Letter"),
                            ("in person", "In person"),
                        ),
                    ),
                    Field("text", "What was said", "area", required=True),
                ],
                submit="Record contact",
            ),
            lambda a: self.record(
                EventType.PARENT_CONTACTED,
                f"Contacted the parent ({a['channel']})",
                a["text"],
                {"channel": a["channel"]},
            ),
        )

    def action_schedule_meeting(self) -> None:
        """Arrange a meeting (the notice period is prefilled)."""
        on = self.desk.today() + timedelta(days=self.desk.config.periods.meeting_notice_days)
        school = self.desk.config.school
        self.ask(
            FormModal(
                "Schedule a meeting",
                [
                    Field("on", "Date", "date", value=on.isoformat(), required=True),
                    Field("at", "Time", "time", value="15:30", required=True),
                    Field("place", "Where", value="Headteacher's office", required=True),
                    Field(
                        "attendees",
                        "Who from the school (comma between names)",
                        value=school.headteacher,
                    ),
                ],
                submit="Schedule",
            ),
            self._meeting_answered,
        )

    def _meeting_answered(self, a: FormResult) -> None:
        at = f"{a['on']}T{a['at']}"
        try:
            shown = when(parse_local_time("at", at))
        except PayloadError as exc:
            self.notify(str(exc), title="Not recorded", severity="error", markup=False)
            return
        self.record(
            EventType.MEETING_SCHEDULED,
            f"Meeting on {shown} at {a['place']}",
            "",
            {"at": at, "place": a["place"], "attendees": a["attendees"]},
        )

    def action_meeting_outcome(self) -> None:
        """Attended, refused or did not come: moves what the ladder suggests."""
        self.ask(
            FormModal(
                "Meeting outcome",
                [
                    Field(
                        "outcome",
                        "What happened",
                        "choice",
                        value="attended",
                        options=(
                            ("attended", "They came to the meeting"),
                            ("refused", "They refused to meet"),
                            ("no-show", "They did not come"),
                        ),
                    ),
                    Field("text", "Notes", "area"),
                ],
                submit="Record outcome",
            ),
            self._outcome_answered,
        )

    def _outcome_answered(self, a: FormResult) -> None:
        etype = {
            "attended": EventType.MEETING_ATTENDED,
            "refused": EventType.MEETING_REFUSED,
            "no-show": EventType.MEETING_NO_SHOW,
        }[a["outcome"]]
        words = {
            "attended": "Meeting attended",
            "refused": "Meeting refused",
            "no-show": "Did not come to the meeting",
        }[a["outcome"]]
        summary = f"{words}: {_first_line(a['text'])}" if a["text"] else words
        self.record(etype, summary, a["text"], {})

    def action_impose_ban(self) -> None:
        """Provisional ban, or notice of intent: pick one, then its dates."""
        steps = {s.ban: s for s in self.policy.steps if s.ban in ("provisional", "intent")}
        if not steps:
            self.notify("This policy has no ban steps.", severity="warning")
            return
        options = tuple(
            (
                s.id,
                f"{'Provisional: barred now, pending representations' if b == 'provisional' else 'Notice of intent: deadline for representations first'}",
            )
            for b, s in steps.items()
            if b
        )
        self.ask(
            FormModal(
                "Impose a ban",
                [
                    Field(
                        "step", "Which kind of ban?", "choice", value=options[0][0], options=options
                    )
                ],
                submit="Next",
            ),
            lambda a: self.begin_step(a["step"]),
        )

    def action_representations(self) -> None:
        """The parent's representations against the ban have arrived."""
        self.ask(
            FormModal(
                "Representations received",
                [
                    Field(
                        "received_on",
                        "Received on",
                        "date",
                        value=self.desk.today().isoformat(),
                        required=True,
                    ),
                    Field("text", "What they say, in short", "area", required=True),
                ],
                submit="Record",
            ),
            lambda a: self.record(
                EventType.REPRESENTATIONS_RECEIVED,
                f"Representations received: {_first_line(a['text'])}",
                a["text"],
                {"received_on": a["received_on"]},
            ),
        )

    def action_review_ban(self) -> None:
        """Review the ban: it continues (next review date) or is lifted."""
        step = self._step_where(lambda s: s.ban == "review")
        if step is not None:
            self.ask(self.review_form(), lambda a: self.move(step.id, _strings(a)))

    def action_lift_ban(self) -> None:
        """Lift the ban from today."""
        step = self._step_where(lambda s: s.ban == "lift")
        if step is None:
            return
        self.ask(
            FormModal(
                "Lift the ban",
                [],
                intro=f"The ban ends today and the case moves to '{step.label}'.",
                submit="Lift ban",
            ),
            lambda a: self.move(step.id, {}),
        )

    def action_referral(self) -> None:
        """Refer to the police or legal advisors, with their reference number."""
        file = self.file
        if file is None:
            return
        routes = set()
        for bid in file.case.behaviours:
            with contextlib.suppress(KeyError):
                routes.add(self.policy.behaviour(bid).route)
        default = (
            "legal" if Route.DEFAMATION in routes and Route.CRIMINAL not in routes else "police"
        )
        self.ask(
            FormModal(
                "Record a referral",
                [
                    Field(
                        "to",
                        "Referred to",
                        "choice",
                        value=default,
                        options=(
                            ("police", f"Police ({self.policy.police})"),
                            ("legal", f"Legal ({self.policy.legal})"),
                        ),
                    ),
                    Field("reference", "Their reference number", required=True),
                    Field("on", "On", "date", value=self.desk.today().isoformat(), required=True),
                ],
                submit="Record referral",
            ),
            self._referral_answered,
        )

    def _referral_answered(self, a: FormResult) -> None:
        file = self.file
        assert file is not None
        step = self._step_where(lambda s: s.referral == a["to"])
        if step is not None and in_order(self.policy, file.case, step.id):
            self.move(step.id, {"reference": a["reference"]})
            return
        # Off the ladder here (a case under a ban, say): record it without moving the case.
        who = self.policy.police if a["to"] == "police" else self.policy.legal
        self.record(
            EventType.REFERRAL,
            f"Referred to {who} (reference {a['reference']})",
            "",
            {"to": a["to"], "reference": a["reference"], "on": a["on"]},
        )

    def action_complaint(self) -> None:
        """Note that the parent has raised a complaint."""
        self.ask(
            FormModal(
                "Complaint raised",
                [Field("text", "The complaint, in short", "area", required=True)],
                submit="Record",
            ),
            lambda a: self.record(
                EventType.COMPLAINT_RAISED,
                f"Complaint raised: {_first_line(a['text'])}",
                a["text"],
                {},
            ),
        )

    def action_close_case(self) -> None:
        """Close the case with an outcome."""
        step = self._step_where(lambda s: s.closes)
        if step is not None:
            self.ask(self.close_form(), lambda a: self.move(step.id, _strings(a)))

    def action_reopen(self) -> None:
        """Reopen a closed case, saying why."""
        ref = self.ref
        self.ask(
            FormModal(
                "Reopen the case", [Field("reason", "Why", "area", required=True)], submit="Reopen"
            ),
            lambda a: self.write(f"{ref} reopened", lambda book: book.reopen(ref, a["reason"])),
        )

    # -- evidence -----------------------------------------------------------------------

    def action_view_evidence(self) -> None:
        """Read the evidence under the cursor."""
        from tui.screens.evidence_modal import EvidenceModal

        row = self._selected("evidence-table")
        if isinstance(row, EvidenceRow):
            self.app.push_screen(EvidenceModal(self.desk, row.sha256, row.name, row.name))

    @on(RecordTable.RowChosen, "#evidence-table")
    def _evidence_chosen(self) -> None:
        self.action_view_evidence()

    def action_split_email(self) -> None:
        """An email threaded into this case belongs to another: open a new case with it."""
        row = self._selected("evidence-table")
        if not isinstance(row, EvidenceRow):
            return
        d = row.evidence
        self.ask(
            FormModal(
                "Split this email off to a new case",
                [
                    Field(
                        "name",
                        "Who the new case is about",
                        value="",
                        required=True,
                    ),
                    Field("email", "Their email", value=d.sender),
                    Field(
                        "behaviours",
                        "Behaviours",
                        "multi",
                        options=_behaviour_options(self.desk),
                        required=True,
                    ),
                    Field(
                        "summary",
                        "What the new case is about",
                        value=d.subject or row.name,
                        required=True,
                    ),
                ],
                intro=f"The email '{row.name}' stays in this case's history, marked as split.",
                submit="Split",
            ),
            lambda a: self.split(row, a),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def split(self, row: EvidenceRow, a: FormResult) -> None:
        """Open the new case with the email as its evidence and record the split here."""
        new = self.desk.book.split_email(
            self.ref,
            row.event.id,
            name=a["name"],
            email=a["email"] or None,
            behaviours=a["behaviours"],
            summary=a["summary"],
        )
        self.app.call_from_thread(self._written, f"The email is now evidence on {new.ref}")

    # -- letters ------------------------------------------------------------------------

    def action_draft_letter(self) -> None:
        """Draft a letter: the kind the ladder suggests, its fields, a preview, then on."""
        from tui.screens.letter_modal import kind_options

        file = self.file
        if file is None:
            return
        suggested, options = kind_options(self.desk, file)
        self.ask(
            FormModal(
                "Draft a letter",
                [
                    Field(
                        "kind",
                        "Which letter?",
                        "choice",
                        value=suggested or options[0][0],
                        options=options,
                    )
                ],
                submit="Next",
            ),
            lambda a: self.letter_details(file, a["kind"]),
        )

    def letter_details(self, file: CaseFile, kind: str) -> None:
        """Ask for the fields the letter needs that the case does not record, then preview."""
        from tui.screens.letter_modal import LetterModal, any_field, letter_fields

        fields = letter_fields(self.desk, file, kind)
        if not fields:
            self.app.push_screen(LetterModal(self.desk, file, kind, {}))
            return
        self.ask(
            FormModal(
                f"The {kind} letter",
                fields,
                submit="Preview",
                intro="Prefilled from the case; change anything the letter should say.",
            ),
            lambda a: self.app.push_screen(LetterModal(self.desk, file, kind, any_field(a))),
        )

    def _letter(self) -> LetterRecord | None:
        row = self._selected("letter-table")
        return row if isinstance(row, LetterRecord) else None

    def action_approve_letter(self) -> None:
        """Approve the letter (the headteacher)."""
        if (letter := self._letter()) is not None:
            self.letter_move(letter, "approve", "approved")

    def action_submit_letter(self) -> None:
        """Ask the headteacher to approve the letter."""
        if (letter := self._letter()) is not None:
            self.letter_move(letter, "submit", "sent to the headteacher for approval")

    def action_queue_letter(self) -> None:
        """Hand the letter to the daemon to send (or print, for post)."""
        if (letter := self._letter()) is not None:
            self.letter_move(letter, "queue", "queued to send")

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-write")
    def letter_move(self, letter: LetterRecord, move: str, words: str) -> None:
        """Move a letter on in a thread."""
        getattr(self.desk.outbox, move)(letter.case_ref, letter.id)
        self.app.call_from_thread(self._written, f"{letter.kind} letter {words}")

    def action_open_letter(self) -> None:
        """Open the letter's PDF in the system viewer."""
        if (letter := self._letter()) is not None:
            self.open_pdf(letter)

    @on(RecordTable.RowChosen, "#letter-table")
    def _letter_chosen(self) -> None:
        self.action_open_letter()

    @work(thread=True, exclusive=True, exit_on_error=False, group="case-open")
    def open_pdf(self, letter: LetterRecord) -> None:
        """Copy the PDF out of the vault and open it."""
        path = write_copy(self.desk.outbox.pdf(letter), letter.attachment_name)
        self.app.call_from_thread(self.notify, open_in_viewer(path), markup=False)


def _strings(answers: Mapping[str, Any]) -> dict[str, str]:
    """Form answers as the text fields the shared builders read; a choice of many joins with ;."""
    return {
        k: ";".join(v) if isinstance(v, tuple | list) else str(v)
        for k, v in answers.items()
        if v not in ("", None, (), [])
    }


def _first_line(text: str, width: int = 70) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def _behaviour_options(desk: Desk) -> tuple[tuple[str, str], ...]:
    return tuple((b.id, f"{b.id}: {b.label}") for b in desk.config.policy.all_behaviours)
