"""Driving the dashboard in tests: let workers finish, answer forms."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget

from tui.screens.form_modal import FormModal


async def settle(pilot: Pilot[Any], rounds: int = 4) -> None:
    """Let workers finish and their results reach the screen, with every cursor shown."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    steady_cursors(pilot)
    await pilot.pause()


def steady_cursors(pilot: Pilot[Any]) -> None:
    """Stop text cursors blinking, so that they show: a snapshot then never catches one hidden.

    An input's cursor blinks on a half-second timer; on a loaded machine (or under faketime)
    a snapshot could be taken in either half, and fail for nothing.
    """
    for widget in pilot.app.screen.query("*"):
        if getattr(widget, "cursor_blink", None) is True:
            widget.cursor_blink = False  # type: ignore[attr-defined]


async def fill(pilot: Pilot[Any], values: dict[str, Any], submit: bool = True) -> FormModal:
    """Answer the form in front and save it."""
    modal = pilot.app.screen
    assert isinstance(modal, FormModal), f"expected a form, got {modal!r}"
    for name, value in values.items():
        modal.set_value(name, value)
    await pilot.pause()
    if submit:
        await pilot.press("ctrl+s")
        await settle(pilot)
    return modal


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press each key in turn, letting the screen settle after each."""
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def shown_text(widget: Widget) -> str:
    """The lines a widget shows on screen, as plain text."""
    return "\n".join(s.text for s in widget.render_lines(widget.region.reset_offset))
