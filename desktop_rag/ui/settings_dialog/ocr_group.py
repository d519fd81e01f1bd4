"""The settings dialog's text recognition section: the OCR switch, its languages and the import
of a Korean model file (no installable package carries one; see the README)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QPushButton

from ...core.config import Settings
from ...core.engine import available_ocr_languages, import_ocr_model
from ...core.errors import UserError
from ..i18n import tr
from .widgets import _hint


class _Importer(QObject):
    """Checks and copies a model file off the UI thread (Tesseract loads it once: a second or so)."""

    done = Signal(str, str)  # language ("" on failure), error message

    def start(self, path: str, models_dir) -> None:
        threading.Thread(target=self._run, args=(path, models_dir), name="desktop-rag-ocr-import", daemon=True).start()

    def _run(self, path: str, models_dir) -> None:
        try:
            self.done.emit(import_ocr_model(path, models_dir), "")
        except UserError as exc:
            self.done.emit("", str(exc))
        except Exception as exc:  # noqa: BLE001 - shown in the dialog, never lost in a thread
            self.done.emit("", f"{type(exc).__name__}: {exc}")


class OcrGroup:
    """SettingsDialog's OCR section (needs ``self.paths`` and ``self.show_error``)."""

    def _ocr_group(self) -> QGroupBox:
        group = QGroupBox(tr("Scanned pages and images"))
        form = QFormLayout(group)
        self.ocr_check = QCheckBox(tr("Recognise text in scanned pages and images"))
        explanation = tr(
            "PDF pages without text and image files are read on this computer (OCR). It is slow; "
            "recognised text can contain errors and is marked as such."
        )
        self.ocr_check.setToolTip(explanation)
        form.addRow(self.ocr_check)
        form.addRow(_hint(explanation))
        self.ocr_english_check = QCheckBox(tr("English"))
        self.ocr_korean_check = QCheckBox(tr("Korean"))
        self.import_ocr_button = QPushButton(tr("Import Korean model…"))
        self.import_ocr_button.setToolTip(tr("A Tesseract model file named kor.traineddata."))
        self.import_ocr_button.clicked.connect(self.browse_ocr_model)
        row = QHBoxLayout()
        row.addWidget(self.ocr_english_check)
        row.addWidget(self.ocr_korean_check)
        row.addWidget(self.import_ocr_button)
        row.addStretch(1)
        form.addRow(tr("Languages:"), row)
        self.ocr_korean_hint = _hint(
            tr("Korean needs its model file (kor.traineddata), which is not included: import it once.")
        )
        form.addRow(self.ocr_korean_hint)
        self._ocr_importer = _Importer()
        self._ocr_importer.done.connect(self._ocr_model_imported)
        self.ocr_check.toggled.connect(self._update_ocr)
        return group

    def _load_ocr(self, s: Settings) -> None:
        self.ocr_check.setChecked(s.ocr_enabled)
        self.ocr_english_check.setChecked("eng" in s.ocr_languages)
        self.ocr_korean_check.setChecked("kor" in s.ocr_languages)
        self._update_ocr()

    def _store_ocr(self, s: Settings) -> None:
        s.ocr_enabled = self.ocr_check.isChecked()
        # Korean is unticked whenever its model is missing (_update_ocr), so what is ticked can run.
        s.ocr_languages = [lang for lang, box in (("eng", self.ocr_english_check), ("kor", self.ocr_korean_check))
                           if box.isChecked()] or ["eng"]  # fmt: skip

    def _update_ocr(self) -> None:
        korean = "kor" in available_ocr_languages(self.paths.models_dir)
        on = self.ocr_check.isChecked()
        self.ocr_english_check.setEnabled(on)
        self.ocr_korean_check.setEnabled(on and korean)
        if not korean:
            self.ocr_korean_check.setChecked(False)
        self.ocr_korean_hint.setVisible(not korean)

    def browse_ocr_model(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Import Korean model…"), "", tr("Tesseract models (*.traineddata);;All files (*)")
        )
        if path:
            self.import_ocr_model(path)

    def import_ocr_model(self, path: str) -> None:
        """Check and copy the model in the background; Korean is ticked when it is in place."""
        self.import_ocr_button.setEnabled(False)
        self._ocr_importer.start(path, self.paths.models_dir)

    def _ocr_model_imported(self, language: str, error: str) -> None:
        self.import_ocr_button.setEnabled(True)
        if error:
            self.show_error(tr("This file cannot be used: {error}").format(error=error))
        else:
            self.show_error("")
            self._update_ocr()
            if language == "kor":
                self.ocr_korean_check.setChecked(True)
        self.ocr_model_imported.emit(language)
