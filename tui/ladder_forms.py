"""The forms for moving a case on the ladder: which step, and what each step asks."""

from __future__ import annotations

from datetime import date

from casework.authority import may_take_step, step_takers
from casework.bans import DEFAULT_SCOPE, BanKind, BanStatus, proposed_ban
from casework.cases import Case
from casework.config import Config, Periods
from casework.ladder import in_order
from casework.policy import BanAction, Policy, Step
from casework.schooldays import SchoolCalendar
from casework.staff import Actor
from casework.workflow import ban_step_refusal
from store.casebook import CaseFile
from tui.screens.form_modal import Field, FormModal


def take_step(policy: Policy, file: CaseFile, actor: Actor | None = None) -> FormModal:
    """Which step next: the suggested one first, then those that follow, then the rest.

    A step ``actor`` may not take (casework.authority) says whose it is: choosing it is refused.
    """
    case = file.case
    suggested = file.suggestion.step if file.suggestion else None
    # The step the case is at is offered again only where the ladder lets it follow itself
    # (a ban reviewed again).
    ordered = [
        s
        for s in policy.steps
        if (s.id != case.step or in_order(policy, case, s.id)) and ban_step_refusal(case, s) is None
    ]
    ordered.sort(key=lambda s: (s.id != suggested, not in_order(policy, case, s.id)))
    if suggested not in {s.id for s in ordered}:
        suggested = None
    options = []
    for s in ordered:
        if s.id == suggested:
            tag = "suggested"
        else:
            tag = "next" if in_order(policy, case, s.id) else "out of order"
        if actor is not None and not may_take_step(s, actor):
            tag += " · " + "/".join(sorted(r.value for r in step_takers(s)))
        options.append((s.id, f"{s.label}  [{tag}]"))
    return FormModal(
        "Move on the ladder",
        [
            Field(
                "step",
                "Which step?",
                "choice",
                value=suggested or ordered[0].id,
                options=tuple(options),
                required=True,
            )
        ],
        intro=f"Now at: {policy.label(case.step)}"
        + (f"\nThe ladder is waiting for {file.waiting}." if file.waiting else ""),
        submit="Next",
    )


def ban_kind(policy: Policy) -> FormModal | None:
    """Provisional ban or notice of intent; None when the policy has no ban steps."""
    words = {
        BanAction.PROVISIONAL: "Provisional: barred now, pending representations",
        BanAction.INTENT: "Notice of intent: deadline for representations first",
    }
    # One choice per kind of ban (a policy naming two such steps offers the later one).
    steps = {s.ban: s for s in policy.steps if s.ban in words}
    options = tuple((s.id, words[b]) for b, s in steps.items() if b is not None)
    if not options:
        return None
    return FormModal(
        "Impose a ban",
        [Field("step", "Which kind of ban?", "choice", value=options[0][0], options=options)],
        submit="Next",
    )


def ban(
    step: Step,
    file: CaseFile,
    today: date,
    periods: Periods,
    calendar: SchoolCalendar | None = None,
) -> FormModal:
    """The ban's reasons, scope and dates, prefilled from the school's periods."""
    case = file.case
    kind = BanKind.PROVISIONAL if step.ban == "provisional" else BanKind.INTENT
    subject = case.subjects[0] if case.subjects else None
    proposed = proposed_ban(
        "new",
        subject.person_id if subject else "",
        subject.name if subject else "",
        kind,
        today,
        periods,
        reasons=case.summary or "-",
        calendar=calendar,
    )
    fields = [
        Field(
            "reasons",
            "Reasons, in the headteacher's words (stated in the letter)",
            "area",
            required=True,
            help="The recorded incidents are above; nothing is copied in unasked",
        ),
        Field("scope", "Where the ban applies", "area", value=DEFAULT_SCOPE, required=True),
        Field("starts_on", "Starts", "date", value=proposed.starts_on.isoformat(), required=True),
        Field("ends_on", "Ends", "date", value=proposed.ends_on.isoformat(), required=True),
        Field(
            "review_on",
            "Review by",
            "date",
            value=proposed.review_on.isoformat(),
            required=True,
            help="Every ban is reviewed (DfE 2018)",
        ),
        Field(
            "representations_deadline",
            "Representations by",
            "date",
            value=(proposed.representations_deadline or today).isoformat(),
            required=kind is BanKind.INTENT,
        ),
        Field("collection_arrangements", "How the children will be collected", "area"),
    ]
    intro = (
        "Provisional: barred now, until they have had the chance to present their side."
        if kind is BanKind.PROVISIONAL
        else "Notice of intent: not barred until the deadline for representations has passed."
    )
    accounts = [
        f"{e.at:%d %b}: {e.data.text}"
        for e in file.events
        if e.type.value in ("incident", "statement-taken") and hasattr(e.data, "text")
    ]
    if accounts:
        intro += "\nRecorded:\n" + "\n".join(f"  {a}" for a in accounts[-4:])
    return FormModal(step.label, fields, intro=intro, submit="Impose ban")


def review(today: date, periods: Periods, calendar: SchoolCalendar | None = None) -> FormModal:
    """The outcome of a ban review and the next review date."""
    cal = calendar or SchoolCalendar()
    nxt = cal.add(today, periods.ban_review_days, periods.ban_review_count)
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
            Field("reason", "Why (the letter states it)", "area", required=True),
        ],
        submit="Record review",
    )


def lift(step: Step) -> FormModal:
    """Lifting the ban asks why: the letter states it."""
    return FormModal(
        "Lift the ban",
        [Field("reason", "Why (the letter states it)", "area", required=True)],
        intro=f"The ban ends today and the case moves to '{step.label}'.",
        submit="Lift ban",
    )


def referral_reference(step: Step) -> FormModal:
    """The reference number a referral step records."""
    return FormModal(step.label, [Field("reference", f"Reference number from {step.referral}")])


def close() -> FormModal:
    """The outcome a case closes with."""
    return FormModal(
        "Close the case",
        [Field("outcome", "Outcome (why the case is closed)", "area", required=True)],
        submit="Close case",
    )


def reopen() -> FormModal:
    """Why a closed case is reopened."""
    return FormModal(
        "Reopen the case", [Field("reason", "Why", "area", required=True)], submit="Reopen"
    )


def step_form(config: Config, step_id: str, file: CaseFile, today: date) -> FormModal | None:
    """What a step asks before the case moves (ban dates, review, reference, outcome), if any."""
    step = config.policy.step(step_id)
    if step.ban in (BanAction.PROVISIONAL, BanAction.INTENT):
        return ban(step, file, today, config.periods, config.calendar)
    if step.ban is BanAction.REVIEW:
        return review(today, config.periods, config.calendar)
    if step.ban is BanAction.LIFT and any(b.status is not BanStatus.LIFTED for b in file.case.bans):
        return lift(step)
    if step.referral:
        return referral_reference(step)
    if step.closes:
        return close()
    return None


def keep_closed() -> FormModal:
    """Why a closed case stays closed after a reply reached it."""
    return FormModal(
        "Leave the case closed",
        [Field("reason", "Why it stays closed", "area", required=True)],
        intro="A reply arrived after the case was closed. Record why no more is needed.",
        submit="Keep closed",
    )


def ban_key_open(policy: Policy, case: Case, action: str) -> bool:
    """Whether the review (v) or lift (l) key applies to the case's ban now."""
    wanted = BanAction.REVIEW if action == "review_ban" else BanAction.LIFT
    step = next((s for s in policy.steps if s.ban is wanted), None)
    return step is not None and ban_step_refusal(case, step) is None
