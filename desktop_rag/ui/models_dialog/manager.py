"""The models dialog: a table of the GGUF models found (name, size, context, where found), the
default marked, with "use this model", import, add folder, open folder and refresh; the first-run
panel takes its place while there is no model.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
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

from ...core.engine import (
    ADDED_FOLDER,
    DEVELOPMENT_PACKAGE,
    GPT4ALL,
    HF_CACHE,
    LM_STUDIO,
    MODELS_FOLDER,
    OLLAMA,
    format_size,
)
from ...core.paths import AppPaths
from ..i18n import tr
from .actions import _library_from, _message_label, _ModelActions, _set_message, _split_parent
from .discovery import ModelLister, ModelRow, ModelScanner, default_model_path, same_file
from .first_run import FirstRunPanel


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
