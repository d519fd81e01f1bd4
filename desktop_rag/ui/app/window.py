"""The main window: its layout and menus, the wiring of panels and workers, the source viewer, the
models and settings dialogs, deleting all data, and shutting down. The library, chats and answering
methods live in the mixins next to this module.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.config import Settings
from ...core.engine import ChatSession, RagEngine
from ...core.logs import close_logging, setup_logging
from ...core.privacy import redact as redact_personal_data
from ...core.types import Progress
from ..about import AboutDialog
from ..chat_panel import ChatPanel
from ..i18n import place_of, tr
from ..library_panel import LibraryPanel, ProgressStrip
from ..models_dialog import FirstRunPanel, ModelManager
from ..settings_dialog import SettingsDialog
from ..theme import apply_theme
from ..viewer import SourceViewer
from ..workers import AnswerService, IndexingService
from .answering import AnsweringActions
from .conversations import ConversationActions
from .library_actions import LibraryActions

log = logging.getLogger(__name__)


class MainWindow(LibraryActions, ConversationActions, AnsweringActions, QMainWindow):
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
        if engine.upgrade_pending:
            # An update brought a new build of the embedding model: the first of these runs
            # re-embeds the library once (with progress); the others find their files unchanged.
            for folder in engine.store.folders():
                self.indexing.enqueue(folder.path, folder.collection)
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
        self.conversation_list.setObjectName("conversations")
        self.conversation_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conversation_list.setTextElideMode(Qt.TextElideMode.ElideRight)
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
        self.answers.document_progress.connect(self._on_document_progress)
        self.chat.document_requested.connect(self.ask_document)
        self.viewer.summarise_requested.connect(self.ask_document)
        self.library.summarise_requested.connect(self.ask_document)
        self.first_run.model_chosen.connect(self._model_chosen)
        self.chat.add_folder_requested.connect(self.library.choose_folder)
        self.chat.models_requested.connect(self.show_models)
        self.viewer.close_requested.connect(self.viewer_dock.hide)

        self.new_button.clicked.connect(self.new_conversation)
        self.rename_button.clicked.connect(self.rename_conversation)
        self.delete_button.clicked.connect(self.delete_conversation)
        self.export_button.clicked.connect(self.export_conversation)

    def redact(self, text: str) -> str:
        """The personal-data filter, when the setting is on."""
        return redact_personal_data(text) if self.engine.settings.redact_personal_data else text

    # -- sources ---------------------------------------------------------------------------------
    def show_source(self, source: dict) -> None:
        self.viewer_dock.show()
        self.viewer.show_source(
            source["path"], source.get("page"), self.redact(source.get("text", "")),
            source.get("char_start", 0), source.get("char_end", 0), source.get("terms", ()),
            place=place_of(source), ocr=self.engine.recognised_page(source["path"], source.get("page")),
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
            setup_logging(
                self.engine.paths.logs_dir, redact=settings.redact_personal_data, private=self.engine.key is not None
            )
        model_keys = ("llm_model", "llm_context_tokens", "llm_gpu_layers", "llm_threads")
        if any(getattr(old, k) != getattr(settings, k) for k in model_keys):
            self.answers.model = None
            self.answers.load_model()
        self.session = None
        # Scans that were not read (OCR off, or another language) are read by the next run; the rest is skipped.
        if needs_reindex or (old.ocr_enabled, old.ocr_languages) != (settings.ocr_enabled, settings.ocr_languages):
            for folder in self.engine.store.folders():
                self.indexing.enqueue(folder.path, folder.collection)
        if needs_reembed:
            QMessageBox.information(
                self, tr("Embedding model changed"),
                tr("The new embedding model applies after a restart; the library is then re-embedded."),
            )
        if old.ui_theme != settings.ui_theme:
            apply_theme(QApplication.instance(), settings.ui_theme)
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
