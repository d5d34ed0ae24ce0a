"""A virtual, sortable table: renders only the lines on screen, so 10,000 rows cost nothing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from casework.record import record

T = TypeVar("T")
Cell = str | Text


@record
class Column(Generic[T]):
    """A column: its heading, its widths, what it shows and how it sorts."""

    label: str
    width: int
    cell: Callable[[T], Cell]
    sort: Callable[[T], Any] | None = None
    flex: int = 0


class RecordTable(ScrollView, Generic[T], can_focus=True):
    """Rows drawn line by line (Textual's Line API) with a sticky header and a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "choose", "Open", show=False),
        Binding("s", "cycle_sort", "Sort"),
        Binding("S", "reverse_sort", "Reverse", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--cursor",
        "record-table--empty",
    }

    DEFAULT_CSS = """
    RecordTable {
        overflow-x: hidden;
        overflow-y: auto;
        height: 1fr;
    }
    RecordTable > .record-table--header { text-style: bold; background: $panel; color: $text; }
    RecordTable > .record-table--cursor { background: $surface-lighten-2; }
    RecordTable:focus > .record-table--cursor { background: $accent 40%; text-style: bold; }
    RecordTable > .record-table--empty { color: $text-muted; text-style: italic; }
    """

    @dataclass
    class RowHighlighted(Message):
        """The cursor moved to a row (``key`` is None when the table is empty)."""

        table: RecordTable[Any]
        key: str | None

        @property
        def control(self) -> RecordTable[Any]:
            """The table that posted this."""
            return self.table

    @dataclass
    class RowChosen(Message):
        """Enter (or a double click) on a row."""

        table: RecordTable[Any]
        key: str

        @property
        def control(self) -> RecordTable[Any]:
            """The table that posted this."""
            return self.table

    def __init__(
        self,
        columns: Sequence[Column[T]],
        key: Callable[[T], str],
        *,
        row_style: Callable[[T], str] | None = None,
        empty: str = "Nothing here.",
        sort_column: int = 0,
        sort_reverse: bool = False,
        sort_keys: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self._key = key
        self.row_style = row_style
        self.empty = empty
        self.sort_column = sort_column
        self.sort_reverse = sort_reverse
        self.sort_keys = sort_keys
        self._source: list[T] = []
        self._sorted: list[T] = []
        self._rows: list[T] = []
        self._predicate: Callable[[T], bool] | None = None
        self._cursor = 0
        self._last_key: str | None = None
        self._widths: list[int] = []
        self._widths_for = -1

    # -- data ---------------------------------------------------------------------------

    @property
    def rows(self) -> list[T]:
        """The rows shown, in order."""
        return self._rows

    @property
    def cursor_row(self) -> T | None:
        """The row under the cursor."""
        return self._rows[self._cursor] if self._rows else None

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor."""
        row = self.cursor_row
        return self._key(row) if row is not None else None

    @property
    def cursor_index(self) -> int:
        """Where the cursor is among the rows shown."""
        return self._cursor

    def set_rows(self, rows: Sequence[T], empty: str | None = None) -> None:
        """Replace the rows, keeping the cursor on the same record where it is still there."""
        if empty is not None:
            self.empty = empty
        self._source = list(rows)
        self._resort()

    def set_filter(self, predicate: Callable[[T], bool] | None) -> None:
        """Show only the rows the predicate keeps (None shows every row)."""
        self._predicate = predicate
        self._refilter()

    def sort_by(self, column: int, reverse: bool | None = None) -> None:
        """Sort by a column (a second call on the same column reverses it)."""
        if reverse is None:
            reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column, self.sort_reverse = column, reverse
        self._resort()

    def move_to(self, key: str) -> bool:
        """Put the cursor on the row with this key, if it is shown."""
        for i, row in enumerate(self._rows):
            if self._key(row) == key:
                self._set_cursor(i)
                return True
        return False

    def _resort(self) -> None:
        column = self.columns[self.sort_column] if self.columns else None
        if column is not None and column.sort is not None:
            self._sorted = sorted(self._source, key=column.sort, reverse=self.sort_reverse)
        else:
            self._sorted = list(reversed(self._source)) if self.sort_reverse else self._source
        self._refilter()

    def _refilter(self) -> None:
        keep_key = self._last_key
        pred = self._predicate
        self._rows = self._sorted if pred is None else [r for r in self._sorted if pred(r)]
        self._cursor = 0
        if keep_key is not None:
            for i, row in enumerate(self._rows):
                if self._key(row) == keep_key:
                    self._cursor = i
                    break
        self._update_virtual_size()
        self._scroll_to_cursor()
        self._announce()
        self.refresh()

    # -- geometry -----------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows) + 1)

    def on_resize(self, event: events.Resize) -> None:
        """Lay the columns out again for the new width."""
        self._widths_for = -1
        self._update_virtual_size()
        self._scroll_to_cursor()

    def _column_widths(self, width: int) -> list[int]:
        if width == self._widths_for:
            return self._widths
        widths = [c.width for c in self.columns]
        spare = width - sum(widths) - (len(widths) - 1) - 1
        flex = [c.flex for c in self.columns]
        total = sum(flex)
        if spare > 0 and total:
            for i, f in enumerate(flex):
                widths[i] += spare * f // total
        elif spare < 0:
            # Too narrow: take from the flexible columns first, then the widest.
            for i in sorted(range(len(widths)), key=lambda i: (-flex[i], -widths[i])):
                take = min(-spare, max(0, widths[i] - 4))
                widths[i] -= take
                spare += take
                if spare >= 0:
                    break
        self._widths, self._widths_for = widths, width
        return widths

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_y)
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, immediate=True)
        elif self._cursor >= top + self._body_height:
            self.scroll_to(y=self._cursor - self._body_height + 1, animate=False, immediate=True)

    # -- drawing ------------------------------------------------------------------------

    def _line(self, cells: Sequence[Cell], widths: Sequence[int], style: str = "") -> Text:
        line = Text(" ", no_wrap=True, end="")
        for i, (cell, width) in enumerate(zip(cells, widths, strict=False)):
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(width, overflow="ellipsis", pad=True)
            line.append_text(text)
            if i < len(widths) - 1:
                line.append(" ")
        if style:
            line.stylize(style)
        return line

    def render_line(self, y: int) -> Strip:
        """One line on screen: the header at the top, then the rows from the scroll offset."""
        width = self.scrollable_content_region.width
        widths = self._column_widths(width)
        base = self.rich_style
        if y == 0:
            header = []
            for i, c in enumerate(self.columns):
                mark = (" ▼" if self.sort_reverse else " ▲") if i == self.sort_column else ""
                header.append(c.label + mark)
            style = self.get_component_rich_style("record-table--header")
            return self._strip(self._line(header, widths), width, base + style)
        index = int(self.scroll_y) + y - 1
        if index >= len(self._rows):
            if index == 0 and not self._rows:
                style = self.get_component_rich_style("record-table--empty")
                return self._strip(Text(" " + self.empty), width, base + style)
            return Strip.blank(width, base)
        row = self._rows[index]
        cells = [c.cell(row) for c in self.columns]
        line = self._line(cells, widths, self.row_style(row) if self.row_style else "")
        style = base
        if index == self._cursor:
            style = base + self.get_component_rich_style("record-table--cursor")
        return self._strip(line, width, style)

    def _strip(self, text: Text, width: int, style: Style) -> Strip:
        segments = list(text.render(self.app.console))
        strip = Strip(segments).adjust_cell_length(width)
        return strip.apply_style(style) if style else strip

    # -- keys and mouse -----------------------------------------------------------------

    def _set_cursor(self, index: int) -> None:
        if not self._rows:
            self._cursor = 0
            self._announce()
            return
        self._cursor = max(0, min(index, len(self._rows) - 1))
        self._scroll_to_cursor()
        self._announce()
        self.refresh()

    def _announce(self) -> None:
        key = self.cursor_key
        if key != self._last_key or key is None:
            self._last_key = key
            self.post_message(self.RowHighlighted(self, key))

    def action_cursor(self, delta: int) -> None:
        """Move the cursor up or down."""
        self._set_cursor(self._cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move the cursor a screenful."""
        self._set_cursor(self._cursor + direction * self._body_height)

    def action_edge(self, end: int) -> None:
        """Jump to the first or last row."""
        self._set_cursor(len(self._rows) - 1 if end else 0)

    def action_choose(self) -> None:
        """Open the row under the cursor."""
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowChosen(self, key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tables inside screens that use letter keys leave ``s`` to the screen."""
        if action in ("cycle_sort", "reverse_sort"):
            return self.sort_keys
        return True

    def action_cycle_sort(self) -> None:
        """Sort by the next sortable column."""
        n = len(self.columns)
        for step in range(1, n + 1):
            i = (self.sort_column + step) % n
            if self.columns[i].sort is not None:
                self.sort_by(i, reverse=False)
                return

    def action_reverse_sort(self) -> None:
        """Reverse the order."""
        self.sort_by(self.sort_column, reverse=not self.sort_reverse)

    def on_click(self, event: events.Click) -> None:
        """A click on the header sorts; on a row moves the cursor; a double click opens it."""
        if event.y == 0:
            x = 1
            for i, w in enumerate(self._column_widths(self.scrollable_content_region.width)):
                if x <= event.x < x + w + 1:
                    if self.columns[i].sort is not None:
                        self.sort_by(i)
                    return
                x += w + 1
            return
        index = int(self.scroll_y) + event.y - 1
        if 0 <= index < len(self._rows):
            self._set_cursor(index)
            if event.chain >= 2:
                self.action_choose()
