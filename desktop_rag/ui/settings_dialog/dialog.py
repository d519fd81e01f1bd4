"""The settings dialog itself: it edits a copy of the settings, checks them on OK (the problem shown
in the dialog, which stays open), saves them and reports what changed; also the data folder's
Open and "Delete all local data" (confirmed here, done by the main window).
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QVBoxLayout, QWidget

from ...core.config import Settings
from ...core.engine import discover_models
from ...core.errors import UserError
from ...core.paths import AppPaths
from ..i18n import tr
from ..models_dialog.discovery import ModelScanner
from ..security import SecurityGroup
from .groups import SettingsGroups
from .model_choice import ModelChoice
from .ocr_group import OcrGroup
from .widgets import _ERROR_STYLE


def _friendly_error(exc: UserError, settings: Settings) -> str:
    """Settings.validate() names fields; say the same in the words of the dialog."""
    raw = str(exc)
    if raw.startswith("chunk_tokens"):
        return tr("The chunk size must be at least 16 tokens.")
    if raw.startswith("chunk_overlap_tokens"):
        return tr("The overlap must be less than half the chunk size (at most {limit} tokens).").format(
            limit=max(settings.chunk_tokens // 2 - 1, 0)
        )
    if raw.startswith("llm_context_tokens"):
        return tr("The context size must be at least 512 tokens.")
    if raw.startswith("max_answer_tokens"):
        return tr("The context size must be at least twice the answer length ({tokens} tokens).").format(
            tokens=settings.max_answer_tokens
        )
    if raw.startswith("temperature"):
        return tr("The temperature must be between 0 and 2.")
    return raw


class SettingsDialog(SettingsGroups, ModelChoice, OcrGroup, QDialog):
    """Edit the settings; build it from a RagEngine, or from Settings + AppPaths."""

    #: (the saved Settings, needs_reindex: chunking changed, needs_reembed: embedding model changed)
    settings_changed = Signal(object, bool, bool)
    #: the user confirmed "Delete all local data"; the main window deletes it
    delete_all_requested = Signal()
    #: the background model search filled the model list
    models_loaded = Signal()
    #: an OCR model file was imported (its language; "" when it could not be used)
    ocr_model_imported = Signal(str)

    def __init__(self, source, parent: QWidget | None = None, *, paths: AppPaths | None = None):
        if isinstance(parent, AppPaths):  # SettingsDialog(settings, paths)
            parent, paths = None, parent
        super().__init__(parent)
        self.security_group: SecurityGroup | None = None
        if isinstance(source, Settings):
            if paths is None:
                raise TypeError("paths are needed with a Settings object")
            settings = source
            list_models = None
        else:  # a RagEngine
            settings, paths = source.settings, source.paths
            list_models = source.models
            self.security_group = SecurityGroup(source)
        assert paths is not None
        self.paths = paths
        self.original = copy.deepcopy(settings)
        self.saved_settings: Settings | None = None
        self.last_error: str | None = None
        self.models_ready = False
        self._browsed_models: list[tuple[str, str, str]] = []  # (label, path, tooltip) picked with Browse…
        folders = [Path(f) for f in settings.model_folders]
        self._list_models = list_models or (lambda: discover_models(paths.models_dir, folders))
        self.setWindowTitle(tr("Settings"))

        layout = QVBoxLayout(self)
        layout.addWidget(self._answers_group())
        layout.addWidget(self._documents_group())
        layout.addWidget(self._ocr_group())
        layout.addWidget(self._privacy_group())
        if self.security_group is not None:  # acts at once (on the engine), not on OK
            layout.addWidget(self.security_group)
        layout.addWidget(self._data_group())
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(_ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(tr("OK"))
        self.cancel_button = self.button_box.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setText(tr("Cancel"))
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        layout.addWidget(self.button_box)

        self._load(self.original)
        for spin in (self.chunk_spin, self.overlap_spin):
            spin.valueChanged.connect(self._update_warnings)
        self.embedding_combo.currentIndexChanged.connect(self._update_warnings)
        self._update_warnings()

        self.scanner = ModelScanner(self._list_models, self)
        self.scanner.finished.connect(self._models_found)
        self.scanner.failed.connect(lambda _message: self._models_found([]))
        self.scanner.start()

    # -- values ------------------------------------------------------------------------------------
    def _load(self, s: Settings) -> None:
        self.model_combo.clear()
        self.model_combo.addItem(tr("Automatic (the first model found)"), "")
        if s.llm_model:
            self.model_combo.addItem(Path(s.llm_model).name, s.llm_model)
            self.model_combo.setItemData(1, s.llm_model, Qt.ItemDataRole.ToolTipRole)
            self.model_combo.setCurrentIndex(1)
        self.gpu_layers_spin.setValue(s.llm_gpu_layers)
        self.context_spin.setValue(s.llm_context_tokens)
        self.temperature_spin.setValue(s.temperature)
        self.sources_spin.setValue(s.answer_sources)
        self.check_support_check.setChecked(s.check_support)
        self.chunk_spin.setValue(s.chunk_tokens)
        self.overlap_spin.setValue(s.chunk_overlap_tokens)
        index = self.embedding_combo.findData(s.embedding_model)
        if index < 0:
            self._add_embedding_folder(s.embedding_model)
        else:
            self.embedding_combo.setCurrentIndex(index)
        self.redact_check.setChecked(s.redact_personal_data)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(s.ui_language), 0))
        self.theme_combo.setCurrentIndex(max(self.theme_combo.findData(s.ui_theme), 0))
        self._load_ocr(s)

    def current_settings(self) -> Settings:
        """The settings as the dialog shows them (not validated)."""
        s = copy.deepcopy(self.original)
        s.llm_model = self.model_combo.currentData() or ""
        s.llm_gpu_layers = self.gpu_layers_spin.value()
        s.llm_context_tokens = self.context_spin.value()
        s.temperature = round(self.temperature_spin.value(), 2)
        s.answer_sources = self.sources_spin.value()
        s.check_support = self.check_support_check.isChecked()
        s.chunk_tokens = self.chunk_spin.value()
        s.chunk_overlap_tokens = self.overlap_spin.value()
        s.embedding_model = self.embedding_combo.currentData()
        s.redact_personal_data = self.redact_check.isChecked()
        s.ui_language = self.language_combo.currentData()
        s.ui_theme = self.theme_combo.currentData()
        self._store_ocr(s)
        return s

    def needs_reindex(self, s: Settings | None = None) -> bool:
        s = s or self.current_settings()
        return (s.chunk_tokens, s.chunk_overlap_tokens) != (
            self.original.chunk_tokens,
            self.original.chunk_overlap_tokens,
        )

    def needs_reembed(self, s: Settings | None = None) -> bool:
        s = s or self.current_settings()
        return s.embedding_model != self.original.embedding_model

    def _update_warnings(self) -> None:
        self.chunk_warning.setVisible(self.needs_reindex())
        self.embedding_warning.setVisible(self.needs_reembed())

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    # -- data folder -----------------------------------------------------------------------------
    def open_data_folder(self) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.root))):
            self.show_error(tr("The folder could not be opened: {folder}").format(folder=self.paths.root))

    def delete_confirmation(self) -> QMessageBox:
        """The question asked before everything is deleted (No is the default)."""
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(tr("Delete all local data?"))
        box.setText(tr("Delete everything desktop-rag keeps in this folder?\n\n{folder}").format(folder=self.paths.root))
        box.setInformativeText(
            tr(
                "The index of your documents, the chats, the settings, the logs and any models in its "
                "models folder are deleted. Your documents themselves are not touched. This cannot be undone."
            )
        )
        self.delete_yes_button = box.addButton(tr("Delete everything"), QMessageBox.ButtonRole.DestructiveRole)
        self.delete_no_button = box.addButton(tr("Cancel"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.delete_no_button)
        box.setEscapeButton(self.delete_no_button)
        return box

    def request_delete_all(self) -> bool:
        """Ask, and on Yes emit ``delete_all_requested`` and close without saving."""
        box = self.delete_confirmation()
        box.exec()
        confirmed = box.clickedButton() is self.delete_yes_button
        box.deleteLater()
        if confirmed:
            self.delete_all_requested.emit()
            self.reject()
        return confirmed

    # -- OK ----------------------------------------------------------------------------------------
    def accept(self) -> None:
        """Validate and save; on a problem show it and stay open."""
        s = self.current_settings()
        try:
            s.validate()
        except UserError as exc:
            self.last_error = str(exc)
            self.show_error(_friendly_error(exc, s))
            self.error_label.setToolTip(str(exc))
            return
        try:
            self.paths.root.mkdir(parents=True, exist_ok=True)
            s.save(self.paths.settings_file)
        except OSError as exc:
            self.last_error = str(exc)
            self.show_error(tr("The settings could not be saved: {error}").format(error=exc))
            return
        self.last_error = None
        self.saved_settings = s
        self.settings_changed.emit(s, self.needs_reindex(s), self.needs_reembed(s))
        super().accept()
