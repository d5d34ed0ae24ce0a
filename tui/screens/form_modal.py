"""A form in a modal: every action that records something asks its questions here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import (
    Button,
    Input,
    Label,
    RadioButton,
    RadioSet,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.selection_list import Selection

from casework.record import record

FieldKind = Literal["text", "area", "date", "time", "choice", "multi"]
FormResult = dict[str, Any]


@record
class Field:
    """One question on a form."""

    name: str
    label: str
    kind: FieldKind = "text"
    value: str | tuple[str, ...] = ""
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    required: bool = False
    help: str = ""
    placeholder: str = ""


def _check(field: Field, value: Any) -> str | None:
    """What is wrong with one answer, naming the field and what it expects, or None."""
    if field.required and (not value or (isinstance(value, str) and not value.strip())):
        if field.kind in ("choice", "multi"):
            return f"{field.label}: please choose one (it is required)"
        return f"{field.label}: please fill this in (it is required)"
    if field.kind == "date" and value:
        try:
            date.fromisoformat(str(value).strip())
        except ValueError:
            return f"{field.label}: expected a date like 2026-03-14 (year-month-day), not {value!r}"
    if field.kind == "time" and value:
        try:
            datetime.strptime(str(value).strip(), "%H:%M")
        except ValueError:
            return f"{field.label}: expected a time like 15:30 (24-hour), not {value!r}"
    return None


def field_named(fields: Sequence[Field], problem: str) -> Field | None:
    """The field a refusal from the shared checks is about: they say ``key: ...`` or
    ``kind: key ...`` (casework.fields, casework.payloads), else they quote its label."""
    head, _, rest = problem.partition(":")
    words = [head.strip(), *rest.split()[:1]]
    by_name = {f.name: f for f in fields}
    for word in words:
        if word.rstrip(":,.") in by_name:
            return by_name[word.rstrip(":,.")]
    return next((f for f in fields if f.label and f.label in problem), None)


class FormModal(ModalScreen[FormResult | None]):
    """Asks for the fields of an action; dismisses with the answers, or None when cancelled."""

    CSS_PATH = "form_modal.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Save"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        *,
        submit: str = "Save",
        intro: str | Text = "",
        validate: Callable[[Mapping[str, Any]], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.submit_label = submit
        self.intro = intro
        self.validate = validate
        self.start_in = ""  # the field to start in (the fact being corrected), else the first

    def compose(self) -> ComposeResult:
        """Title, intro, one widget per field, the error line and the buttons."""
        with Vertical(id="dialog"):
            yield Label(Text(self.form_title), id="form-title")
            with VerticalScroll(id="form-body"):
                if self.intro:
                    intro = self.intro if isinstance(self.intro, Text) else Text(self.intro)
                    yield Static(intro, id="form-intro")
                for f in self.fields:
                    label = f.label + (" *" if f.required else "")
                    yield Label(Text(label), id=f"label-{f.name}", classes="field-label")
                    yield self._widget(f)
                    if f.help:
                        yield Static(Text(f.help), classes="field-help")
            yield Static("", id="form-error")
            with Horizontal(id="form-buttons"):
                yield Static(Text("ctrl+s save · esc cancel"), id="form-keys")
                yield Button("Cancel", id="cancel")
                yield Button(self.submit_label, id="submit", variant="primary")

    def _widget(self, f: Field) -> Widget:
        wid = f"field-{f.name}"
        if f.kind == "area":
            return TextArea(str(f.value), id=wid, classes="field", soft_wrap=True, compact=True)
        if f.kind == "choice":
            buttons = [
                RadioButton(Text(label), value=(value == f.value), name=value)
                for value, label in f.options
            ]
            return RadioSet(*buttons, id=wid, classes="field", compact=True)
        if f.kind == "multi":
            chosen = set(f.value) if isinstance(f.value, tuple) else {f.value}
            selections = [
                Selection(Text(label), value, value in chosen) for value, label in f.options
            ]
            return SelectionList[str](*selections, id=wid, classes="field", compact=True)
        placeholder = f.placeholder or {"date": "YYYY-MM-DD", "time": "HH:MM"}.get(f.kind, "")
        return Input(str(f.value), placeholder=placeholder, id=wid, classes="field", compact=True)

    def on_mount(self) -> None:
        """Start in the field asked for, else the first."""
        fields = self.query(".field")
        if self.start_in and self.query(f"#field-{self.start_in}"):
            self.query_one(f"#field-{self.start_in}").focus()
        else:
            (fields.first() if fields else self.query_one("#submit")).focus()

    # -- answers ------------------------------------------------------------------------

    def value_of(self, f: Field) -> Any:
        """The current answer to one field."""
        widget = self.query_one(f"#field-{f.name}")
        if isinstance(widget, TextArea):
            return widget.text.strip()
        if isinstance(widget, RadioSet):
            pressed = widget.pressed_button
            return pressed.name if pressed is not None and pressed.name else ""
        if isinstance(widget, SelectionList):
            return list(widget.selected)
        assert isinstance(widget, Input)
        return widget.value.strip()

    def set_value(self, name: str, value: Any) -> None:
        """Fill in a field (the tests and prefilled flows use this)."""
        widget = self.query_one(f"#field-{name}")
        if isinstance(widget, TextArea):
            widget.text = str(value)
        elif isinstance(widget, RadioSet):
            for button in widget.query(RadioButton):
                if button.name == value:
                    button.value = True
        elif isinstance(widget, SelectionList):
            widget.deselect_all()
            for v in value:
                widget.select(v)
        else:
            assert isinstance(widget, Input)
            widget.value = str(value)

    def answers(self) -> FormResult:
        """Every field's answer by name."""
        return {f.name: self.value_of(f) for f in self.fields}

    def action_submit(self) -> None:
        """Check the answers and close with them, or say what is wrong and go to the field."""
        answers = self.answers()
        bad: list[tuple[Field | None, str]] = [
            (f, p) for f in self.fields if (p := _check(f, answers[f.name]))
        ]
        if not bad and self.validate is not None and (p := self.validate(answers)):
            named = field_named(self.fields, p)
            if named is not None and not p.startswith(named.label):
                p = f"{named.label}: {p}"
            bad.append((named, p))
        self.mark([f for f, _ in bad if f is not None])
        if bad:
            self.query_one("#form-error", Static).update(Text("\n".join(p for _, p in bad)))
            return
        self.dismiss(answers)

    def mark(self, bad: Sequence[Field]) -> None:
        """Mark the fields refused (and only those), and put the cursor in the first of them."""
        names = {f.name for f in bad}
        for f in self.fields:
            wrong = f.name in names
            self.query_one(f"#field-{f.name}").set_class(wrong, "-refused")
            self.query_one(f"#label-{f.name}", Label).set_class(wrong, "-refused")
        if bad:
            widget = self.query_one(f"#field-{bad[0].name}")
            widget.focus()
            widget.scroll_visible()

    def action_cancel(self) -> None:
        """Close without doing anything."""
        self.dismiss(None)

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        # Enter moves on, as on a paper form; on the last field it saves.
        fields = list(self.query(".field"))
        index = fields.index(event.input) if event.input in fields else -1
        if 0 <= index < len(fields) - 1:
            fields[index + 1].focus()
        else:
            self.action_submit()
