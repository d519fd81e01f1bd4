"""What the user can do to the set of models, shared by the models dialog and the first-run panel:
import a file, add a folder, open the models folder, choose the model answers use.

Importing never copies a model (they are gigabytes): the file's folder is added to the folders
searched for models (``Settings.model_folders``) and the settings are saved.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from ...core.config import Settings
from ...core.engine import GGUFError, GGUFInfo, discover_models, read_gguf_info
from ...core.paths import AppPaths
from ..i18n import tr
from .discovery import ModelLister, same_file


class ModelLibrary:
    """The model actions both the manager and the first-run panel offer, on one Settings object.

    Changes are made on ``settings`` itself (pass the engine's to take effect at once) and saved.
    """

    def __init__(self, settings: Settings, paths: AppPaths, list_models: ModelLister | None = None):
        self.settings = settings
        self.paths = paths
        self.list_models: ModelLister = list_models or (
            lambda: discover_models(paths.models_dir, [Path(f) for f in settings.model_folders])
        )

    def save(self) -> None:
        self.paths.root.mkdir(parents=True, exist_ok=True)
        self.settings.save(self.paths.settings_file)

    def check_model_file(self, path: str | os.PathLike) -> GGUFInfo:
        """The header of a model the user picked; raises GGUFError with a plain sentence."""
        return read_gguf_info(path)

    def searched_folders(self) -> list[Path]:
        return [self.paths.models_dir, *(Path(f).expanduser() for f in self.settings.model_folders)]

    def is_searched(self, folder: Path) -> bool:
        return any(same_file(folder, known) for known in self.searched_folders())

    def add_folder(self, folder: str | os.PathLike) -> bool:
        """Search ``folder`` for models from now on; False when it already was."""
        folder = Path(folder).expanduser().resolve()
        if self.is_searched(folder):
            return False
        self.settings.model_folders = [*self.settings.model_folders, str(folder)]
        self.save()
        return True

    def use_model(self, path: str | os.PathLike) -> None:
        self.settings.llm_model = str(path)
        self.save()

    def open_models_folder(self) -> bool:
        folder = self.paths.models_dir
        folder.mkdir(parents=True, exist_ok=True)
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class _ModelActions:
    """Import / add-folder / open-folder flows with their dialogs and messages (shared by both widgets)."""

    library: ModelLibrary

    def _widget(self) -> QWidget:
        return self  # type: ignore[return-value]

    def _show_message(self, text: str, error: bool = False) -> None:
        raise NotImplementedError

    def _known_paths(self) -> list[Path]:
        return []

    def _imported(self, path: Path, changed: bool) -> None:
        """A good model file was imported; ``changed``: its folder was added to the folders searched."""
        raise NotImplementedError

    def _folder_added(self, folder: Path, changed: bool) -> None:
        """A folder of models was chosen; ``changed``: it was not searched before."""
        raise NotImplementedError

    def import_model(self) -> bool:
        """Ask for a .gguf file, check it, and make its folder searched; True when something changed."""
        start = str(self.library.paths.models_dir if self.library.paths.models_dir.is_dir() else Path.home())
        name, _ = QFileDialog.getOpenFileName(
            self._widget(), tr("Import a language model"), start, tr("GGUF models (*.gguf);;All files (*)")
        )
        if not name:
            return False
        return self.import_model_file(Path(name))

    def import_model_file(self, path: Path) -> bool:
        try:
            self.library.check_model_file(path)
        except GGUFError as exc:
            self._show_message(tr("This file cannot be used: {error}").format(error=exc), error=True)
            return False
        path = path.expanduser().absolute()
        if any(same_file(path, known) for known in self._known_paths()):
            self._show_message(tr("{name} is already in the list.").format(name=path.name))
            self._imported(path, changed=False)
            return False
        folder = path.parent
        if same_file(folder, self.library.paths.models_dir):
            self._show_message(tr("{name} is already in the models folder.").format(name=path.name))
            self._imported(path, changed=False)
            return False
        try:
            added = self.library.add_folder(folder)
        except OSError as exc:
            self._show_message(tr("The settings could not be saved: {error}").format(error=exc), error=True)
            return False
        if added:
            self._show_message(
                tr("Added the folder {folder}. The model stays where it is: nothing was copied.").format(
                    folder=folder
                )
            )
        else:
            self._show_message(tr("The folder {folder} is already searched for models.").format(folder=folder))
        self._imported(path, changed=added)
        return added

    def add_model_folder(self) -> bool:
        """Ask for a folder that holds .gguf files and search it from now on."""
        name = QFileDialog.getExistingDirectory(self._widget(), tr("Choose a folder of models"), str(Path.home()))
        if not name:
            return False
        try:
            added = self.library.add_folder(name)
        except OSError as exc:
            self._show_message(tr("The settings could not be saved: {error}").format(error=exc), error=True)
            return False
        if added:
            self._show_message(tr("Models in {folder} will be listed from now on.").format(folder=name))
        else:
            self._show_message(tr("The folder {folder} is already searched for models.").format(folder=name))
        self._folder_added(Path(name), changed=added)
        return added

    def open_models_folder(self) -> None:
        if not self.library.open_models_folder():
            self._show_message(
                tr("The folder could not be opened: {folder}").format(folder=self.library.paths.models_dir),
                error=True,
            )


def _message_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _set_message(label: QLabel, text: str, error: bool) -> None:
    label.setText(text)
    label.setStyleSheet("color: #b00020;" if error else "")
    label.setVisible(bool(text))


def _split_parent(parent, paths: AppPaths | None) -> tuple[QWidget | None, AppPaths | None]:
    """Accept ``(settings, paths)`` as well as ``(source, parent)`` positionally."""
    if isinstance(parent, AppPaths):
        return None, parent
    return parent, paths


def _library_from(source, paths: AppPaths | None, list_models: ModelLister | None) -> ModelLibrary:
    """A ModelLibrary, an engine (its live settings and ``models()``), or Settings + AppPaths."""
    if isinstance(source, ModelLibrary):
        return source
    if isinstance(source, Settings):
        if paths is None:
            raise TypeError("paths are needed with a Settings object")
        return ModelLibrary(source, paths, list_models)
    return ModelLibrary(source.settings, source.paths, list_models or source.models)
