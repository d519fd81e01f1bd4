"""Starting the app: open the library (offering a repair when it is damaged), show the main window,
and the packaged app's start-up check.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from ...core.config import Settings
from ...core.engine import RagEngine, is_encrypted
from ...core.errors import LibraryError
from ...core.logs import setup_logging
from ...core.paths import resolve_paths
from ..i18n import set_language, tr
from ..security import ask_to_unlock
from ..theme import apply_theme
from .window import MainWindow

log = logging.getLogger(__name__)


def open_engine_or_repair(paths, settings: Settings, key=None) -> RagEngine | None:
    """The engine; a damaged library gets a plain explanation and a Repair button instead of a crash.
    ``key``: an encrypted library's (``ask_to_unlock``)."""
    while True:
        try:
            return RagEngine(paths, settings, key=key)
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
            if not _repair_with_progress(paths, settings, key):
                return None


def _repair_with_progress(paths, settings: Settings, key=None) -> bool:
    """Run the repair off the UI thread while a progress dialog shows what it does."""
    from PySide6.QtWidgets import QProgressDialog

    from ...core.repair import repair_library

    dialog = QProgressDialog(tr("Repairing the library…"), "", 0, 0)
    dialog.setCancelButton(None)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.show()
    outcome: dict = {}

    def work() -> None:
        try:
            outcome["report"] = repair_library(paths, settings, key=key)
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
    # Crisp at 125 % / 150 %: fractional scale factors as the desktop sets them, not rounded.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("desktop-rag")
    settings = Settings.load(paths.settings_file)
    apply_theme(app, settings.ui_theme)
    set_language(settings.ui_language)
    key = None
    if is_encrypted(paths):  # the passphrase before anything of the library is read
        key = ask_to_unlock(paths)
        if key is None:
            return 1
    setup_logging(paths.logs_dir, redact=settings.redact_personal_data, private=key is not None)
    engine = open_engine_or_repair(paths, settings, key)
    if engine is None:
        return 1
    window = build_window(engine)
    window.show()
    if os.environ.get(EXIT_AFTER_SHOW_ENV) == "1":  # smoke test of the packaged app (tests/test_packaged_app.py)
        QTimer.singleShot(1000, lambda: _exit_after_show(app, window))
    return app.exec()


#: How long the window waits for the embedder's warm-up before it shows anyway (a slow disk, a big model).
WARM_UP_WAIT_S = 5.0


def build_window(engine: RagEngine) -> MainWindow:
    """The main window, built while the embedding model's tokenizer loads in a thread.

    That load holds the GIL for about 0.6 s; done before the window shows, it never freezes a
    window the user is using (indexing, typing, streaming: tests/ui/test_lag_probe.py).
    """
    warm_up = threading.Thread(target=engine.warm_up, name="desktop-rag-warm-up", daemon=True)
    warm_up.start()
    window = MainWindow(engine)
    warm_up.join(WARM_UP_WAIT_S)
    # Everything built so far (Qt, the libraries, the model's tables) lives as long as the app: out of
    # the cyclic garbage collector's sight, so that a full collection during indexing or streaming
    # does not walk it all while holding the GIL (a stall of a few hundred ms in a big process).
    gc.collect()
    gc.freeze()
    return window


#: Set to 1, the window quits (exit code 0) one second after it is shown: a start-up check.
EXIT_AFTER_SHOW_ENV = "DESKTOP_RAG_EXIT_AFTER_SHOW"


def _exit_after_show(app: QApplication, window: MainWindow) -> None:
    log.info("main window shown (visible=%s); quitting as %s asks", window.isVisible(), EXIT_AFTER_SHOW_ENV)
    window.close()
    app.quit()
