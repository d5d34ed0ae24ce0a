"""Who a meeting step says will attend: the letter names them, the record must hold them."""

from __future__ import annotations

from casework.config import Config


def step_attendees(config: Config, step_id: str) -> tuple[str, ...]:
    """The people the step names for its meeting, as ``Name, Role`` (seed 001's two meetings).

    A meeting "with the Chair of Governors and the headteacher" has both; a meeting with a
    senior member of staff or the headteacher, or the formal meeting, has the headteacher
    unless the office names someone else.
    """
    try:
        options = dict(config.policy.step(step_id).letter_options)
    except KeyError:
        return ()
    school = config.school
    head = f"{school.headteacher}, Headteacher"
    with_whom = options.get("meeting_with", "")
    if with_whom == "chair":
        return (head, f"{school.chair_of_governors}, Chair of Governors")
    if with_whom in ("senior", "formal"):
        return (head,)
    return ()


def required_attendees(config: Config, step_id: str) -> tuple[str, ...]:
    """The names a meeting at this step cannot go without (the Chair and the head, say)."""
    try:
        options = dict(config.policy.step(step_id).letter_options)
    except KeyError:
        return ()
    if options.get("meeting_with") == "chair":
        return (config.school.headteacher, config.school.chair_of_governors)
    return ()


def missing_attendees(required: tuple[str, ...], attendees: tuple[str, ...]) -> tuple[str, ...]:
    """The required names none of the attendees' entries mentions."""
    shown = " ; ".join(attendees).lower()
    return tuple(name for name in required if name.lower() not in shown)
