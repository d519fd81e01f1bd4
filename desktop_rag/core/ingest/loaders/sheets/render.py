"""Spreadsheet rows as passages: one section per sheet, rows cut into blocks that each fit a passage.

Every data row is written as ``Header: value | Header: value`` (empty cells left out). Writing the
column name next to each value is what makes a row findable: a question like "what is Alice's age"
shares "Alice" and "Age" with the line ``Name: Alice | Age: 30 | City: Seoul``, both for the keyword
index and for the embedding, whereas a header line followed by bare rows leaves the model to match
"30" to a column by position, which it cannot do. It also survives any cut: a passage holding any
part of a block still says what its values mean. It costs about twice the tokens of bare rows.

A sheet starts with the heading line ``# SheetName``; rows above the detected header row (titles,
dates of a report) come first as plain lines. Each block is its own page (number None), so no
passage mixes two blocks, and blocks are kept under the chunker's 256-token budget by an estimate
(see :func:`estimate_tokens`) and :data:`BLOCK_ROWS`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from .._base import PageText
from .._headings import escape_heading_marks, heading_line

MAX_ROWS = 100_000  # per workbook (or CSV file): more rows are left out, with a warning
MAX_CELLS = 2_000_000  # non-empty cells per workbook
BLOCK_TOKENS = 195  # estimated tokens per block; the chunker's budget is 256 (multilingual-e5)
BLOCK_ROWS = 25  # rows per block at most, however short
HEADER_SCAN_ROWS = 10  # the header row is looked for among the first non-empty rows
_LOOKAHEAD_ROWS = 20  # rows below a header candidate that say what its columns hold
_MAX_HEADER_CELL_CHARS = 80

_PUNCTUATION_DELETE = str.maketrans("", "", string.punctuation)
_NUMBER_LIKE_RE = re.compile(r"^[-+(]?[$€£¥₩]?\s?\d[\d,.\s']*%?\)?$|^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


@dataclass
class Budget:
    """Rows and cells still to be indexed in one workbook, and what was left out."""

    rows: int = field(default_factory=lambda: MAX_ROWS)
    cells: int = field(default_factory=lambda: MAX_CELLS)
    skipped_sheets: list[str] = field(default_factory=list)

    @property
    def spent(self) -> bool:
        return self.rows <= 0 or self.cells <= 0

    @staticmethod
    def limit_text() -> str:
        return f"limit {MAX_ROWS:,} rows or {MAX_CELLS:,} cells per file"


def format_cell(value: object) -> str:
    """A cell as a person reads it: 30 not 30.0, dates as 2024-03-05, times as 14:30."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return " ".join(value.split())  # a multi-line cell stays on its row's line
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _format_float(value)
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")
    if isinstance(value, dt.timedelta):
        seconds = int(value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return " ".join(str(value).split())


def _format_float(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    # Ten significant digits, as Excel's General format shows: 0.068, not 0.06799999999999998.
    return f"{value:.10g}"


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet column names)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def estimate_tokens(text: str) -> int:
    """Rough multilingual-e5 token count of a rendered line or block.

    Fitted on the rows of the test workbooks (English, German, Russian, Korean, numbers, codes):
    0.4 per character, 0.3 per UTF-8 byte beyond the first (Hangul ~1 token a syllable) and 0.5 per
    ASCII punctuation mark (": " and " | " split into tokens of their own). Real counts are within
    0.65-1.3x of it, so :data:`BLOCK_TOKENS` of 195 keeps blocks under the chunker's 256.
    """
    n = len(text)
    extra = len(text.encode("utf-8")) - n
    punctuation = n - len(text.translate(_PUNCTUATION_DELETE))
    return int(0.4 * n + 0.3 * extra + 0.5 * punctuation) + 1


@dataclass
class _Row:
    cells: list[object]  # raw values (for type checks)
    text: list[str]  # formatted, trailing empties removed


def sheet_pages(
    name: str,
    rows: Iterable[Sequence[object]],
    budget: Budget,
    first_column: int = 0,
    hidden: bool = False,
    comments: Sequence[str] = (),
) -> tuple[list[PageText], str | None]:
    """The pages (blocks) of one sheet and a warning when the budget cut it short.

    ``rows``: the sheet's rows from its first used row, each a sequence of cell values (``""`` or
    None for empty); ``first_column``: the column index of each row's first value (for letters);
    ``hidden``: a sheet hidden in the workbook, indexed (it is the user's data) and named so;
    ``comments``: cell comments ("B1: text"), written after the rows as "Comment B1: text".
    Returns no pages for a sheet without any value or comment.
    """
    source = _non_empty_rows(rows)
    head: list[_Row] = []
    for row in source:
        head.append(row)
        if len(head) >= HEADER_SCAN_ROWS + _LOOKAHEAD_ROWS:
            break
    writer = _BlockWriter(heading_line((name or "Sheet") + (" (hidden sheet)" if hidden else "")))
    header_at = _find_header(head)
    keys: list[str] = []
    if header_at is not None:
        keys = [escape_heading_marks(k) for k in head[header_at].text]
    written = 0
    for i, row in enumerate(_chain(head, source)):
        if budget.spent:
            return (
                writer.pages(),
                f"sheet '{name}': only the first {written:,} rows were indexed ({budget.limit_text()})",
            )
        budget.rows -= 1
        budget.cells -= sum(1 for t in row.text if t)
        written += 1
        if header_at is not None and i < header_at:
            writer.add(escape_heading_marks(" | ".join(t for t in row.text if t)), row=False)
        elif i == header_at:
            continue  # the header is in every row's keys
        else:
            writer.add(_key_value_line(row.text, keys, first_column), row=True)
    for comment in comments:
        writer.add(escape_heading_marks("Comment " + " ".join(comment.split())), row=False)
    return writer.pages(), None


def _chain(head: list[_Row], rest: Iterator[_Row]) -> Iterator[_Row]:
    yield from head
    yield from rest


def _non_empty_rows(rows: Iterable[Sequence[object]]) -> Iterator[_Row]:
    for cells in rows:
        text = [format_cell(v) for v in cells]
        while text and not text[-1]:
            text.pop()
        if text:
            yield _Row(list(cells), text)


def _key_value_line(values: list[str], keys: list[str], first_column: int) -> str:
    parts = []
    for j, value in enumerate(values):
        if not value:
            continue
        key = keys[j] if j < len(keys) and keys[j] else column_letter(first_column + j)
        parts.append(f"{key}: {value}")
    return escape_heading_marks(" | ".join(parts))


class _BlockWriter:
    """Packs lines into blocks under :data:`BLOCK_TOKENS` / :data:`BLOCK_ROWS`."""

    def __init__(self, heading: str) -> None:
        self._blocks: list[str] = []
        self._lines: list[str] = []
        self._tokens = 0
        self._rows = 0
        self._heading = heading

    def add(self, line: str, row: bool) -> None:
        cost = estimate_tokens(line)
        if self._lines and (self._tokens + cost > BLOCK_TOKENS or (row and self._rows >= BLOCK_ROWS)):
            self._flush()
        if not self._blocks and not self._lines:  # the sheet's first block names it
            self._lines.append(self._heading + "\n")
            self._tokens += estimate_tokens(self._heading)
        self._lines.append(line)
        self._tokens += cost
        self._rows += row

    def _flush(self) -> None:
        self._blocks.append("\n".join(self._lines))
        self._lines, self._tokens, self._rows = [], 0, 0

    def pages(self) -> list[PageText]:
        if self._lines:
            self._flush()
        return [PageText(number=None, text=block) for block in self._blocks]


# --- header detection ---------------------------------------------------------------------------


def _is_label(value: object) -> bool:
    """A text cell that is not a number or date written as text."""
    return isinstance(value, str) and bool(value.strip()) and not _NUMBER_LIKE_RE.match(value.strip())


def _is_quantity(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, dt.date, dt.time, dt.timedelta)):
        return True
    return isinstance(value, str) and bool(_NUMBER_LIKE_RE.match(value.strip()))


def _find_header(head: list[_Row]) -> int | None:
    """Index in ``head`` of the header row: the first of the top rows that looks like one."""
    widest_above = 0
    for i in range(min(HEADER_SCAN_ROWS, len(head))):
        filled = sum(1 for t in head[i].text if t)
        # Rows above a header are titles (a cell or two), not rows of the table itself.
        if widest_above <= max(1, filled // 3) and _looks_like_header(
            head[i], head[i + 1 : i + 1 + _LOOKAHEAD_ROWS]
        ):
            return i
        widest_above = max(widest_above, filled)
    return None


def _looks_like_header(row: _Row, below: list[_Row]) -> bool:
    """Mostly short, distinct labels over columns of other values, or over well-filled text columns.

    A row over numbers or dates is a header when its cells are text ("Age" over 30, 41, ...). Text
    over text is ambiguous: it is a header when at least 3 rows in 4 below fill most of its columns
    (a table), not when many rows below hold one cell (a form: labels and section titles down
    column A, whose first label/value pair is no header), nor for a single column of text.
    """
    if not below:
        return False  # a lone row is data
    filled = [(j, v) for j, v in enumerate(row.cells[: len(row.text)]) if row.text[j]]
    labels = [row.text[j] for j, v in filled if _is_label(v)]
    if len(labels) * 3 < len(filled) * 2 or any(len(t) > _MAX_HEADER_CELL_CHARS for t in labels):
        return False
    if len({t.casefold() for t in labels}) < 0.9 * len(labels):
        return False
    own = {j for j, _ in filled}
    used_below = {j for r in below for j, t in enumerate(r.text) if t}
    if len(own) == 1 and not used_below <= own:
        return False  # a title over a table
    votes = 0
    for j, value in filled:
        column = [r.cells[j] for r in below if j < len(r.text) and r.text[j]]
        if not column:
            continue
        quantities = sum(1 for v in column if _is_quantity(v))
        if quantities * 5 >= len(column) * 3:  # a column of numbers or dates
            votes += 1 if _is_label(value) else -1
    if votes != 0:
        return votes > 0
    used = own & used_below
    if len(used) < 2 or 2 * len(used) < len(used_below):
        return False  # one column of text, or group titles over a wider table
    full = sum(1 for r in below if 2 * sum(1 for j in used if j < len(r.text) and r.text[j]) > len(used))
    return full * 4 >= len(below) * 3
