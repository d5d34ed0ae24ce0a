"""The plain-text version of a letter, made from the same HTML so the wording never drifts."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "ul", "ol", "li", "blockquote", "table", "tr", "section"}
)
# A label ends with ": " and its value follows on the same line ("Date: 3 March 2026").
LABEL = "label"
ROW = "row"
SKIPPED = frozenset({"head", "style", "script", "title"})
VOID = frozenset({"br", "img", "meta", "link", "hr", "input"})
# Elements with this class are for paper only: letterhead, postal address, signature space.
PRINT_ONLY = "print-only"
# Elements with this class keep their line breaks (user text shown with white-space: pre-line).
KEEP_LINES = "keep-lines"
BREAK = "\x1e"  # stands for a line break until paragraphs are wrapped


class _TextMaker(HTMLParser):
    """Collects the letter's visible text as blocks (paragraphs, list items, label rows)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, list[str], bool]] = []  # (prefix, lines, is a table row)
        self.current: list[str] = []
        self.prefix = ""
        self.stack: list[tuple[str, bool, bool]] = []  # (tag, hidden, keeps lines)
        self.kinds: list[str] = []  # "row", "label" or "" for each open element

    @property
    def hidden(self) -> bool:
        return any(h for _, h, _ in self.stack)

    @property
    def keep_lines(self) -> bool:
        return any(k for _, _, k in self.stack)

    def flush(self) -> None:
        lines = [" ".join(part.split()) for part in "".join(self.current).split(BREAK)]
        lines = [line for line in lines if line]
        if lines:
            row = bool(self.kinds) and self.kinds[-1] == ROW
            self.blocks.append((self.prefix, lines, row))
        self.current = []
        self.prefix = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in VOID:
            if tag == "br" and not self.hidden:
                self.current.append(BREAK)
            return
        hide = tag in SKIPPED or PRINT_ONLY in classes
        kind = (
            ROW
            if (ROW in classes or tag == "tr")
            else LABEL
            if (LABEL in classes or tag == "th")
            else ""
        )
        inside_row = ROW in self.kinds
        if tag in BLOCKS and not self.hidden and not inside_row:
            self.flush()
            if tag == "li":
                self.prefix = "  - "
            elif tag == "blockquote":
                self.prefix = "    "
        self.stack.append((tag, hide, KEEP_LINES in classes))
        self.kinds.append(kind)

    def handle_endtag(self, tag: str) -> None:
        if not any(t == tag for t, _, _ in self.stack):
            return  # a stray end tag
        while self.stack:
            open_tag, _, _ = self.stack[-1]
            kind = self.kinds[-1]
            if not self.hidden:
                if kind == LABEL:
                    self.current.append(": ")
                elif kind == ROW or (open_tag in BLOCKS and ROW not in self.kinds):
                    # Flush before popping so a row's text still knows it is a row.
                    self.flush()
                elif open_tag in ("td", "div", "span"):
                    self.current.append(" ")
            self.stack.pop()
            self.kinds.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.current.append(data.replace("\n", BREAK) if self.keep_lines else data)


def html_to_text(html: str, width: int = 72) -> str:
    """Paragraphs of the letter's HTML as wrapped plain text, paper-only parts left out."""
    maker = _TextMaker()
    maker.feed(html)
    maker.close()
    maker.flush()
    out: list[str] = []
    previous_row = False
    for prefix, lines, row in maker.blocks:
        indent = " " * len(prefix)
        wrapped = []
        for i, line in enumerate(lines):
            first = prefix if i == 0 else indent
            wrapped.append(
                textwrap.fill(
                    line,
                    width=width,
                    initial_indent=first,
                    subsequent_indent=indent,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
        text = "\n".join(wrapped)
        # Rows of a table (date, reference; meeting details) stay together as a list.
        if row and previous_row:
            out[-1] += "\n" + text
        else:
            out.append(text)
        previous_row = row
    return "\n\n".join(out) + "\n"
