"""The language models on this computer: list, choose, import, and a first-run screen.

Finding models walks several folders and reads each file's header, so it runs on a worker
thread (``ModelScanner``); the dialog opens at once and fills its table when the scan ends.
Importing never copies a model (they are gigabytes): the file's folder is added to the
folders searched for models (``Settings.model_folders``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.config import Settings
from ..core.engine import (
    ADDED_FOLDER,
    DEVELOPMENT_PACKAGE,
    GPT4ALL,
    HF_CACHE,
    LM_STUDIO,
    MAX_SCAN_DEPTH,
    MODELS_FOLDER,
    OLLAMA,
    SPLIT_RE,
    GGUFError,
    GGUFInfo,
    ModelEntry,
    discover_models,
    format_size,
    read_gguf_info,
    resolve_model,
)
from ..core.errors import UserError
from ..core.paths import AppPaths
from .i18n import tr

ModelLister = Callable[[], Sequence[ModelEntry]]


@dataclass(frozen=True)
class ModelRow:
    """One discovered model plus what its header says (context length, one-line description)."""

    entry: ModelEntry
    context_length: int | None
    description: str | None
    error: str | None = None


def scan_models(list_models: ModelLister) -> list[ModelRow]:
    """Discover the models and read each header (worker thread: blocking file reads)."""
    rows = []
    for entry in list_models():
        try:
            info = read_gguf_info(entry.path, read_tensors=False)
        except GGUFError as exc:
            rows.append(ModelRow(entry, None, None, str(exc)))
        else:
            rows.append(ModelRow(entry, info.context_length, info.describe()))
    return rows


def source_label(source: str) -> str:
    """Where a model was found, in the UI language."""
    labels = {
        MODELS_FOLDER: tr("models folder"),
        DEVELOPMENT_PACKAGE: tr("built-in test model"),
        ADDED_FOLDER: tr("added folder"),
        LM_STUDIO: "LM Studio",
        GPT4ALL: "GPT4All",
        HF_CACHE: tr("Hugging Face cache"),
        OLLAMA: "Ollama",
    }
    return labels.get(source, source)


def default_model_path(settings: Settings, entries: Sequence[ModelEntry]) -> Path | None:
    """The model answers would use, as RagEngine.resolve_model_path picks it; None if not found."""
    spec = (settings.llm_model or "").strip()
    if not spec:
        return entries[0].path if entries else None
    try:
        return resolve_model(spec, entries)
    except UserError:
        return None


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def first_model_in(folder: str | os.PathLike, max_depth: int = MAX_SCAN_DEPTH) -> Path | None:
    """The first model file (by name) under ``folder``, as discovery would list it; None if there is none."""
    root = Path(folder).expanduser()
    for current, dirs, files in os.walk(root):
        depth = len(Path(current).relative_to(root).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")) if depth < max_depth else []
        for name in sorted(files, key=str.lower):
            lower = name.lower()
            if not lower.endswith(".gguf") or "mmproj" in lower:
                continue
            split = SPLIT_RE.search(name)
            if split and int(split.group(1)) != 1:
                continue
            return Path(current) / name
    return None


# Discovery gets its own small pool: a busy global pool (indexing) must not hold the dialog up.
_pool: QThreadPool | None = None


def _scan_pool() -> QThreadPool:
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(2)
    return _pool


class _ScanSignals(QObject):
    done = Signal(int, object)  # generation, list[ModelRow] or the exception


class _ScanTask(QRunnable):
    def __init__(self, generation: int, list_models: ModelLister, signals: _ScanSignals):
        super().__init__()
        self.generation, self.list_models, self.signals = generation, list_models, signals

    def run(self) -> None:
        try:
            result: object = scan_models(self.list_models)
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never a crash on the worker
            result = exc
        self.signals.done.emit(self.generation, result)


class ModelScanner(QObject):
    """Runs ``scan_models`` on a worker thread; ``finished(rows)`` / ``failed(message)`` on the UI thread.

    Only the latest ``start()`` reports: an older scan still running is ignored when it ends.
    """

    finished = Signal(object)  # list[ModelRow]
    failed = Signal(str)

    def __init__(self, list_models: ModelLister, parent: QObject | None = None):
        super().__init__(parent)
        self.list_models = list_models
        self.generation = 0
        self.running = False
        # Not parented: the worker keeps it alive even if this object goes first.
        self._signals = _ScanSignals()
        self._signals.done.connect(self._done)

    def start(self) -> None:
        self.generation += 1
        self.running = True
        _scan_pool().start(_ScanTask(self.generation, self.list_models, self._signals))

    def _done(self, generation: int, result: object) -> None:
        if generation != self.generation:
            return
        self.running = False
        if isinstance(result, Exception):
            self.failed.emit(str(result))
        else:
            self.finished.emit(result)


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


class ModelManager(QDialog, _ModelActions):
    """The GGUF models found on this computer; pick the one answers use, import or add more.

    Build it from a RagEngine (changes go to ``engine.settings`` and are saved) or from
    Settings + AppPaths. ``list_models`` replaces discovery (tests).
    """

    COLUMNS = ("name", "parameters", "quantization", "size", "context", "source")
    model_chosen = Signal(str)  # the path now in settings.llm_model
    models_changed = Signal()  # folders searched changed (import / add folder)
    scan_finished = Signal()

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
        self.library = _library_from(source, paths, list_models)
        self.settings = self.library.settings
        self.rows: list[ModelRow] = []
        self.scanned = False
        self.setWindowTitle(tr("Language models"))
        self.resize(900, 460)

        self.intro_label = QLabel(
            tr(
                "Language models (GGUF files) found on this computer. The default one answers your "
                "questions. Nothing is downloaded."
            )
        )
        self.intro_label.setWordWrap(True)
        self.status_label = QLabel(tr("Looking for models…"))
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [tr("Name"), tr("Parameters"), tr("Quantization"), tr("Size"), tr("Context"), tr("Source")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.first_run = FirstRunPanel(self.library)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.table)
        self.pages.addWidget(self.first_run)
        self.message_label = _message_label()

        self.use_button = QPushButton(tr("Use this model"))
        self.use_button.setEnabled(False)
        self.import_button = QPushButton(tr("Import…"))
        self.import_button.setToolTip(
            tr("Choose a .gguf file. It is not copied: its folder is added to the folders searched for models.")
        )
        self.add_folder_button = QPushButton(tr("Add folder…"))
        self.add_folder_button.setToolTip(tr("Also list the models in a folder you choose."))
        self.open_folder_button = QPushButton(tr("Open models folder"))
        self.open_folder_button.setToolTip(str(self.library.paths.models_dir))
        self.refresh_button = QPushButton(tr("Refresh"))
        self.close_button = QPushButton(tr("Close"))
        buttons = QHBoxLayout()
        for button in (self.use_button, self.import_button, self.add_folder_button, self.open_folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda _item: self.use_selected())
        self.use_button.clicked.connect(self.use_selected)
        self.import_button.clicked.connect(self.import_model)
        self.add_folder_button.clicked.connect(self.add_model_folder)
        self.open_folder_button.clicked.connect(self.open_models_folder)
        self.refresh_button.clicked.connect(self.refresh)
        self.close_button.clicked.connect(self.accept)
        self.first_run.models_changed.connect(self._first_run_changed)
        self.first_run.model_chosen.connect(self._first_run_chosen)

        self._select_after_scan: Path | None = None
        self.scanner = ModelScanner(self.library.list_models, self)
        self.scanner.finished.connect(self._scan_done)
        self.scanner.failed.connect(self._scan_failed)
        self.refresh()

    # -- scanning ------------------------------------------------------------------------------
    def refresh(self, select: Path | None = None) -> None:
        """Look for models again (worker thread); the table fills when it is done."""
        self._select_after_scan = select
        self.scanned = False
        self.status_label.setText(tr("Looking for models…"))
        self.status_label.show()
        self.refresh_button.setEnabled(False)
        self.scanner.start()

    def _scan_failed(self, message: str) -> None:
        self.rows = []
        self.scanned = True
        self.refresh_button.setEnabled(True)
        self.status_label.setText(tr("Looking for models failed: {error}").format(error=message))
        self.scan_finished.emit()

    def _scan_done(self, rows: list[ModelRow]) -> None:
        self.rows = list(rows)
        self.scanned = True
        self.refresh_button.setEnabled(True)
        self._render(self._select_after_scan)
        self._select_after_scan = None
        self.scan_finished.emit()

    def _render(self, select: Path | None = None) -> None:
        """Fill the table from ``rows``, mark the default, select ``select`` (else the default)."""
        default = self.default_path()
        self.table.setRowCount(len(self.rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for r, row in enumerate(self.rows):
            entry = row.entry
            is_default = default is not None and same_file(entry.path, default)
            name = f"{entry.name}  {tr('(default)')}" if is_default else entry.name
            context = f"{row.context_length:,}" if row.context_length else ""
            texts = (
                name,
                entry.parameters or "",
                entry.quantization or "",
                format_size(entry.size_bytes),
                context,
                source_label(entry.source),
            )
            tip = "\n".join(x for x in (str(entry.path), row.description, row.error) if x)
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setToolTip(tip)
                if is_default:
                    item.setFont(bold)
                if c in (1, 3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
            self.table.item(r, 0).setData(Qt.ItemDataRole.UserRole, str(entry.path))
            self.table.item(r, 4).setData(Qt.ItemDataRole.UserRole, row.context_length)
        first_run = not self.rows
        # The first-run panel explains and offers the same actions: show it alone.
        for widget in (self.intro_label, self.status_label, self.use_button, self.import_button,
                       self.add_folder_button, self.open_folder_button):
            widget.setHidden(first_run)
        if first_run:
            self.status_label.setText(tr("No language model was found on this computer."))
            self.pages.setCurrentWidget(self.first_run)
        else:
            self.pages.setCurrentWidget(self.table)
            if default is None and self.settings.llm_model:
                self.status_label.setText(
                    tr("The chosen model {model} was not found; choose another one.").format(
                        model=self.settings.llm_model
                    )
                )
            else:
                self.status_label.setText(tr("Models found: {count}").format(count=len(self.rows)))
        select = select or default
        if select is not None:
            self.select_path(select)
        self._update_buttons()

    # -- state ---------------------------------------------------------------------------------
    def default_path(self) -> Path | None:
        """The model answers use now (the setting, else the first found), if it is in the list."""
        return default_model_path(self.settings, [row.entry for row in self.rows])

    def default_row(self) -> int | None:
        default = self.default_path()
        for r, row in enumerate(self.rows):
            if default is not None and same_file(row.entry.path, default):
                return r
        return None

    def row_of(self, path: str | os.PathLike) -> int | None:
        for r, row in enumerate(self.rows):
            if same_file(row.entry.path, path):
                return r
        return None

    def select_path(self, path: str | os.PathLike) -> None:
        r = self.row_of(path)
        if r is not None:
            self.table.selectRow(r)

    def selected_row(self) -> ModelRow | None:
        indexes = self.table.selectionModel().selectedRows()
        return self.rows[indexes[0].row()] if indexes else None

    def _update_buttons(self) -> None:
        row = self.selected_row()
        default = self.default_path()
        self.use_button.setEnabled(
            row is not None and not (default is not None and self.settings.llm_model and same_file(row.entry.path, default))
        )

    # -- actions -------------------------------------------------------------------------------
    def use_selected(self) -> None:
        """Make the selected model the one answers use (saved in settings.llm_model)."""
        row = self.selected_row()
        if row is None:
            return
        try:
            self.library.use_model(row.entry.path)
        except OSError as exc:
            self._show_message(tr("The settings could not be saved: {error}").format(error=exc), error=True)
            return
        self._show_message(tr("{name} now answers your questions.").format(name=row.entry.name))
        self._render()  # re-mark the default
        self.model_chosen.emit(str(row.entry.path))

    def _widget(self) -> QWidget:
        return self

    def _show_message(self, text: str, error: bool = False) -> None:
        _set_message(self.message_label, text, error)

    def _known_paths(self) -> list[Path]:
        return [row.entry.path for row in self.rows]

    def _imported(self, path: Path, changed: bool) -> None:
        if changed:
            self.models_changed.emit()
            self.refresh(select=path)
        else:
            self.select_path(path)

    def _folder_added(self, folder: Path, changed: bool) -> None:
        if changed:
            self.models_changed.emit()
            self.refresh()

    def _first_run_changed(self) -> None:
        self.models_changed.emit()
        self.refresh()

    def _first_run_chosen(self, path: str) -> None:
        self._show_message(self.first_run.message_label.text())
        self.model_chosen.emit(path)
        self.refresh(select=Path(path))
