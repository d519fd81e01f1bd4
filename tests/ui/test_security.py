"""Encryption in the window: the passphrase dialog at start (a wrong passphrase is said so, asked
again, and changes nothing), and Settings → Security (encrypt, change, remove)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog

from desktop_rag.core.engine import is_encrypted, unlock
from desktop_rag.ui import security
from desktop_rag.ui.security import SecurityGroup, UnlockDialog
from desktop_rag.ui.settings_dialog import SettingsDialog

PASSPHRASE = "correct horse battery"


@pytest.fixture
def locked(tmp_path, make_engine, fake_embedder):
    """An encrypted library with one document, closed: its AppPaths."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Apples\n\nApples grow on trees in the orchard.", encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.index_folder(docs)
    engine.set_passphrase(PASSPHRASE)
    engine.close()
    return engine.paths


def _snapshot(root):
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_a_wrong_passphrase_is_said_so_and_asked_again(qtbot, locked, english):
    dialog = UnlockDialog(locked)
    qtbot.addWidget(dialog)
    dialog.show()
    before = _snapshot(locked.root)
    dialog.passphrase.setText("not it at all")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.isVisible()
    assert dialog.error_label.isVisible() and "Wrong passphrase" in dialog.error_label.text()
    assert dialog.key is None
    assert _snapshot(locked.root) == before, "a wrong passphrase changed the library"
    dialog.passphrase.setText(PASSPHRASE)
    dialog.accept()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key == unlock(locked, PASSPHRASE)


def test_the_unlock_dialog_speaks_korean(qtbot, locked):
    from desktop_rag.ui.i18n import current_language, set_language

    before = current_language()
    set_language("ko")
    try:
        dialog = UnlockDialog(locked)
        qtbot.addWidget(dialog)
        dialog.passphrase.setText("틀린 암호 문구입니다")
        dialog.accept()
        assert "암호 문구가 틀렸습니다" in dialog.error_label.text()
    finally:
        set_language(before)


def _answering(monkeypatch, answers: list[dict]):
    """PassphraseDialog.exec fills the fields from ``answers`` in turn (then cancels)."""
    calls = []

    def fake_exec(dialog):
        if not answers:
            return QDialog.DialogCode.Rejected
        values = answers.pop(0)
        for name in ("current", "new", "repeat"):
            field = getattr(dialog, name)
            if field is not None:
                field.setText(values.get(name, ""))
        calls.append(dialog)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(security.PassphraseDialog, "exec", fake_exec)
    return calls


def test_settings_encrypt_change_and_remove(qtbot, make_engine, fake_embedder, monkeypatch, english, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Pears\n\nPears ripen in autumn.", encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.index_folder(docs)
    dialog = SettingsDialog(engine)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.models_ready, timeout=30000)
    group = dialog.security_group
    assert isinstance(group, SecurityGroup) and "not encrypted" in group.state_label.text()
    assert not group.decrypt_button.isVisibleTo(dialog)

    _answering(monkeypatch, [{"new": PASSPHRASE, "repeat": PASSPHRASE}])
    assert group.set_passphrase()
    assert is_encrypted(engine.paths) and engine.key is not None
    assert "is encrypted" in group.state_label.text() and group.decrypt_button.isVisibleTo(dialog)
    assert engine.search("pears")[0].path.endswith("a.md")

    # Changing it: a wrong current passphrase is refused, the right one re-keys.
    new = "another passphrase 2"
    calls = _answering(monkeypatch, [{"current": "wrong one!", "new": new, "repeat": new}, {"current": PASSPHRASE, "new": new, "repeat": new}])
    assert group.set_passphrase()
    assert "Wrong passphrase" in calls[0].error_label.text()
    assert unlock(engine.paths, new) == engine.key

    _answering(monkeypatch, [{"current": new}])
    assert group.remove_encryption()
    assert engine.key is None and not is_encrypted(engine.paths)
    assert engine.search("pears")[0].path.endswith("a.md")


def test_a_new_passphrase_must_be_typed_twice_alike(qtbot, english):
    dialog = security.PassphraseDialog("t", ask_current=False, ask_new=True)
    qtbot.addWidget(dialog)
    dialog.new.setText("long enough one")
    dialog.repeat.setText("long enough two")
    dialog.accept()
    assert "differ" in dialog.error_label.text() and dialog.result() != QDialog.DialogCode.Accepted
    dialog.new.setText("short")
    dialog.repeat.setText("short")
    dialog.accept()
    assert "at least 8" in dialog.error_label.text()


def test_remember_on_this_computer_skips_the_question_next_time(qtbot, locked, monkeypatch, english):
    from desktop_rag.core.crypto import remembered

    secrets = {}

    class Backend:
        priority = 5

        def set_password(self, service, account, value):
            secrets[(service, account)] = value

        def get_password(self, service, account):
            return secrets.get((service, account))

        def delete_password(self, service, account):
            secrets.pop((service, account))

    monkeypatch.setattr(remembered, "_backend", Backend)
    dialog = UnlockDialog(locked)
    qtbot.addWidget(dialog)
    assert dialog.remember is not None and "without the passphrase" in dialog.remember.toolTip()
    dialog.passphrase.setText(PASSPHRASE)
    dialog.remember.setChecked(True)
    dialog.accept()
    assert secrets
    monkeypatch.setattr(security, "UnlockDialog", lambda paths: pytest.fail("asked although remembered"))
    assert security.ask_to_unlock(locked) == unlock(locked, PASSPHRASE)


def test_no_remember_box_without_a_keyring(qtbot, locked, monkeypatch, english):
    from desktop_rag.core.crypto import remembered

    monkeypatch.setattr(remembered, "_backend", lambda: None)
    dialog = UnlockDialog(locked)
    qtbot.addWidget(dialog)
    assert dialog.remember is None


def test_the_window_asks_before_opening_an_encrypted_library_and_quitting_leaves_it_alone(qtbot, locked, monkeypatch):
    from desktop_rag.ui.app import startup

    asked = []
    monkeypatch.setattr(startup, "ask_to_unlock", lambda paths: asked.append(paths.root) or None)
    monkeypatch.setattr(startup, "RagEngine", lambda *a, **k: pytest.fail("opened before it was unlocked"))
    before = _snapshot(locked.root)
    assert startup.run_app(str(locked.root)) == 1
    assert asked == [locked.root]
    assert {p: v for p, v in _snapshot(locked.root).items() if "logs" not in p.parts} == {
        p: v for p, v in before.items() if "logs" not in p.parts
    }
