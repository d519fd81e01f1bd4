"""Encryption in the window: the passphrase asked at start (wrong: said so, asked again), and the
Security group of the settings (encrypt, change the passphrase, remove encryption).

Unlocking (scrypt, about a second) and re-encrypting (seconds for a big library) run off the UI thread;
the dialog waits on them with a busy indicator.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.engine import (
    LibraryKey,
    RagEngine,
    WrongPassphrase,
    check_passphrase,
    keyring_available,
    remember_key,
    remembered_key,
    unlock,
)
from ..core.errors import UserError
from ..core.logs import setup_logging
from ..core.paths import AppPaths
from .i18n import tr

_ERROR_STYLE = "color: #b00020;"  # as the settings dialog's (which imports this module)

log = logging.getLogger(__name__)


def run_in_background(work: Callable[[], object], message: str | None = None) -> object:
    """``work()`` on a worker thread while the UI stays live; returns its result or raises its error."""
    outcome: dict = {}

    def target() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            outcome["error"] = exc

    busy = None
    if message:
        busy = QProgressDialog(message, "", 0, 0)
        busy.setCancelButton(None)
        busy.setWindowModality(Qt.WindowModality.ApplicationModal)
        busy.show()
    worker = threading.Thread(target=target, name="desktop-rag-encryption", daemon=True)
    worker.start()
    while worker.is_alive():
        QApplication.processEvents()
        worker.join(0.03)
    if busy is not None:
        busy.close()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


def _remember_check() -> QCheckBox:
    """The "remember on this computer" box, with the trade-off it makes."""
    box = QCheckBox(tr("Remember on this computer"))
    box.setToolTip(
        tr(
            "The key is kept in this computer's keyring (locked by your login). Whoever can use your "
            "account can then open the library without the passphrase; a copied disk or a backup still cannot."
        )
    )
    return box


def _error_label() -> QLabel:
    """A hidden, wrapping label in the error colour: where a dialog says what went wrong."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(_ERROR_STYLE)
    label.hide()
    return label


def _password_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMinimumWidth(280)
    return field


class UnlockDialog(QDialog):
    """Asks for the passphrase of an encrypted library; ``key`` holds the unlocked key on accept."""

    def __init__(self, paths: AppPaths, parent: QWidget | None = None):
        super().__init__(parent)
        self.paths = paths
        self.key: LibraryKey | None = None
        self.attempts = 0
        self.setWindowTitle(tr("Unlock the library"))
        layout = QVBoxLayout(self)
        intro = QLabel(tr("This library is encrypted. Enter its passphrase to open it."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.passphrase = _password_field()
        self.passphrase.setPlaceholderText(tr("Passphrase"))
        layout.addWidget(self.passphrase)
        self.remember = _remember_check() if keyring_available() else None
        if self.remember is not None:
            layout.addWidget(self.remember)
            note = QLabel(self.remember.toolTip())
            note.setWordWrap(True)
            layout.addWidget(note)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton(tr("Unlock"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = buttons.addButton(tr("Quit"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Try the passphrase; a wrong one is said so and the dialog stays open for another try."""
        self.attempts += 1
        text = self.passphrase.text()
        self.setEnabled(False)
        try:
            self.key = run_in_background(lambda: unlock(self.paths, text))
        except WrongPassphrase:
            self._fail(tr("Wrong passphrase. Nothing was changed; try again."))
            return
        except UserError as exc:
            self._fail(str(exc))
            return
        finally:
            self.setEnabled(True)
        if self.remember is not None and self.remember.isChecked() and self.key is not None:
            remember_key(self.paths, self.key, True)
        super().accept()

    def _fail(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.passphrase.selectAll()
        self.passphrase.setFocus()


def ask_to_unlock(paths: AppPaths) -> LibraryKey | None:
    """The key of the encrypted library in ``paths``: remembered on this computer, or asked for (the
    dialog at start); None when the user quits."""
    key = remembered_key(paths)
    if key is not None:
        return key
    dialog = UnlockDialog(paths)
    return dialog.key if dialog.exec() == QDialog.DialogCode.Accepted else None


class PassphraseDialog(QDialog):
    """Asks for the current passphrase (when the library is encrypted) and/or a new one, typed twice."""

    def __init__(self, title: str, ask_current: bool, ask_new: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.current = _password_field() if ask_current else None
        self.new = _password_field() if ask_new else None
        self.repeat = _password_field() if ask_new else None
        if self.current is not None:
            form.addRow(tr("Current passphrase:"), self.current)
        if self.new is not None:
            form.addRow(tr("New passphrase:"), self.new)
            form.addRow(tr("Repeat it:"), self.repeat)
        layout.addLayout(form)
        if ask_new:
            note = QLabel(
                tr(
                    "Without the passphrase the library cannot be opened, and nobody can recover it. "
                    "Your documents themselves are not changed."
                )
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("OK"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Cancel"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def accept(self) -> None:
        """Check that the new passphrase is long enough and typed the same twice."""
        if self.new is not None:
            try:
                check_passphrase(self.new.text())
            except UserError:
                return self.show_error(tr("The passphrase must be at least 8 characters long."))
            if self.new.text() != self.repeat.text():
                return self.show_error(tr("The two passphrases differ."))
        super().accept()

    def show_error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.show()


class SecurityGroup(QGroupBox):
    """Settings → Security: whether the library is encrypted, and the buttons that change it."""

    def __init__(self, engine: RagEngine, parent: QWidget | None = None):
        super().__init__(tr("Security"), parent)
        self.engine = engine
        layout = QVBoxLayout(self)
        self.state_label = QLabel()
        self.state_label.setWordWrap(True)
        layout.addWidget(self.state_label)
        explain = QLabel(
            tr(
                "Encryption locks the library, the chats and the search caches with a passphrase asked at "
                "every start. Your documents, the models and files you export are not encrypted."
            )
        )
        explain.setWordWrap(True)
        layout.addWidget(explain)
        row = QHBoxLayout()
        self.encrypt_button = QPushButton()
        self.encrypt_button.clicked.connect(self.set_passphrase)
        self.decrypt_button = QPushButton(tr("Remove encryption…"))
        self.decrypt_button.clicked.connect(self.remove_encryption)
        row.addWidget(self.encrypt_button)
        row.addWidget(self.decrypt_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.remember = _remember_check() if keyring_available() else None
        if self.remember is not None:
            self.remember.setChecked(remembered_key(engine.paths) is not None)
            self.remember.toggled.connect(self._remember_toggled)
            layout.addWidget(self.remember)
        self._refresh()

    def _remember_toggled(self, on: bool) -> None:
        if self.engine.key is not None and not remember_key(self.engine.paths, self.engine.key, on):
            QMessageBox.warning(self, tr("Encryption"), tr("This computer's keyring could not keep the key."))

    def _refresh(self) -> None:
        encrypted = self.engine.key is not None
        self.state_label.setText(
            tr("The library is encrypted.") if encrypted else tr("The library is not encrypted.")
        )
        self.encrypt_button.setText(tr("Change passphrase…") if encrypted else tr("Encrypt with a passphrase…"))
        self.decrypt_button.setVisible(encrypted)
        if self.remember is not None:
            self.remember.setVisible(encrypted)

    def _current_ok(self, dialog: PassphraseDialog) -> bool:
        """Whether the current passphrase typed in ``dialog`` is this library's (said so when not)."""
        if dialog.current is None:
            return True
        text = dialog.current.text()
        try:
            return run_in_background(lambda: unlock(self.engine.paths, text)) == self.engine.key
        except WrongPassphrase:
            return False

    def set_passphrase(self) -> bool:
        """Encrypt the library, or change its passphrase (asking for the current one first)."""
        encrypted = self.engine.key is not None
        title = tr("Change passphrase") if encrypted else tr("Encrypt the library")
        dialog = PassphraseDialog(title, ask_current=encrypted, ask_new=True, parent=self)
        return self._run(dialog, lambda d: d.new.text())

    def remove_encryption(self) -> bool:
        """Store the library unencrypted again (asking for the passphrase first)."""
        dialog = PassphraseDialog(tr("Remove encryption"), ask_current=True, ask_new=False, parent=self)
        return self._run(dialog, lambda d: None)

    def _run(self, dialog: PassphraseDialog, new_passphrase: Callable[[PassphraseDialog], str | None]) -> bool:
        while dialog.exec() == QDialog.DialogCode.Accepted:
            if not self._current_ok(dialog):
                dialog.show_error(tr("Wrong passphrase. Nothing was changed; try again."))
                continue
            passphrase = new_passphrase(dialog)
            try:
                run_in_background(partial(self.engine.set_passphrase, passphrase), tr("Re-encrypting the library…"))
            except Exception as exc:  # noqa: BLE001 - shown; the old library is still there (crash-safe change)
                log.warning("changing the library's encryption failed: %s", type(exc).__name__)
                QMessageBox.critical(self, tr("Encryption"), str(exc))
                return False
            settings = self.engine.settings
            setup_logging(
                self.engine.paths.logs_dir, redact=settings.redact_personal_data, private=self.engine.key is not None
            )
            self._refresh()
            return True
        return False
