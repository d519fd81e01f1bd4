"""Choosing models in the settings dialog: the language-model list filled from the background model
search (keeping the setting as written, a name or a path), a .gguf file picked with Browse… (checked
first), and a sentence-transformers folder as the embedding model.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from ...core.engine import GGUFError, read_gguf_info, resolve_model
from ...core.errors import UserError
from ..i18n import tr
from ..models_dialog.discovery import ModelRow, same_file

_PATH_ROLE = Qt.ItemDataRole.UserRole + 1  # the model file of a language-model item (its data may be a name)



class ModelChoice:
    """SettingsDialog's model methods; they use its ``model_combo``, ``embedding_combo``, ``paths``
    and ``show_error`` (set up in ``SettingsDialog.__init__``)."""

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
