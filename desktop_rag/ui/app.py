"""The desktop window: conversations, the library, chat with cited answers, the source viewer.

The window only talks to the engine (core.engine.RagEngine) and runs everything long on the
workers in workers.py; it never re-implements core logic.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.config import Settings
from ..core.engine import AnswerResult, ChatSession, RagEngine, conversation_markdown
from ..core.errors import LibraryError
from ..core.logs import close_logging, setup_logging
from ..core.paths import resolve_paths
from ..core.privacy import redact as redact_personal_data
from ..core.types import IndexReport, Progress
from .about import AboutDialog
from .chat_panel import ChatPanel
from .i18n import set_language, tr
from .library_panel import LibraryPanel, ProgressStrip
from .models_dialog import FirstRunPanel, ModelManager
from .settings_dialog import SettingsDialog
from .viewer import SourceViewer
from .workers import AnswerService, IndexingService, IndexJob

log = logging.getLogger(__name__)
CONVERSATION_ROLE = Qt.ItemDataRole.UserRole


class MainWindow(QMainWindow):
    """Everything a user does, in one window."""

    library_changed = Signal()  # (from any thread) the library's folders or counts changed

    def __init__(self, engine: RagEngine, load_model: bool = True):
        super().__init__()
        self.engine = engine
        self.setWindowTitle("desktop-rag")
        self.resize(1200, 760)
        self.session: ChatSession | None = None
        self.conversation_id: int | None = None
        self._pending_question: str | None = None
        self._regenerating = False

        self.indexing = IndexingService(engine, self)
        self.answers = AnswerService(engine, self)
        self._build()
        self._connect()
        self.refresh_library()
        self.refresh_conversations()
        self.library_changed.connect(self.refresh_library)
        engine.on_background_report = lambda report: self.library_changed.emit()
        try:
            engine.resume_watching()
        except Exception:  # noqa: BLE001 - watching is a convenience
            log.warning("cannot resume watching folders", exc_info=True)
        if load_model:
            self.answers.load_model()

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.chat = ChatPanel(self.redact)
        self.first_run = FirstRunPanel(self.engine)
        self.center = QStackedWidget()
        self.center.addWidget(self.chat)
        self.center.addWidget(self.first_run)

        self.conversation_list = QListWidget()
        self.conversation_list.currentItemChanged.connect(self._conversation_selected)
        chats = QWidget()
        chats_layout = QVBoxLayout(chats)
        chats_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.new_button = QPushButton(tr("New chat"))
        self.rename_button = QPushButton(tr("Rename"))
        self.delete_button = QPushButton(tr("Delete"))
        self.export_button = QPushButton(tr("Export…"))
        for b in (self.new_button, self.rename_button, self.delete_button, self.export_button):
            row.addWidget(b)
        chats_layout.addWidget(self.conversation_list, 1)
        chats_layout.addLayout(row)
        self.library = LibraryPanel()
        self.tabs = QTabWidget()
        self.tabs.addTab(chats, tr("Chats"))
        self.tabs.addTab(self.library, tr("Library"))

        splitter = QSplitter()
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.center)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([360, 840])
        self.setCentralWidget(splitter)

        self.viewer = SourceViewer()
        self.viewer_dock = QDockWidget(tr("Source"), self)
        self.viewer_dock.setWidget(self.viewer)
        self.viewer_dock.setObjectName("source-viewer")
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.viewer_dock)
        self.viewer_dock.hide()

        self.progress_strip = ProgressStrip()
        self.model_label = QLabel(tr("No model loaded"))
        self.model_label.setStyleSheet("color:gray")
        self.statusBar().addWidget(self.progress_strip, 1)
        self.statusBar().addPermanentWidget(self.model_label)

        menu = self.menuBar()
        file_menu = menu.addMenu(tr("&File"))
        self._action(file_menu, tr("Add folder…"), self.library.choose_folder, QKeySequence.StandardKey.Open)
        self._action(file_menu, tr("New chat"), self.new_conversation, QKeySequence.StandardKey.New)
        self._action(file_menu, tr("Export chat…"), self.export_conversation)
        file_menu.addSeparator()
        self._action(file_menu, tr("Quit"), self.close, QKeySequence.StandardKey.Quit)
        tools = menu.addMenu(tr("&Tools"))
        self._action(tools, tr("Models…"), self.show_models)
        self._action(tools, tr("Settings…"), self.show_settings, QKeySequence.StandardKey.Preferences)
        help_menu = menu.addMenu(tr("&Help"))
        self._action(help_menu, tr("About desktop-rag"), lambda: AboutDialog(self).exec())

    def _action(self, menu, text, slot, shortcut=None) -> QAction:
        action = menu.addAction(text)
        action.triggered.connect(slot)
        if shortcut is not None:
            action.setShortcut(shortcut)
        return action

    def _connect(self) -> None:
        self.library.add_requested.connect(self.add_folder)
        self.library.remove_requested.connect(self.remove_folder)
        self.library.reindex_requested.connect(self.indexing.enqueue)
        self.indexing.progress.connect(self._on_progress)
        self.indexing.job_started.connect(lambda job: self._on_progress(Progress(phase="scanning", folder=job.folder)))
        self.indexing.job_finished.connect(self._on_index_finished)
        self.indexing.job_failed.connect(self._on_index_failed)
        self.indexing.busy_changed.connect(self._on_index_busy)
        self.progress_strip.pause_clicked.connect(self.toggle_pause)
        self.progress_strip.cancel_clicked.connect(self.indexing.cancel)

        self.chat.send_requested.connect(self.ask)
        self.chat.stop_requested.connect(self.answers.cancel)
        self.chat.regenerate_requested.connect(self.regenerate)
        self.chat.source_activated.connect(self.show_source)
        self.chat.collections_changed.connect(self._scope_changed)
        self.answers.model_ready.connect(self._on_model_ready)
        self.answers.model_failed.connect(self._on_model_failed)
        self.answers.model_loading.connect(lambda name: self.model_label.setText(tr("Loading the model…")))
        self.answers.token.connect(self.chat.append_token)
        self.answers.answer_finished.connect(self._on_answer_finished)
        self.answers.answer_failed.connect(self._on_answer_failed)
        self.first_run.model_chosen.connect(self._model_chosen)

        self.new_button.clicked.connect(self.new_conversation)
        self.rename_button.clicked.connect(self.rename_conversation)
        self.delete_button.clicked.connect(self.delete_conversation)
        self.export_button.clicked.connect(self.export_conversation)

    def redact(self, text: str) -> str:
        """The personal-data filter, when the setting is on."""
        return redact_personal_data(text) if self.engine.settings.redact_personal_data else text

    # -- library ---------------------------------------------------------------------------------
    def refresh_library(self) -> None:
        status = self.engine.store.status()
        status["chunks"] = self.engine.store.chunk_count()
        self.library.show_status(status)
        chosen = self.chat.chosen_collections()
        self.chat.set_collections(self.library.collections, chosen)

    def add_folder(self, folder: str, collection: str) -> None:
        self.indexing.enqueue(str(Path(folder).expanduser().resolve()), collection)
        self.tabs.setCurrentWidget(self.library)

    def remove_folder(self, folder: str) -> None:
        answer = QMessageBox.question(
            self, tr("Remove folder"),
            tr("Remove {folder} from the library? Its files stay on disk.").format(folder=folder),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        threading.Thread(target=self._remove_in_background, args=(folder,), daemon=True).start()

    def _remove_in_background(self, folder: str) -> None:
        try:
            self.engine.remove_folder(folder)
        except Exception:  # noqa: BLE001
            log.exception("removing %s failed", folder)
        self.library_changed.emit()

    def toggle_pause(self) -> None:
        if self.indexing.paused:
            self.indexing.resume()
            self.progress_strip.set_paused(False)
        else:
            self.indexing.pause()
            self.progress_strip.set_paused(True)

    def _on_progress(self, progress: Progress) -> None:
        self.progress_strip.show_progress(progress)

    def _on_index_finished(self, job: IndexJob, report: IndexReport) -> None:
        self.refresh_library()
        state = tr("cancelled") if report.cancelled else tr("done")
        self.statusBar().showMessage(
            tr("{folder}: {state} — {files} files indexed, {errors} failed, {s} s").format(
                folder=Path(job.folder).name, state=state, files=report.files_indexed,
                errors=len(report.errors), s=f"{report.seconds:.0f}",
            ),
            15000,
        )

    def _on_index_failed(self, job: IndexJob, message: str) -> None:
        self.refresh_library()
        QMessageBox.warning(self, tr("Indexing failed"), f"{job.folder}\n\n{message}")

    def _on_index_busy(self, busy: bool) -> None:
        if not busy and not self.indexing.paused:
            self.progress_strip.hide()

    # -- conversations -----------------------------------------------------------------------
    def refresh_conversations(self, select: int | None = None) -> None:
        """Re-list the chats; keeps (or selects) ``select`` without reloading what is on screen."""
        select = select if select is not None else self.conversation_id
        self.conversation_list.blockSignals(True)
        self.conversation_list.clear()
        current = None
        for info in self.engine.conversations.list():
            item = QListWidgetItem(info.title)
            item.setData(CONVERSATION_ROLE, info.id)
            self.conversation_list.addItem(item)
            if info.id == select:
                current = item
        if current is not None:
            self.conversation_list.setCurrentItem(current)
        self.conversation_list.blockSignals(False)
        if current is not None:
            return
        if self.conversation_list.count() and self.conversation_id is None:
            self.conversation_list.setCurrentRow(0)  # at start: open the latest chat
        else:
            self._open_conversation(None)  # no chats yet, or the open one was deleted

    def _conversation_selected(self, item: QListWidgetItem | None, _previous=None) -> None:
        chosen = item.data(CONVERSATION_ROLE) if item else None
        if chosen != self.conversation_id or chosen is None:
            self._open_conversation(chosen)

    def _open_conversation(self, conversation_id: int | None) -> None:
        if self.answers.busy and self.chat.answering:
            return  # finish (or stop) the running answer first
        self.conversation_id = conversation_id
        if conversation_id is None:
            hint = (
                tr("Ask a question about your documents. Answers cite the passages they come from.")
                if self.engine.store.chunk_count()
                else tr("Your library is empty: add a folder of documents on the Library tab (or drop one there), then ask.")
            )
            self.chat.clear(tr("New chat"), hint)
            self.chat.set_collections(self.library.collections, [])
            self.session = None
            return
        info = self.engine.conversations.get(conversation_id)
        turns = self.engine.conversations.turns(conversation_id)
        self.chat.clear(info.title)
        self.chat.set_collections(self.library.collections, list(info.collections))
        for turn in turns:
            self.chat.show_saved(turn.question, turn.result)
        self.session = None  # built (and restored) when the next question is asked

    def new_conversation(self) -> None:
        self.conversation_list.clearSelection()
        self.conversation_list.setCurrentItem(None)
        self._open_conversation(None)

    def rename_conversation(self) -> None:
        if self.conversation_id is None:
            return
        info = self.engine.conversations.get(self.conversation_id)
        title, ok = QInputDialog.getText(self, tr("Rename chat"), tr("Name:"), text=info.title)
        if ok and title.strip():
            self.engine.conversations.rename(self.conversation_id, title)
            self.refresh_conversations()
            self.chat.title_label.setText(title.strip())

    def delete_conversation(self) -> None:
        if self.conversation_id is None:
            return
        answer = QMessageBox.question(self, tr("Delete chat"), tr("Delete this chat and its answers?"))
        if answer == QMessageBox.StandardButton.Yes:
            self.engine.conversations.delete(self.conversation_id)
            self.conversation_id = None
            self.refresh_conversations()

    def export_conversation(self, path: str | None = None) -> str | None:
        if self.conversation_id is None:
            return None
        info = self.engine.conversations.get(self.conversation_id)
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, tr("Export chat"), f"{info.title}.md", "Markdown (*.md)")
            if not path:
                return None
        text = conversation_markdown(info, self.engine.conversations.turns(self.conversation_id), self.redact if self.engine.settings.redact_personal_data else None)
        Path(path).write_text(text, encoding="utf-8")
        self.statusBar().showMessage(tr("Exported to {path}").format(path=path), 8000)
        return path

    def _scope_changed(self, collections: list[str]) -> None:
        if self.conversation_id is not None:
            self.engine.conversations.set_collections(self.conversation_id, collections)
        self.session = None  # the next question searches the new scope

    # -- answering -------------------------------------------------------------------------------
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

    # -- sources ---------------------------------------------------------------------------------
    def show_source(self, source: dict) -> None:
        self.viewer_dock.show()
        self.viewer.show_source(
            source["path"], source.get("page"), self.redact(source.get("text", "")),
            source.get("char_start", 0), source.get("char_end", 0), source.get("terms", ()),
        )

    # -- dialogs ---------------------------------------------------------------------------------
    def show_models(self) -> None:
        dialog = ModelManager(self.engine, self)
        dialog.model_chosen.connect(self._model_chosen)
        dialog.exec()

    def show_settings(self) -> None:
        dialog = SettingsDialog(self.engine, self)
        dialog.settings_changed.connect(self._settings_changed)
        dialog.delete_all_requested.connect(self.delete_all_data)
        dialog.exec()

    def _settings_changed(self, settings: Settings, needs_reindex: bool, needs_reembed: bool) -> None:
        old = self.engine.settings
        self.engine.settings = settings
        if old.redact_personal_data != settings.redact_personal_data:
            setup_logging(self.engine.paths.logs_dir, redact=settings.redact_personal_data)
        model_keys = ("llm_model", "llm_context_tokens", "llm_gpu_layers", "llm_threads")
        if any(getattr(old, k) != getattr(settings, k) for k in model_keys):
            self.answers.model = None
            self.answers.load_model()
        self.session = None
        if needs_reindex:
            for folder in self.engine.store.folders():
                self.indexing.enqueue(folder.path, folder.collection)
        if needs_reembed:
            QMessageBox.information(
                self, tr("Embedding model changed"),
                tr("The new embedding model applies after a restart; the library is then re-embedded."),
            )
        if old.ui_language != settings.ui_language:
            QMessageBox.information(self, tr("Language"), tr("The new language applies after a restart."))

    def delete_all_data(self) -> None:
        """Delete all the app's data in the data folder, then close (nothing of it stays in memory)."""
        self.indexing.shutdown(10)
        self.answers.cancel()
        self.answers.wait_idle(30)
        self.engine.close()
        close_logging()  # the log file is deleted too (and Windows cannot delete an open file)
        try:
            self.engine.paths.delete_all()
        except OSError as exc:
            log.warning("deleting the data folder failed: %s", exc)
            QMessageBox.warning(self, tr("Deleted"), tr("Error: ") + str(exc))
        QMessageBox.information(self, tr("Deleted"), tr("All local data was deleted. desktop-rag will now close."))
        self._closing_done = True
        QTimer.singleShot(0, QApplication.quit)

    # -- shutdown --------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        if not getattr(self, "_closing_done", False):
            self.answers.cancel()
            self.indexing.shutdown(30)
            self.answers.wait_idle(30)
            self.engine.close()
            self._closing_done = True
        super().closeEvent(event)



def open_engine_or_repair(paths, settings: Settings) -> RagEngine | None:
    """The engine; a damaged library gets a plain explanation and a Repair button instead of a crash."""
    while True:
        try:
            return RagEngine(paths, settings)
        except LibraryError as exc:
            box = QMessageBox(QMessageBox.Icon.Warning, tr("The library needs repair"), str(exc))
            box.setInformativeText(
                tr("Repair moves the damaged database aside (nothing is deleted) and rebuilds the library from your folders. Your documents are not touched.")
            )
            repair = box.addButton(tr("Repair"), QMessageBox.ButtonRole.AcceptRole)
            box.addButton(tr("Quit"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            if box.clickedButton() is not repair:
                return None
            if not _repair_with_progress(paths, settings):
                return None


def _repair_with_progress(paths, settings: Settings) -> bool:
    """Run the repair off the UI thread while a progress dialog shows what it does."""
    from PySide6.QtWidgets import QProgressDialog

    from ..core.repair import repair_library

    dialog = QProgressDialog(tr("Repairing the library…"), "", 0, 0)
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.show()
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["report"] = repair_library(paths, settings)
        except Exception as exc:  # noqa: BLE001 - shown to the user below; the log has the details
            log.exception("repair failed")
            outcome["error"] = str(exc)

    worker = threading.Thread(target=work, name="desktop-rag-repair", daemon=True)
    worker.start()
    while worker.is_alive():
        QApplication.processEvents()
        worker.join(0.05)
    dialog.close()
    if "error" in outcome:
        QMessageBox.critical(None, tr("Repair failed"), outcome["error"])
        return False
    report = outcome["report"]
    if report.repaired and not report.folders_readable:
        QMessageBox.information(None, tr("Repair"), tr("The folder list could not be read: add your folders again on the Library tab."))
    return True


def run_app(data_dir: str | None = None) -> int:
    """Start the window (the `desktop-rag` command without a subcommand)."""
    paths = resolve_paths(data_dir).ensure()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("desktop-rag")
    settings = Settings.load(paths.settings_file)
    set_language(settings.ui_language)
    setup_logging(paths.logs_dir, redact=settings.redact_personal_data)
    engine = open_engine_or_repair(paths, settings)
    if engine is None:
        return 1
    window = MainWindow(engine)
    window.show()
    if os.environ.get(EXIT_AFTER_SHOW_ENV) == "1":  # smoke test of the packaged app (tests/test_packaged_app.py)
        QTimer.singleShot(1000, lambda: _exit_after_show(app, window))
    return app.exec()


#: Set to 1, the window quits (exit code 0) one second after it is shown: a start-up check.
EXIT_AFTER_SHOW_ENV = "DESKTOP_RAG_EXIT_AFTER_SHOW"


def _exit_after_show(app: QApplication, window: MainWindow) -> None:
    log.info("main window shown (visible=%s); quitting as %s asks", window.isVisible(), EXIT_AFTER_SHOW_ENV)
    window.close()
    app.quit()
