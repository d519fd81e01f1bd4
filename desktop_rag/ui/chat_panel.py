"""The conversation view: questions, streamed Markdown answers, their sources, the input box."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .i18n import place_of, tr

_WORD = re.compile(r"[\w가-힣]{2,}")
_HANGUL = re.compile(r"[가-힣]")


# Korean particles and copula endings, longest first: 서울에서는 -> 서울, 스레드의 -> 스레드.
_PARTICLES = sorted(
    "에서는 에서도 으로는 이라는 에게서 까지는 부터는 에서 에게 으로 까지 부터 처럼 보다 이나 이란 라는 인가 "
    "와 과 의 는 은 이 가 을 를 에 로 도 만 나".split(),
    key=len, reverse=True,
)
_QUESTION_WORDS = {"무엇", "무엇인가", "무엇인가요", "어떻게", "어떤", "언제", "누구", "얼마", "왜", "what", "which", "how", "when", "who", "why", "does", "the"}


def highlight_terms(question: str) -> list[str]:
    """Words of the question worth highlighting in passages (Korean words without their particles)."""
    terms: dict[str, None] = {}
    for word in _WORD.findall(question):
        word = word.lower()
        if _HANGUL.search(word):
            for ending in _PARTICLES:
                if word.endswith(ending) and len(word) - len(ending) >= 2:
                    word = word[: -len(ending)]
                    break
        elif len(word) < 3:
            continue
        if word not in _QUESTION_WORDS:
            terms.setdefault(word, None)
    return list(terms)


def highlighted_html(text: str, terms: Sequence[str]) -> str:
    """``text`` escaped for HTML with ``terms`` marked (case-insensitive)."""
    escaped = html.escape(text)
    if not terms:
        return escaped
    pattern = re.compile("|".join(re.escape(html.escape(t)) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    return pattern.sub(lambda m: f'<span style="background:#ffe58a">{m.group(0)}</span>', escaped)


class _AnswerView(QTextBrowser):
    """A Markdown view that grows with its content instead of scrolling on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.document().documentLayout().documentSizeChanged.connect(self._fit)

    def _fit(self) -> None:
        self.setFixedHeight(int(self.document().size().height()) + 8)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        self._fit()


class TurnWidget(QFrame):
    """One question, its answer as it streams, and the passages it was given."""

    source_activated = Signal(object)  # dict: a source of AnswerResult.to_json()["sources"]
    regenerate_requested = Signal()

    def __init__(self, question: str, redact: Callable[[str], str]):
        super().__init__()
        self.redact = redact
        self.question = question
        self.answer_text = ""
        self.result: dict | None = None
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        self.question_label = QLabel(f"<b>{html.escape(redact(question))}</b>")
        self.question_label.setWordWrap(True)
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer_view = _AnswerView()
        self.sources_label = QLabel()
        self.sources_label.setWordWrap(True)
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.linkActivated.connect(self._on_link)
        self.sources_label.hide()
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setStyleSheet("color:#9a6700")
        self.notes_label.hide()
        footer = QHBoxLayout()
        self.timing_label = QLabel()
        self.timing_label.setStyleSheet("color:gray; font-size:11px")
        self.copy_button = QPushButton(tr("Copy"))
        self.copy_button.clicked.connect(self.copy_answer)
        self.regenerate_button = QPushButton(tr("Regenerate"))
        self.regenerate_button.clicked.connect(self.regenerate_requested)
        for button in (self.copy_button, self.regenerate_button):
            button.setFlat(True)
            button.setEnabled(False)
        footer.addWidget(self.timing_label, 1)
        footer.addWidget(self.copy_button)
        footer.addWidget(self.regenerate_button)
        layout.addWidget(self.question_label)
        layout.addWidget(self.answer_view)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.sources_label)
        layout.addLayout(footer)
        self._render_timer = QTimer(self, singleShot=True, interval=40)
        self._render_timer.timeout.connect(self._render)
        self.set_answer(tr("…"))

    # -- streaming -----------------------------------------------------------------------------
    def append(self, piece: str) -> None:
        self.answer_text += piece
        if not self._render_timer.isActive():
            self._render_timer.start()  # re-render at most every 40 ms, not per token

    def set_answer(self, text: str) -> None:
        self.answer_text = text
        self._render()

    def _render(self) -> None:
        self.answer_view.setMarkdown(self.redact(self.answer_text))

    # -- finished ------------------------------------------------------------------------------
    def finish(self, result: dict, cancelled: bool = False) -> None:
        """Show the final answer, its sources and timing (``result`` is AnswerResult.to_json())."""
        self.result = result
        self._render_timer.stop()
        self.set_answer(result.get("answer") or self.answer_text)
        terms = highlight_terms(self.question)
        cited = {c["n"] for c in result.get("citations", [])}
        rows = []
        for source in result.get("sources", []):
            place = html.escape(place_of(source))
            snippet = " ".join(source.get("text", "").split())
            snippet = snippet[:220] + ("…" if len(snippet) > 220 else "")
            mark = "<b>" if source["n"] in cited else ""
            end = "</b>" if mark else ""
            rows.append(
                f'<p style="margin:2px 0">{mark}<a href="source:{source["n"]}">[{source["n"]}] {place}</a>{end}'
                f'<br><span style="color:#555">{highlighted_html(self.redact(snippet), terms)}</span></p>'
            )
        if rows:
            self.sources_label.setText(f"<b>{tr('Sources')}</b>" + "".join(rows))
            self.sources_label.show()
        notes = []
        if cancelled:
            notes.append(tr("Stopped."))
        if result.get("unknown_citations"):
            marks = ", ".join(f"[{n}]" for n in result["unknown_citations"])
            notes.append(tr("These markers point to no source: ") + marks)
        if not result.get("abstained") and not cancelled and result.get("answer") and not result.get("citations"):
            notes.append(tr("The answer cites no source: check it against the passages below."))
        if result.get("omitted_sources"):
            notes.append(tr("Some retrieved passages did not fit in the model's context: ") + str(result["omitted_sources"]))
        if notes:
            self.notes_label.setText(" ".join(notes))
            self.notes_label.show()
        timing = result.get("timing") or {}
        if timing.get("generated_tokens"):
            self.timing_label.setText(
                tr("first word after {s} s · {t} tokens/s").format(s=f"{timing['ttft_s']:.1f}", t=f"{timing['tokens_per_s']:.0f}")
            )
        self.copy_button.setEnabled(True)
        self.regenerate_button.setEnabled(True)

    def copy_answer(self) -> None:
        QGuiApplication.clipboard().setText(self.redact(self.answer_text))

    def _on_link(self, link: str) -> None:
        if self.result and link.startswith("source:"):
            n = int(link.split(":", 1)[1])
            for source in self.result.get("sources", []):
                if source["n"] == n:
                    self.source_activated.emit({**source, "terms": highlight_terms(self.question)})
                    return

    def activate_source(self, n: int) -> None:
        """As if the user clicked source [n] (keyboard use, tests)."""
        self._on_link(f"source:{n}")


class _SendOnCtrlEnter(QObject):
    def __init__(self, send: Callable[[], None]):
        super().__init__()
        self._send = send

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt name
        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self._send()
                return True
        return False


class ChatPanel(QWidget):
    """Transcript plus input. Emits requests; the main window runs them through the engine."""

    send_requested = Signal(str)
    stop_requested = Signal()
    regenerate_requested = Signal()
    source_activated = Signal(object)
    collections_changed = Signal(list)

    def __init__(self, redact: Callable[[str], str] = lambda s: s):
        super().__init__()
        self.redact = redact
        self.turns: list[TurnWidget] = []
        self.answering = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        top = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)  # a chat title is never markup
        self.title_label.setStyleSheet("font-weight:bold; font-size:14px")
        self.scope_button = QToolButton()
        self.scope_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.scope_menu = QMenu(self)
        self.scope_button.setMenu(self.scope_menu)
        top.addWidget(self.title_label, 1)
        top.addWidget(QLabel(tr("Search in:")))
        top.addWidget(self.scope_button)
        layout.addLayout(top)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.transcript = QWidget()
        self.transcript_layout = QVBoxLayout(self.transcript)
        self.transcript_layout.addStretch(1)
        self.scroll.setWidget(self.transcript)
        self.placeholder = QLabel()
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color:gray")
        self.transcript_layout.insertWidget(0, self.placeholder)
        layout.addWidget(self.scroll, 1)

        bottom = QHBoxLayout()
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText(tr("Ask a question about your documents (Ctrl+Enter to send)"))
        self.input.setFixedHeight(72)
        self._ctrl_enter = _SendOnCtrlEnter(self.send)
        self.input.installEventFilter(self._ctrl_enter)
        self.send_button = QPushButton(tr("Send"))
        self.send_button.clicked.connect(self._send_or_stop)
        bottom.addWidget(self.input, 1)
        bottom.addWidget(self.send_button)
        layout.addLayout(bottom)
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color:gray; font-size:11px")
        layout.addWidget(self.status_label)

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.stop)
        self.set_collections([], [])

    # -- scope -----------------------------------------------------------------------------------
    def set_collections(self, available: Sequence[str], chosen: Sequence[str]) -> None:
        """The collections the user can pick from; none chosen = all."""
        self.scope_menu.clear()
        for name in available:
            action = QAction(name, self.scope_menu, checkable=True, checked=name in chosen)
            action.toggled.connect(self._scope_toggled)
            self.scope_menu.addAction(action)
        self._show_scope()

    def chosen_collections(self) -> list[str]:
        return [a.text() for a in self.scope_menu.actions() if a.isChecked()]

    def _scope_toggled(self) -> None:
        self._show_scope()
        self.collections_changed.emit(self.chosen_collections())

    def _show_scope(self) -> None:
        chosen = self.chosen_collections()
        self.scope_button.setText(", ".join(chosen) if chosen else tr("All collections"))

    # -- transcript ----------------------------------------------------------------------------
    def clear(self, title: str = "", placeholder: str = "") -> None:
        for turn in self.turns:
            turn.setParent(None)
            turn.deleteLater()
        self.turns.clear()
        self.title_label.setText(title)
        self.placeholder.setText(placeholder)
        self.placeholder.setVisible(bool(placeholder))

    def add_turn(self, question: str) -> TurnWidget:
        turn = TurnWidget(question, self.redact)
        turn.source_activated.connect(self.source_activated)
        turn.regenerate_requested.connect(self.regenerate_requested)
        self.transcript_layout.insertWidget(self.transcript_layout.count() - 1, turn)
        self.turns.append(turn)
        self.placeholder.hide()
        QTimer.singleShot(0, self._scroll_to_end)
        return turn

    def show_saved(self, question: str, result: dict) -> TurnWidget:
        turn = self.add_turn(question)
        turn.finish(result, cancelled=bool(result.get("cancelled")))
        return turn

    def _scroll_to_end(self) -> None:
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())

    # -- input -----------------------------------------------------------------------------------
    def set_answering(self, answering: bool) -> None:
        self.answering = answering
        self.send_button.setText(tr("Stop") if answering else tr("Send"))
        for turn in self.turns:
            turn.regenerate_button.setEnabled(not answering and turn.result is not None)

    def send(self) -> None:
        question = self.input.toPlainText().strip()
        if not question or self.answering:
            return
        self.input.clear()
        self.send_requested.emit(question)

    def stop(self) -> None:
        if self.answering:
            self.stop_requested.emit()

    def _send_or_stop(self) -> None:
        self.stop() if self.answering else self.send()

    def append_token(self, piece: str) -> None:
        if self.turns:
            self.turns[-1].append(piece)
            if self.scroll.verticalScrollBar().value() >= self.scroll.verticalScrollBar().maximum() - 40:
                QTimer.singleShot(0, self._scroll_to_end)
