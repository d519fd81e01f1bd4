"""The conversation view: questions (bubbles), streamed Markdown answers, their sources (cards,
source_cards.py), the composer with its send button, and the empty state of a new chat."""

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
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .answer_marks import CITE, colour_notes, marked_markdown, span_source
from .i18n import tr
from .markdown_view import MarkdownView
from .reasoning_view import ReasoningView
from .snippets import snippet_html
from .source_cards import SourceCards

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


_AnswerView = MarkdownView  # the answer's view (markdown_view.py)
_COMMAND = re.compile(r"^/(summari[sz]e|요약|ask|질문)\s+(.+)$", re.DOTALL)


def document_command(text: str) -> tuple[str, str | None] | None:
    """``/summarise report.pdf`` -> ("report.pdf", None); ``/ask report.pdf: what about X?`` ->
    ("report.pdf", "what about X?"); anything else -> None (Korean: ``/요약``, ``/질문``)."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    rest = match.group(2).strip()
    if match.group(1) in ("ask", "질문"):
        name, _, question = rest.partition(":")
        return (name.strip(), question.strip() or None) if name.strip() else None
    return rest, None


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
        self.setProperty("role", "turn")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 8, 4, 8)
        layout.setSpacing(6)
        # The question: a bubble on the right, as in chat apps; the answer below it, full width.
        self.question_label = QLabel(html.escape(redact(question)).replace("\n", "<br>"))
        self.question_label.setProperty("role", "question")
        self.question_label.setWordWrap(True)
        self.question_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A word-wrapped label hints a narrow width: ask for the width of the text (up to 560 px).
        longest = max((self.question_label.fontMetrics().horizontalAdvance(line) for line in question.splitlines() or [""]), default=0)
        self.question_label.setMinimumWidth(min(longest + 36, 560))
        question_row = QHBoxLayout()
        question_row.addStretch(1)
        question_row.addWidget(self.question_label)
        self.answer_view = _AnswerView()
        self.answer_view.anchorClicked.connect(lambda url: self._on_link(url.toString()))
        self.reasoning_view = ReasoningView()
        self.sources_label = QLabel(tr("Sources"))  # the heading of the source cards
        self.sources_label.setProperty("role", "muted")
        self.sources_label.hide()
        self.source_cards = SourceCards()
        self.source_cards.activated.connect(self.activate_source)
        self.source_cards.hide()
        self.notes_label = QLabel()
        self.notes_label.setWordWrap(True)
        self.notes_label.setProperty("role", "note")
        self.notes_label.hide()
        footer = QHBoxLayout()
        self.timing_label = QLabel()
        self.timing_label.setProperty("role", "muted")
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
        layout.addLayout(question_row)
        layout.addWidget(self.answer_view)
        layout.addWidget(self.reasoning_view)
        layout.addWidget(self.notes_label)
        layout.addWidget(self.sources_label)
        layout.addWidget(self.source_cards)
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
        support = (self.result or {}).get("support")
        self.answer_view.set_markdown(self.redact(marked_markdown(self.answer_text, support)))
        if support:
            colour_notes(self.answer_view)

    # -- finished ------------------------------------------------------------------------------
    def finish(self, result: dict, cancelled: bool = False) -> None:
        """Show the final answer, its sources and timing (``result`` is AnswerResult.to_json())."""
        self.result = result
        self._render_timer.stop()
        support = result.get("support") or {}
        self.set_answer(result.get("answer") or self.answer_text)
        terms = highlight_terms(self.question)
        cited = {c["n"] for c in result.get("citations", [])}
        sources = result.get("sources", [])
        if sources:
            self.source_cards.set_sources(sources, cited, lambda source: snippet_html(self.redact(source.get("text", "")), terms))
            self.sources_label.setText(tr("Sources") + f" · {len(sources)}")
            self.sources_label.show()
            self.source_cards.show()
        self.reasoning_view.set_reasoning(self.redact(result.get("reasoning") or ""))
        notes = [tr("Chat template problem: ") + w for w in result.get("warnings") or ()]
        if cancelled:
            notes.append(tr("Stopped."))
        if result.get("unknown_citations"):
            marks = ", ".join(f"[{n}]" for n in result["unknown_citations"])
            notes.append(tr("These markers point to no source: ") + marks)
        if not result.get("abstained") and not cancelled and result.get("answer") and not result.get("citations"):
            notes.append(tr("The answer cites no source: check it against the passages below."))
        flagged = support.get("unsupported", 0) + support.get("miscited", 0)
        if flagged:
            notes.append(tr("{n} sentences are not supported by the source they cite: see the marks in the answer.").format(n=flagged))
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
        """``source:<n>`` opens a source; ``cite:<sentence>:<n>`` opens the span of source n that
        supports that sentence of the answer."""
        if not self.result or not link.startswith(("source:", CITE + ":")):
            return
        parts = link.split(":")
        n = int(parts[-1])
        sentence = None
        if parts[0] == CITE:
            sentences = (self.result.get("support") or {}).get("sentences") or []
            sentence = sentences[int(parts[1])] if int(parts[1]) < len(sentences) else None
        for source in self.result.get("sources", []):
            if source["n"] == n:
                shown = span_source(source, sentence, n) if sentence else source
                self.source_activated.emit({**shown, "terms": highlight_terms(self.question)})
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
    document_requested = Signal(str, object)  # file name or path, question (None: summarise)
    stop_requested = Signal()
    regenerate_requested = Signal()
    source_activated = Signal(object)
    collections_changed = Signal(list)
    add_folder_requested = Signal()  # the empty state's buttons
    models_requested = Signal()

    def __init__(self, redact: Callable[[str], str] = lambda s: s):
        super().__init__()
        self.redact = redact
        self.turns: list[TurnWidget] = []
        self.answering = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(8)

        top = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setTextFormat(Qt.TextFormat.PlainText)  # a chat title is never markup
        self.title_label.setProperty("role", "title")
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
        self.transcript.setObjectName("transcript")
        self.transcript_layout = QVBoxLayout(self.transcript)
        self.transcript_layout.setSpacing(4)
        self.transcript_layout.addStretch(1)
        self.scroll.setWidget(self.transcript)
        self.transcript_layout.insertWidget(0, self._build_empty_state())
        layout.addWidget(self.scroll, 1)

        # The composer: the question box and a round send button in one rounded frame.
        self.composer = QFrame()
        self.composer.setObjectName("composer")
        bottom = QHBoxLayout(self.composer)
        bottom.setContentsMargins(10, 6, 8, 6)
        self.input = QPlainTextEdit()
        self.input.setPlaceholderText(tr("Ask a question about your documents (Ctrl+Enter to send)"))
        self.input.setFixedHeight(64)
        self.input.setTabChangesFocus(True)  # Tab moves on to the send button, as in a form
        self.input.setAccessibleName(tr("Question"))
        self._ctrl_enter = _SendOnCtrlEnter(self.send)
        self.input.installEventFilter(self._ctrl_enter)
        self.send_button = QPushButton(tr("Send"))
        self.send_button.setObjectName("send-button")
        self.send_button.setToolTip(tr("Send (Ctrl+Enter)"))
        self.send_button.clicked.connect(self._send_or_stop)
        bottom.addWidget(self.input, 1)
        bottom.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addWidget(self.composer)
        self.status_label = QLabel()
        self.status_label.setProperty("role", "muted")
        layout.addWidget(self.status_label)

        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.stop)
        self.set_collections([], [])

    def _build_empty_state(self) -> QWidget:
        """What a new chat shows: what to do first, with buttons for it."""
        self.empty_state = QWidget()
        self.empty_state.setObjectName("empty-state")
        self.empty_state.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        box = QVBoxLayout(self.empty_state)
        box.setContentsMargins(32, 28, 32, 28)
        box.setSpacing(10)
        heading = QLabel(tr("Ask your documents"))
        heading.setProperty("role", "title")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder = QLabel()
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setProperty("role", "muted")
        steps = QLabel(tr("1. Add a folder of documents  ·  2. Choose or import a language model  ·  3. Ask"))
        steps.setWordWrap(True)
        steps.setAlignment(Qt.AlignmentFlag.AlignCenter)
        buttons = QHBoxLayout()
        self.empty_add_button = QPushButton(tr("Add folder…"))
        self.empty_add_button.clicked.connect(self.add_folder_requested)
        self.empty_models_button = QPushButton(tr("Models…"))
        self.empty_models_button.clicked.connect(self.models_requested)
        buttons.addStretch(1)
        buttons.addWidget(self.empty_add_button)
        buttons.addWidget(self.empty_models_button)
        buttons.addStretch(1)
        for widget in (heading, self.placeholder, steps):
            box.addWidget(widget)
        box.addLayout(buttons)
        return self.empty_state

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
        self.empty_state.setVisible(bool(placeholder))

    def add_turn(self, question: str) -> TurnWidget:
        turn = TurnWidget(question, self.redact)
        turn.source_activated.connect(self.source_activated)
        turn.regenerate_requested.connect(self.regenerate_requested)
        self.transcript_layout.insertWidget(self.transcript_layout.count() - 1, turn)
        self.turns.append(turn)
        self.empty_state.hide()
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
        command = document_command(question)
        if command:
            self.document_requested.emit(*command)
        else:
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
