"""The settings dialog: answering, documents, privacy and language, and the data folder.

It edits a copy of the settings. OK checks them with ``Settings.validate()`` (the problem is
shown in the dialog, which stays open), saves them to the settings file and emits
``settings_changed(settings, needs_reindex, needs_reembed)``; applying them (a new embedder,
re-indexing, the UI language) is the main window's work, as is deleting the data folder
after ``delete_all_requested``.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.config import ENGLISH_MINILM, MULTILINGUAL_E5, Settings
from ..core.engine import GGUFError, discover_models, read_gguf_info, resolve_model
from ..core.errors import UserError
from ..core.paths import DATA_DIR_ENV, AppPaths
from .i18n import tr
from .models_dialog import ModelRow, ModelScanner, same_file

_WARNING_STYLE = "color: #8a5a00;"
_PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # the model file of a language-model item (its data may be a name)
_ERROR_STYLE = "color: #b00020;"


class GpuLayersSpinBox(QSpinBox):
    """-1 shows as "Auto" (every layer on the GPU when there is one), 0 as "CPU only", else a count."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setRange(-1, 999)
        self.setSpecialValueText(tr("Auto"))

    def _names(self) -> dict[int, tuple[str, ...]]:
        return {-1: (tr("Auto"), "auto"), 0: (tr("CPU only"), "cpu only", "cpu")}

    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt override
        names = self._names().get(value)
        return names[0] if names else str(value)

    def valueFromText(self, text: str) -> int:  # noqa: N802 - Qt override
        wanted = text.strip().lower()
        for value, names in self._names().items():
            if wanted in (n.lower() for n in names):
                return value
        try:
            return int(wanted)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        wanted = text.strip().lower()
        names = [n.lower() for group in self._names().values() for n in group]
        if wanted in names:
            return QValidator.State.Acceptable, text, pos
        if wanted in ("", "-") or any(n.startswith(wanted) for n in names):
            return QValidator.State.Intermediate, text, pos
        try:
            number = int(wanted)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        if self.minimum() <= number <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Invalid, text, pos


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


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


class SettingsDialog(QDialog):
    """Edit the settings; build it from a RagEngine, or from Settings + AppPaths."""

    #: (the saved Settings, needs_reindex: chunking changed, needs_reembed: embedding model changed)
    settings_changed = Signal(object, bool, bool)
    #: the user confirmed "Delete all local data"; the main window deletes it
    delete_all_requested = Signal()
    #: the background model search filled the model list
    models_loaded = Signal()

    def __init__(self, source, parent: QWidget | None = None, *, paths: AppPaths | None = None):
        if isinstance(parent, AppPaths):  # SettingsDialog(settings, paths)
            parent, paths = None, parent
        super().__init__(parent)
        if isinstance(source, Settings):
            if paths is None:
                raise TypeError("paths are needed with a Settings object")
            settings = source
            list_models = None
        else:  # a RagEngine
            settings, paths = source.settings, source.paths
            list_models = source.models
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
        layout.addWidget(self._privacy_group())
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

    # -- building --------------------------------------------------------------------------------
    def _answers_group(self) -> QGroupBox:
        group = QGroupBox(tr("Answers"))
        form = QFormLayout(group)
        self.model_combo = QComboBox()
        self.model_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model_combo.setMinimumContentsLength(28)
        self.browse_model_button = QPushButton(tr("Browse…"))
        self.browse_model_button.clicked.connect(self.browse_model)
        row = QHBoxLayout()
        row.addWidget(self.model_combo, 1)
        row.addWidget(self.browse_model_button)
        form.addRow(tr("Language model:"), row)

        self.gpu_layers_spin = GpuLayersSpinBox()
        self.gpu_layers_spin.setToolTip(
            tr(
                "How many layers of the model run on the graphics card. Auto puts all of them there when "
                "one can be used; CPU only uses the processor alone."
            )
        )
        form.addRow(tr("GPU layers:"), self.gpu_layers_spin)

        self.context_spin = QSpinBox()
        self.context_spin.setRange(512, 1_048_576)
        self.context_spin.setSingleStep(1024)
        self.context_spin.setSuffix(tr(" tokens"))
        self.context_spin.setGroupSeparatorShown(True)
        self.context_spin.setToolTip(
            tr(
                "How much text the model reads at once: the question, the passages and the answer. Larger "
                "needs more memory; it is capped by what the model was trained for."
            )
        )
        form.addRow(tr("Context size:"), self.context_spin)

        self.temperature_spin = QDoubleSpinBox()
        self.temperature_spin.setRange(0.0, 2.0)
        self.temperature_spin.setSingleStep(0.1)
        self.temperature_spin.setDecimals(2)
        self.temperature_spin.setToolTip(
            tr("0 gives the same, most likely answer every time; higher values give more varied wording.")
        )
        form.addRow(tr("Temperature:"), self.temperature_spin)

        self.sources_spin = QSpinBox()
        self.sources_spin.setRange(1, 50)
        self.sources_spin.setToolTip(tr("How many passages from your documents the model reads for each question."))
        form.addRow(tr("Passages per question:"), self.sources_spin)
        return group

    def _documents_group(self) -> QGroupBox:
        group = QGroupBox(tr("Documents"))
        form = QFormLayout(group)
        self.chunk_spin = QSpinBox()
        self.chunk_spin.setRange(16, 8192)
        self.chunk_spin.setSingleStep(32)
        self.chunk_spin.setSuffix(tr(" tokens"))
        self.chunk_spin.setToolTip(
            tr(
                "Documents are cut into passages of about this many tokens (words or parts of words). "
                "Smaller passages point to sources more precisely; larger ones keep more context together."
            )
        )
        form.addRow(tr("Chunk size:"), self.chunk_spin)
        self.overlap_spin = QSpinBox()
        self.overlap_spin.setRange(0, 4096)
        self.overlap_spin.setSingleStep(8)
        self.overlap_spin.setSuffix(tr(" tokens"))
        self.overlap_spin.setToolTip(
            tr("Text repeated at the start of the next passage, so no sentence is cut off from its context.")
        )
        form.addRow(tr("Overlap:"), self.overlap_spin)
        self.chunk_warning = _hint(tr("Changing chunk size re-indexes every folder."))
        self.chunk_warning.setStyleSheet(_WARNING_STYLE)
        form.addRow(self.chunk_warning)

        self.embedding_combo = QComboBox()
        self.embedding_combo.addItem(tr("Built-in multilingual (Korean, English and more)"), MULTILINGUAL_E5)
        self.embedding_combo.addItem(tr("Built-in English"), ENGLISH_MINILM)
        self.embedding_combo.setItemData(0, "multilingual-e5-small", Qt.ItemDataRole.ToolTipRole)
        self.embedding_combo.setItemData(1, "all-MiniLM-L6-v2", Qt.ItemDataRole.ToolTipRole)
        self.embedding_folder_button = QPushButton(tr("Choose folder…"))
        self.embedding_folder_button.setToolTip(tr("A sentence-transformers model folder on this computer."))
        self.embedding_folder_button.clicked.connect(self.choose_embedding_folder)
        row = QHBoxLayout()
        row.addWidget(self.embedding_combo, 1)
        row.addWidget(self.embedding_folder_button)
        form.addRow(tr("Embedding model:"), row)
        self.embedding_warning = _hint(
            tr(
                "Another embedding model means every passage must be embedded again (re-embed). "
                "This can take a while; until then search uses keywords only."
            )
        )
        self.embedding_warning.setStyleSheet(_WARNING_STYLE)
        form.addRow(self.embedding_warning)
        return group

    def _privacy_group(self) -> QGroupBox:
        group = QGroupBox(tr("Privacy and language"))
        form = QFormLayout(group)
        self.redact_check = QCheckBox(tr("Hide personal data"))
        explanation = tr(
            "E-mail addresses, phone numbers, resident registration and card numbers are masked in answers, "
            "shown passages, exports and logs."
        )
        self.redact_check.setToolTip(explanation)
        form.addRow(self.redact_check)
        form.addRow(_hint(explanation))
        self.language_combo = QComboBox()
        self.language_combo.addItem(tr("System"), "auto")
        self.language_combo.addItem("English", "en")
        self.language_combo.addItem("한국어", "ko")
        form.addRow(tr("Interface language:"), self.language_combo)
        return group

    def _data_group(self) -> QGroupBox:
        group = QGroupBox(tr("Data"))
        form = QFormLayout(group)
        self.data_dir_edit = QLineEdit(str(self.paths.root))
        self.data_dir_edit.setReadOnly(True)
        tip = tr(
            "Where the index, settings and logs are kept. To use another folder, start desktop-rag with "
            "--data-dir FOLDER or set the {variable} environment variable."
        ).format(variable=DATA_DIR_ENV)
        self.data_dir_edit.setToolTip(tip)
        self.open_data_dir_button = QPushButton(tr("Open"))
        self.open_data_dir_button.setToolTip(tip)
        self.open_data_dir_button.clicked.connect(self.open_data_folder)
        row = QHBoxLayout()
        row.addWidget(self.data_dir_edit, 1)
        row.addWidget(self.open_data_dir_button)
        form.addRow(tr("Data folder:"), row)
        self.delete_all_button = QPushButton(tr("Delete all local data…"))
        self.delete_all_button.clicked.connect(self.request_delete_all)
        delete_row = QHBoxLayout()
        delete_row.addWidget(self.delete_all_button)
        delete_row.addStretch(1)
        form.addRow(delete_row)
        return group

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
        self.chunk_spin.setValue(s.chunk_tokens)
        self.overlap_spin.setValue(s.chunk_overlap_tokens)
        index = self.embedding_combo.findData(s.embedding_model)
        if index < 0:
            self._add_embedding_folder(s.embedding_model)
        else:
            self.embedding_combo.setCurrentIndex(index)
        self.redact_check.setChecked(s.redact_personal_data)
        self.language_combo.setCurrentIndex(max(self.language_combo.findData(s.ui_language), 0))

    def current_settings(self) -> Settings:
        """The settings as the dialog shows them (not validated)."""
        s = copy.deepcopy(self.original)
        s.llm_model = self.model_combo.currentData() or ""
        s.llm_gpu_layers = self.gpu_layers_spin.value()
        s.llm_context_tokens = self.context_spin.value()
        s.temperature = round(self.temperature_spin.value(), 2)
        s.answer_sources = self.sources_spin.value()
        s.chunk_tokens = self.chunk_spin.value()
        s.chunk_overlap_tokens = self.overlap_spin.value()
        s.embedding_model = self.embedding_combo.currentData()
        s.redact_personal_data = self.redact_check.isChecked()
        s.ui_language = self.language_combo.currentData()
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

    # -- language model ------------------------------------------------------------------------
    def _models_found(self, rows: list[ModelRow]) -> None:
        """Fill the model list from the background search, keeping what is selected."""
        chosen = self.model_combo.currentData() or ""
        entries = [row.entry for row in rows]
        self.model_combo.blockSignals(True)
        self.model_combo.clear()
        first = entries[0].name if entries else None
        self.model_combo.addItem(
            tr("Automatic ({name})").format(name=first) if first else tr("Automatic (the first model found)"), ""
        )
        for row in rows:
            entry = row.entry
            label = " · ".join(x for x in (entry.name, entry.parameters, entry.quantization) if x)
            self._add_model_item(label, str(entry.path), row.description or str(entry.path))
        for label, path, tip in self._browsed_models:
            if self._model_index(path) < 0:
                self._add_model_item(label, path, tip)
        index = 0
        if chosen:
            index = self.model_combo.findData(chosen)
            if index < 0:
                try:
                    match = resolve_model(chosen, entries)
                except UserError:
                    match = None
                index = self._model_index(match) if match is not None else -1
                if index >= 0:
                    # Keep the setting as it was written (a name or a path) unless the user changes it.
                    self.model_combo.setItemData(index, chosen)
                else:
                    self.model_combo.addItem(tr("{model} (not found)").format(model=chosen), chosen)
                    index = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(index)
        self.model_combo.blockSignals(False)
        self.models_ready = True
        self.models_loaded.emit()

    def _add_model_item(self, label: str, path: str, tip: str) -> int:
        self.model_combo.addItem(label, path)
        index = self.model_combo.count() - 1
        self.model_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        self.model_combo.setItemData(index, path, _PATH_ROLE)
        return index

    def _model_index(self, path: str | Path) -> int:
        """The item for this model file, or -1."""
        for i in range(1, self.model_combo.count()):
            known = self.model_combo.itemData(i, _PATH_ROLE)
            if known and same_file(known, path):
                return i
        return -1

    def browse_model(self) -> None:
        """Pick a .gguf file anywhere; it is checked before it is offered."""
        start = str(self.paths.models_dir if self.paths.models_dir.is_dir() else Path.home())
        name, _ = QFileDialog.getOpenFileName(
            self, tr("Choose a language model"), start, tr("GGUF models (*.gguf);;All files (*)")
        )
        if name:
            self.use_model_file(name)

    def use_model_file(self, name: str) -> bool:
        try:
            info = read_gguf_info(name)
        except GGUFError as exc:
            self.show_error(tr("This file cannot be used: {error}").format(error=exc))
            return False
        path = str(Path(name).expanduser().absolute())
        index = self._model_index(path)
        if index < 0:
            label = " · ".join(x for x in (Path(path).stem, info.size_label, info.quantization) if x)
            self._browsed_models.append((label, path, info.describe()))
            index = self._add_model_item(label, path, info.describe())
        self.model_combo.setCurrentIndex(index)
        self.show_error("")
        return True

    # -- embedding model -----------------------------------------------------------------------
    def _add_embedding_folder(self, folder: str) -> None:
        index = self.embedding_combo.findData(folder)
        if index < 0:
            self.embedding_combo.addItem(tr("Folder: {folder}").format(folder=Path(folder).name or folder), folder)
            index = self.embedding_combo.count() - 1
            self.embedding_combo.setItemData(index, folder, Qt.ItemDataRole.ToolTipRole)
        self.embedding_combo.setCurrentIndex(index)

    def choose_embedding_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, tr("Choose an embedding model folder"), str(Path.home()))
        if name:
            self.use_embedding_folder(name)

    def use_embedding_folder(self, name: str) -> bool:
        folder = Path(name).expanduser()
        if not any((folder / marker).is_file() for marker in ("config.json", "modules.json")):
            self.show_error(
                tr("{folder} does not look like a sentence-transformers model (it has no config.json).").format(
                    folder=folder
                )
            )
            return False
        self._add_embedding_folder(str(folder.resolve()))
        self.show_error("")
        return True

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
