"""The first-run screen: shown while no model is found, it says what a GGUF model is, where to get
one, and offers importing one, opening the models folder or using a folder of models.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core.paths import AppPaths
from ..i18n import tr
from .actions import _library_from, _message_label, _ModelActions, _set_message, _split_parent
from .discovery import ModelLister, first_model_in


class FirstRunPanel(QWidget, _ModelActions):
    """Shown when no model is found: what a GGUF model is, where to get one, how to add it."""

    models_changed = Signal()  # a folder was added to the folders searched: look for models again
    model_chosen = Signal(str)  # a model file to answer with (already saved in settings.llm_model)

    def __init__(
        self,
        source,
        parent: QWidget | None = None,
        *,
        paths: AppPaths | None = None,
        list_models: ModelLister | None = None,
    ):
        parent, paths = _split_parent(parent, paths)
        super().__init__(parent)
        self.library = library = _library_from(source, paths, list_models)
        # One readable column, centred: the panel may fill a whole main window.
        column = QWidget()
        column.setMaximumWidth(760)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(column, 100)
        outer.addStretch(1)
        layout = QVBoxLayout(column)
        self.title_label = QLabel(tr("No language model yet"))
        font = QFont(self.title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title_label.setFont(font)
        paragraphs = [
            tr(
                "To answer questions in its own words, desktop-rag needs a language model: a single file "
                "ending in .gguf that runs on this computer. Searching your documents works without one."
            ),
            tr(
                "Small models of 1 to 8 GB work well, for example Gemma, Llama, Qwen or Mistral in "
                "Q4_K_M quality. You can get one from LM Studio or Hugging Face, on another computer if "
                "you like, and bring the file over on a USB stick."
            ),
            tr(
                "desktop-rag never downloads anything itself. Put the file in the models folder, import it, "
                "or choose a folder that already holds models. Files are used where they are, not copied."
            ),
        ]
        self.body_label = QLabel("\n\n".join(paragraphs))
        self.body_label.setWordWrap(True)
        self.models_folder_label = QLabel(
            tr("Models folder: {folder}").format(folder=library.paths.models_dir)
        )
        self.models_folder_label.setWordWrap(True)
        self.models_folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton(tr("Import…"))
        self.open_folder_button = QPushButton(tr("Open models folder"))
        self.add_folder_button = QPushButton(tr("Use a folder of models…"))
        self.message_label = _message_label()
        buttons = QHBoxLayout()
        for button in (self.import_button, self.open_folder_button, self.add_folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addWidget(self.title_label)
        layout.addWidget(self.body_label)
        layout.addWidget(self.models_folder_label)
        layout.addLayout(buttons)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        self.import_button.clicked.connect(self.import_model)
        self.open_folder_button.clicked.connect(self.open_models_folder)
        self.add_folder_button.clicked.connect(self.add_model_folder)

    def _show_message(self, text: str, error: bool = False) -> None:
        _set_message(self.message_label, text, error)

    def _imported(self, path: Path, changed: bool) -> None:
        if changed:
            self.models_changed.emit()
        self._choose(path)

    def _folder_added(self, folder: Path, changed: bool) -> None:
        if changed:
            self.models_changed.emit()
        found = first_model_in(folder)
        if found is None:
            self._show_message(
                tr("No .gguf file was found in {folder}. Models copied there later are found too.").format(
                    folder=folder
                ),
                error=True,
            )
            return
        self._choose(found)

    def _choose(self, path: Path) -> None:
        """A first model: answers use it from now on (the user picked it, there is no other)."""
        try:
            self.library.use_model(path)
        except OSError as exc:
            self._show_message(tr("The settings could not be saved: {error}").format(error=exc), error=True)
            return
        self._show_message(tr("{name} now answers your questions.").format(name=path.name))
        self.model_chosen.emit(str(path))
