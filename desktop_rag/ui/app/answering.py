"""The main window's answering side: asking (waiting for the model when it is still loading),
regenerating, saving finished answers to the conversation, and the model's loading state.
"""

from __future__ import annotations

from pathlib import Path

from ...core.engine import AnswerResult, ChatSession
from ...core.errors import UserError
from ..i18n import tr


class AnsweringActions:
    """MainWindow's answering methods; they use the window's engine, answer service, chat panel and
    model label (set up in ``MainWindow.__init__``)."""

    def _session(self) -> ChatSession:
        if self.session is None:
            self.session = self.engine.chat(self.answers.model, self.chat.chosen_collections())
            if self.conversation_id is not None:
                self.session.restore(self.engine.conversations.turns(self.conversation_id))
        return self.session

    def ask(self, question: str) -> None:
        if self.answers.model is None:
            self._pending_question = question
            self.chat.add_turn(question).set_answer(tr("Loading the model…"))
            self.chat.set_answering(True)
            if not self.answers.busy:
                self.answers.load_model()
            return
        self._start_answer(question, new_turn=True)

    def ask_document(self, name: str, question: str | None = None) -> None:
        """Summarise an indexed document (or answer ``question`` from all of it) in the chat."""
        try:
            path = self.engine.find_document(name)
        except UserError as exc:
            self.chat.add_turn(f"/summarise {name}" if question is None else f"/ask {name}: {question}").set_answer(tr("Error: ") + str(exc))
            return
        file_name = Path(path).name
        turn = self.chat.add_turn(question or tr("Summarise {name}").format(name=file_name))
        if self.answers.model is None:
            turn.set_answer(tr("Load a language model first (Models…)."))
            if not self.answers.busy:
                self.answers.load_model()
            return
        turn.set_answer(tr("Reading {name}…").format(name=file_name))
        self.chat.set_answering(True)
        if not self.answers.ask_document(self._session(), path, question):
            self.chat.set_answering(False)

    def _on_document_progress(self, progress) -> None:
        if self.chat.turns and progress.phase in ("reading", "combining"):
            text = tr("Reading {name}: part {done} of {total}…") if progress.phase == "reading" else tr("Combining the notes on {name}…")
            self.chat.turns[-1].set_answer(text.format(name=Path(progress.path).name, done=progress.parts_done, total=progress.parts_total))

    def _start_answer(self, question: str, new_turn: bool) -> None:
        if new_turn:
            self.chat.add_turn(question)
        else:
            self.chat.turns[-1].set_answer("")
        self.chat.set_answering(True)
        if not self.answers.ask(self._session(), question):
            self.chat.set_answering(False)

    def regenerate(self) -> None:
        if self.answers.busy or not self.chat.turns:
            return
        session = self._session()
        last = self.chat.turns[-1]
        if session.conversation.turns:
            session.conversation.turns.pop()  # answer the last question again, without its old answer
        self._regenerating = True
        last.result = None
        last.sources_label.hide()
        last.notes_label.hide()
        self._start_answer(last.question, new_turn=False)

    def _on_answer_finished(self, result: AnswerResult) -> None:
        payload = result.to_json()
        self.chat.turns[-1].finish(payload, cancelled=result.cancelled)
        self.chat.set_answering(False)
        if result.answer:
            if self.conversation_id is None:
                info = self.engine.conversations.create("", self.chat.chosen_collections())
                self.conversation_id = info.id
            if self._regenerating:
                self.engine.conversations.replace_last_turn(self.conversation_id, result)
            else:
                self.engine.conversations.add_turn(self.conversation_id, result)
            self.refresh_conversations(select=self.conversation_id)
            self.chat.title_label.setText(self.engine.conversations.get(self.conversation_id).title)
        self._regenerating = False
        stats = result.stats
        if stats and stats.generated_tokens:
            self.chat.status_label.setText(
                tr("Last answer: first word after {s} s, {t} tokens/s").format(s=f"{result.ttft_s:.1f}", t=f"{stats.tokens_per_s:.0f}")
            )

    def _on_answer_failed(self, message: str) -> None:
        self.chat.set_answering(False)
        self._regenerating = False
        if self.chat.turns:
            self.chat.turns[-1].set_answer(tr("Error: ") + message)

    def _on_model_ready(self, model) -> None:
        self.center.setCurrentWidget(self.chat)
        self.model_label.setText(f"{model.info.name or model.path.name} · {model.device.description}")
        self.model_label.setToolTip(model.info.describe())
        self.session = None
        if self._pending_question:
            question, self._pending_question = self._pending_question, None
            self._start_answer(question, new_turn=False)

    def _on_model_failed(self, message: str) -> None:
        self.model_label.setText(tr("No model loaded"))
        self.model_label.setToolTip(message)
        self.chat.set_answering(False)
        if self._pending_question and self.chat.turns:
            self.chat.turns[-1].set_answer(tr("Error: ") + message)
        self._pending_question = None
        if message.startswith("no language model found"):
            self.center.setCurrentWidget(self.first_run)
        else:
            self.statusBar().showMessage(message, 20000)

    def _model_chosen(self, spec: str) -> None:
        self.engine.settings.llm_model = spec
        self.engine.settings.validate().save(self.engine.paths.settings_file)
        self.answers.load_model(spec)
