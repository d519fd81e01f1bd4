"""Encryption at rest in the core: the key, sealed caches, locking and unlocking, changing the
passphrase without re-indexing, removing encryption, and crash-safe changes (the process is
killed at each step of a change, and the library must open whole, old or new)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop_rag.core.crypto import (
    LibraryKey,
    SealError,
    new_library_key,
    read_sealed,
    seal,
    unseal,
)
from desktop_rag.core.encryption import is_encrypted, unlock
from desktop_rag.core.engine import LibraryLocked, RagEngine, WrongPassphrase
from desktop_rag.core.errors import UserError
from desktop_rag.core.index.keyword_index import KEYWORD_FILE, SEALED_KEYWORD_FILE
from desktop_rag.core.index.vector_index import INDEX_FILE, SEALED_FILE, VectorIndex
from desktop_rag.core.logs import PrivateFormatter
from desktop_rag.core.paths import AppPaths

REPO = Path(__file__).resolve().parents[2]
OLD, NEW = "correct horse battery", "새 암호 문구 staple 42"
MARKER = "qvzmarkerterm"
SECRET = f"# Ledger\n\nThe {MARKER} account holds the 뷁퓛꿻 reserve. Nobody else may read this passage."


@pytest.fixture
def library(tmp_path, make_engine, fake_embedder):
    """An indexed plain library with a saved chat: (engine, documents folder)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ledger.md").write_text(SECRET, encoding="utf-8")
    (docs / "fruit.md").write_text("# Fruit\n\nOranges and lemons grow in warm places.", encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.index_folder(docs)
    info = engine.conversations.create("", [])
    from desktop_rag.core.answer.answering import AnswerResult

    engine.conversations.add_turn(info.id, AnswerResult(question=f"What is {MARKER}?", answer="A reserve."))
    return engine, docs


def raw_bytes(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def test_a_sealed_blob_opens_only_with_its_key_and_label():
    key = new_library_key()
    blob = seal(key, b"secret passage" * 100, "keywords.sealed")
    assert b"secret passage" not in blob
    assert unseal(key, blob, "keywords.sealed") == b"secret passage" * 100
    with pytest.raises(SealError):
        unseal(new_library_key(), blob, "keywords.sealed")
    with pytest.raises(SealError):
        unseal(key, blob, "chunks.sealed")  # one cache cannot stand in for another
    with pytest.raises(SealError):
        unseal(key, blob[:-1], "keywords.sealed")
    tampered = bytearray(blob)
    tampered[-20] ^= 1
    with pytest.raises(SealError):
        unseal(key, bytes(tampered), "keywords.sealed")


def test_big_caches_are_sealed_in_segments(monkeypatch):
    from desktop_rag.core.crypto import sealed

    monkeypatch.setattr(sealed, "SEGMENT", 1000)
    key = new_library_key()
    data = os.urandom(3500)
    blob = seal(key, data, "x")
    assert unseal(key, blob, "x") == data
    with pytest.raises(SealError):  # a whole segment cut off the end is noticed
        unseal(key, blob[: len(blob) - (1000 + 16 + 20)], "x")


def test_the_key_is_never_printed():
    key = new_library_key()
    assert "hidden" in repr(key) and key.sqlcipher_key[4:20] not in repr(key)


def test_encrypting_locks_everything_and_keeps_the_library_whole(library):
    engine, docs = library
    before = [(h.chunk_id, h.path) for h in engine.search(MARKER)]
    embedded = len(engine.embedder.embedded)
    assert MARKER.encode() in raw_bytes(engine.paths.root)  # positive control: plain, it is readable

    engine.set_passphrase(OLD)

    root = engine.paths.root
    assert is_encrypted(engine.paths) and engine.key is not None
    assert MARKER.encode() not in raw_bytes(root) and "뷁퓛".encode() not in raw_bytes(root)
    assert not engine.paths.database.read_bytes().startswith(b"SQLite format 3")
    vectors = engine.paths.vectors_dir
    assert (vectors / SEALED_FILE).exists() and (vectors / SEALED_KEYWORD_FILE).exists()
    assert not (vectors / INDEX_FILE).exists() and not (vectors / KEYWORD_FILE).exists()
    # Nothing was re-read or re-embedded; search, chats and status work as before.
    assert len(engine.embedder.embedded) == embedded
    assert [(h.chunk_id, h.path) for h in engine.search(MARKER)] == before
    assert engine.conversations.list()[0].title
    engine.close()

    with pytest.raises(LibraryLocked):
        RagEngine(engine.paths, embedder=engine.embedder)
    key = unlock(engine.paths, OLD)
    again = RagEngine(engine.paths, embedder=engine.embedder, key=key)
    try:
        # The sealed caches load (no rebuild), and searching finds the same passages.
        assert VectorIndex.load(vectors, None, engine.embedder.model_id, again.store.library_id, key) is not None
        assert [(h.chunk_id, h.path) for h in again.search(MARKER)] == before
        assert len(again.embedder.embedded) == embedded
    finally:
        again.close()


def test_a_wrong_passphrase_is_refused_and_changes_nothing(library):
    engine, _ = library
    engine.set_passphrase(OLD)
    engine.close()
    files = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in engine.paths.root.rglob("*") if p.is_file()}
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        unlock(engine.paths, "not the passphrase")
    with pytest.raises(WrongPassphrase):
        unlock(engine.paths, OLD.upper())
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in engine.paths.root.rglob("*") if p.is_file()}
    assert after == files


def test_changing_the_passphrase_rekeys_without_reindexing(library):
    engine, _ = library
    engine.set_passphrase(OLD)
    old_key = engine.key
    old_lock = engine.paths.lock_file.read_bytes()
    embedded = len(engine.embedder.embedded)
    before = [(h.chunk_id, h.path) for h in engine.search(MARKER)]

    engine.set_passphrase(NEW)

    assert engine.key != old_key  # a fresh data key: the old lock file and passphrase open nothing new
    assert len(engine.embedder.embedded) == embedded
    assert [(h.chunk_id, h.path) for h in engine.search(MARKER)] == before
    engine.close()
    with pytest.raises(WrongPassphrase):
        unlock(engine.paths, OLD)
    new_key = unlock(engine.paths, NEW)
    assert new_key == engine.key
    # The sealed caches were re-sealed under the new key, not dropped.
    assert read_sealed(engine.paths.vectors_dir / SEALED_FILE, new_key, SEALED_FILE)
    with pytest.raises(SealError):
        read_sealed(engine.paths.vectors_dir / SEALED_FILE, old_key, SEALED_FILE)
    # The old lock file with the old passphrase does not open the new database.
    from desktop_rag.core.crypto import unwrap_key
    from desktop_rag.core.index.store import Store

    stale = unwrap_key(json.loads(old_lock), OLD)
    with pytest.raises(Exception, match="damaged|not a database"):
        Store(engine.paths.database, stale)


def test_removing_encryption_gives_a_plain_library_back(library):
    engine, _ = library
    engine.set_passphrase(OLD)
    engine.set_passphrase(None)
    assert engine.key is None and not engine.paths.lock_file.exists()
    assert engine.paths.database.read_bytes().startswith(b"SQLite format 3")
    assert (engine.paths.vectors_dir / INDEX_FILE).exists() and not (engine.paths.vectors_dir / SEALED_FILE).exists()
    assert engine.search(MARKER)[0].path.endswith("ledger.md")
    engine.close()
    again = RagEngine(engine.paths, embedder=engine.embedder)
    try:
        assert again.search(MARKER)[0].path.endswith("ledger.md")
        assert len(again.conversations.list()) == 1
    finally:
        again.close()


def test_short_passphrases_and_unlocking_a_plain_library_are_user_errors(library):
    engine, _ = library
    with pytest.raises(UserError, match="at least 8"):
        engine.set_passphrase("short")
    assert engine.key is None and not engine.paths.lock_file.exists()
    with pytest.raises(UserError, match="not encrypted"):
        unlock(engine.paths, OLD)


def test_a_plain_cache_left_beside_an_encrypted_library_is_deleted(library):
    engine, _ = library
    engine.set_passphrase(OLD)
    engine.close()
    leftover = engine.paths.vectors_dir / KEYWORD_FILE
    leftover.write_bytes(MARKER.encode())  # as a crash of an older version could leave it
    again = RagEngine(engine.paths, embedder=engine.embedder, key=unlock(engine.paths, OLD))
    again.close()
    assert not leftover.exists()


def test_the_private_log_keeps_what_happened_but_no_values(tmp_path):
    record = logging.LogRecord("desktop_rag.x", logging.ERROR, __file__, 1, "failed to index %s (%d%%)", (f"/docs/{MARKER}.pdf", 5), None)
    try:
        raise ValueError(f"bad passage {MARKER}")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = PrivateFormatter().format(record)
    assert MARKER not in line
    assert "failed to index <hidden> (<hidden>%)" in line and "ValueError" in line and "test_encryption.py" in line


# -- crash safety ------------------------------------------------------------------------------------
CHILD = textwrap.dedent(
    """
    import os, signal, sys, threading
    from pathlib import Path
    from benchmarks.common import HashingEmbedder
    from desktop_rag.core import encryption
    from desktop_rag.core.engine import RagEngine, unlock
    from desktop_rag.core.paths import AppPaths

    root, mode, step, old, new = sys.argv[1:6]
    paths = AppPaths(Path(root))

    def reached(name):
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    encryption._reached = reached
    if step == "while exporting":  # killed as soon as the new database file appears
        target = paths.migration_files[0]

        def watch():
            while not target.exists():
                pass
            os.kill(os.getpid(), signal.SIGKILL)

        threading.Thread(target=watch, daemon=True).start()
    key = None if mode == "encrypt" else unlock(paths, old)
    engine = RagEngine(paths, embedder=HashingEmbedder("fake:v1", 64, 128), key=key)
    engine.set_passphrase(None if mode == "decrypt" else new)
    engine.close()
    print("finished")
    """
)
STEPS = ["while exporting", "exported", "lock written", "committed", "database replaced", "lock replaced", "none"]


def _open_whichever(paths: AppPaths, embedder, passphrases: list[str]) -> tuple[RagEngine, str | None]:
    """The library as a new start finds it: plain, or unlocked by one of ``passphrases``."""
    if not is_encrypted(paths):
        return RagEngine(paths, embedder=embedder), None
    for passphrase in passphrases:
        try:
            return RagEngine(paths, embedder=embedder, key=unlock(paths, passphrase)), passphrase
        except WrongPassphrase:
            continue
    raise AssertionError("no passphrase opens the library")


@pytest.mark.parametrize("mode", ["encrypt", "rekey", "decrypt"])
def test_a_change_killed_at_any_step_leaves_the_old_or_the_new_library_whole(tmp_path, make_engine, fake_embedder, mode):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "ledger.md").write_text(SECRET, encoding="utf-8")
    for i in range(60):  # enough pages that the copy takes a moment
        (docs / f"note{i}.md").write_text(f"# Note {i}\n\n" + f"Paragraph {i} about apples and pears. " * 80, encoding="utf-8")
    engine = make_engine(fake_embedder, data_dir=tmp_path / "template")
    engine.index_folder(docs)
    engine.conversations.create("kept chat", [])
    if mode != "encrypt":
        engine.set_passphrase(OLD)
    chunks = engine.store.chunk_count()
    engine.close()
    outcomes = set()
    for step in STEPS:
        root = tmp_path / f"run-{step.replace(' ', '-')}"
        subprocess.run(["cp", "-a", str(engine.paths.root), str(root)], check=True)
        result = subprocess.run(
            [sys.executable, "-c", CHILD, str(root), mode, step, OLD, NEW],
            capture_output=True, text=True, timeout=300, cwd=REPO,
        )  # fmt: skip
        killed = result.returncode == -signal.SIGKILL
        assert killed or (step in ("none", "while exporting") and result.returncode == 0), (step, result.stderr)
        opened, passphrase = _open_whichever(AppPaths(root), fake_embedder, [OLD, NEW])
        try:
            state = "plain" if passphrase is None else passphrase
            expected_old = "plain" if mode == "encrypt" else OLD
            expected_new = {"encrypt": NEW, "rekey": NEW, "decrypt": "plain"}[mode]
            assert state in (expected_old, expected_new), (step, state)
            if step in ("committed", "database replaced", "lock replaced", "none"):
                assert state == expected_new, f"killed after the commit point ({step}), the change must be finished"
            if step in ("exported", "lock written"):
                assert state == expected_old, f"killed before the commit point ({step}), the change must be undone"
            outcomes.add(state)
            assert opened.store.chunk_count() == chunks, step
            assert opened.search(MARKER, mode="keyword")[0].path.endswith("ledger.md"), step
            assert [c.title for c in opened.conversations.list()] == ["kept chat"], step
            assert not any(p.exists() for p in opened.paths.migration_files), step
            if state != "plain":
                assert MARKER.encode() not in raw_bytes(root), step
        finally:
            opened.close()
    assert len(outcomes) == 2  # both sides of the commit point were reached


# -- remember on this computer (OS keyring) ---------------------------------------------------------
class MemoryKeyring:
    """A keyring backend in memory, standing in for Secret Service / Keychain / Credential Manager."""

    priority = 5

    def __init__(self):
        self.secrets: dict[tuple[str, str], str] = {}

    def set_password(self, service, account, value):
        self.secrets[(service, account)] = value

    def get_password(self, service, account):
        return self.secrets.get((service, account))

    def delete_password(self, service, account):
        del self.secrets[(service, account)]


@pytest.fixture
def memory_keyring(monkeypatch):
    from desktop_rag.core.crypto import remembered

    backend = MemoryKeyring()
    monkeypatch.setattr(remembered, "_backend", lambda: backend)
    return backend


def test_a_remembered_key_opens_the_library_and_follows_its_changes(library, memory_keyring):
    from desktop_rag.core.encryption import remember_key, remembered_key

    engine, _ = library
    engine.set_passphrase(OLD)
    assert remembered_key(engine.paths) is None
    assert remember_key(engine.paths, engine.key, True)
    assert remembered_key(engine.paths) == engine.key
    assert all(MARKER not in v for v in memory_keyring.secrets.values())
    engine.set_passphrase(NEW)  # re-keyed: the remembered key is the new one
    assert remembered_key(engine.paths) == engine.key
    memory_keyring.secrets[next(iter(memory_keyring.secrets))] = new_library_key().export_hex()
    assert remembered_key(engine.paths) is None, "a key that is not this library's is never used"
    remember_key(engine.paths, engine.key, True)
    engine.set_passphrase(None)  # decrypted: nothing stays in the keyring
    assert memory_keyring.secrets == {}


def test_without_a_keyring_nothing_is_remembered(library):
    from desktop_rag.core.crypto import keyring_available, remembered
    from desktop_rag.core.encryption import remember_key, remembered_key

    engine, _ = library
    engine.set_passphrase(OLD)
    if keyring_available():
        pytest.skip("this machine has a keyring")
    assert remembered._backend() is None
    assert not remember_key(engine.paths, engine.key, True)
    assert remembered_key(engine.paths) is None


# -- forget and delete-all on an encrypted library ---------------------------------------------------
def decrypted_pages(path: Path, key: LibraryKey) -> bytes:
    """Every page of an SQLCipher 4 database decrypted by hand (AES-256-CBC, 4096-byte pages, 80
    reserved bytes: IV and HMAC), free pages included: what someone holding the key could read."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw_key = bytes.fromhex(key.sqlcipher_key[3:-2])
    data, pages = path.read_bytes(), []
    for start in range(0, len(data), 4096):
        page = data[start : start + 4096]
        body = page[16:4016] if start == 0 else page[:4016]
        decryptor = Cipher(algorithms.AES(raw_key), modes.CBC(page[4016:4032])).decryptor()
        pages.append(decryptor.update(body) + decryptor.finalize())
    return b"".join(pages)


def test_forget_and_delete_all_leave_no_trace_in_an_encrypted_library(tmp_path, make_engine, fake_embedder):
    secret, keep = tmp_path / "secret", tmp_path / "keep"
    for folder, text in ((secret, SECRET), (keep, "# Fruit\n\nOranges and lemons grow in warm places.")):
        folder.mkdir()
        (folder / "a.md").write_text(text, encoding="utf-8")
    engine = make_engine(fake_embedder)
    engine.set_passphrase(OLD)
    engine.index_folder(secret, "secret")
    engine.index_folder(keep, "keep")
    engine.close()  # caches written, WAL checkpointed
    key, vectors = engine.key, engine.paths.vectors_dir
    # Positive control: with the key, the pages and the sealed keyword cache do hold the marker.
    assert MARKER.encode() in decrypted_pages(engine.paths.database, key)
    assert MARKER.encode() in read_sealed(vectors / SEALED_KEYWORD_FILE, key, SEALED_KEYWORD_FILE)

    again = RagEngine(engine.paths, embedder=fake_embedder, key=unlock(engine.paths, OLD))
    try:
        secret_ids = [h.chunk_id for h in again.search(MARKER, mode="keyword")]
        _, secret_vectors = again.store.vectors_for_chunks(secret_ids, fake_embedder.model_id)
        again.forget_collection("secret")
    finally:
        again.close()
    pages = decrypted_pages(engine.paths.database, key)
    assert MARKER.encode() not in pages and "뷁퓛".encode() not in pages and b"Oranges" in pages
    assert MARKER.encode() not in read_sealed(vectors / SEALED_KEYWORD_FILE, key, SEALED_KEYWORD_FILE)
    sealed_vectors = read_sealed(vectors / SEALED_FILE, key, SEALED_FILE)
    assert len(secret_vectors) and not any(v.tobytes() in sealed_vectors for v in secret_vectors)
    assert not Path(f"{engine.paths.database}-wal").exists() or Path(f"{engine.paths.database}-wal").stat().st_size == 0

    engine.paths.delete_all()
    assert list(engine.paths.root.iterdir()) == [], "delete-all leaves the lock file or a migration file behind"


def test_whoever_holds_the_store_goes_on_after_a_change(library):
    """A chat session or a worker thread keeps its Store and ConversationStore across a re-key."""
    from concurrent.futures import ThreadPoolExecutor

    engine, _ = library
    store, conversations = engine.store, engine.conversations
    with ThreadPoolExecutor(max_workers=1) as worker:  # one thread, its connection opened before the change
        before = worker.submit(store.chunk_count).result()
        engine.set_passphrase(OLD)
        after = worker.submit(store.chunk_count).result()  # its old connection was closed: a new one, keyed
    assert engine.store is store and engine.conversations is conversations
    assert len(conversations.list()) == 1
    assert before == after > 0
    assert engine.search(MARKER, mode="keyword")[0].path.endswith("ledger.md")


# -- temporary files -----------------------------------------------------------------------------------
@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="no memory-backed /dev/shm here")
def test_mail_attachments_are_unpacked_in_memory_not_on_disk(tmp_path, monkeypatch):
    from email.message import EmailMessage

    from desktop_rag.core.ingest.loaders import load_document
    from desktop_rag.core.ingest.loaders.mail import render

    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Ledger", "a@example.com", "b@example.com"
    message.set_content("See the attached ledger.")
    message.add_attachment(SECRET.encode(), maintype="text", subtype="markdown", filename="ledger.md")
    mail = tmp_path / "mail.eml"
    mail.write_bytes(bytes(message))
    seen = []
    real = render.load_document
    monkeypatch.setattr(render, "load_document", lambda path, limit: seen.append(Path(path)) or real(path, limit))
    doc = load_document(mail)
    assert any(MARKER in page.text for page in doc.pages)
    assert seen and all(p.is_relative_to("/dev/shm") for p in seen), seen
    assert not any(p.exists() for p in seen)
    monkeypatch.setattr(render, "_RAM_FOLDER", tmp_path / "no-such-folder")
    assert render.temp_folder() is None  # elsewhere: the system's temporary folder
