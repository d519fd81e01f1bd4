"""An answer as Markdown: a QTextBrowser that grows with its text, with tables and code blocks styled
for the current theme (QTextDocument's Markdown import gives them no borders or background)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontDatabase,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextFrameFormat,
    QTextTable,
)
from PySide6.QtWidgets import QFrame, QSizePolicy, QTextBrowser

from .theme import colors


class MarkdownView(QTextBrowser):
    """A Markdown view that grows with its content instead of scrolling on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "answer")
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setUndoRedoEnabled(False)
        self.document().setDocumentMargin(8)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)

    def set_markdown(self, text: str) -> None:
        """Show ``text`` as Markdown, tables and code blocks styled."""
        self.setMarkdown(text)
        style_document(self)

    def tables(self) -> list[QTextTable]:
        """The tables in the answer (tests; a rendered Markdown table is one)."""
        return [frame for frame in self.document().rootFrame().childFrames() if isinstance(frame, QTextTable)]

    def code_blocks(self) -> list[str]:
        """The text of each code block (fenced or indented) in the answer."""
        blocks, current, block = [], [], self.document().begin()
        while block.isValid():
            if _is_code(block):
                current.append(block.text())
            elif current:
                blocks.append("\n".join(current))
                current = []
            block = block.next()
        if current:
            blocks.append("\n".join(current))
        return blocks

    def _fit(self) -> None:
        self.setFixedHeight(int(self.document().size().height()) + 8)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        self._fit()


def _is_code(block) -> bool:
    fmt = block.blockFormat()
    return fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.hasProperty(QTextFormat.Property.BlockCodeLanguage) \
        or fmt.nonBreakableLines()


def style_document(view: QTextBrowser) -> None:
    """Borders and padding on tables, a tinted monospace background on code blocks."""
    c = colors()
    doc = view.document()
    for frame in doc.rootFrame().childFrames():
        if isinstance(frame, QTextTable):
            fmt = frame.format()
            fmt.setBorder(1)
            fmt.setBorderStyle(QTextFrameFormat.BorderStyle.BorderStyle_Solid)
            fmt.setBorderBrush(QBrush(QColor(c.border)))
            fmt.setBorderCollapse(True)
            fmt.setCellPadding(5)
            fmt.setCellSpacing(0)
            frame.setFormat(fmt)
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    block = doc.begin()
    while block.isValid():
        if _is_code(block):
            cursor = QTextCursor(block)
            fmt = block.blockFormat()
            fmt.setBackground(QColor(c.code_bg))
            fmt.setLeftMargin(4)
            cursor.setBlockFormat(fmt)
            cursor.select(QTextCursor.SelectionType.BlockUnderCursor)
            char = QTextCharFormat()
            char.setFontFamilies([mono.family(), "monospace"])
            cursor.mergeCharFormat(char)
        block = block.next()
