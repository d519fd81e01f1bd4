"""Locking the library: turning encryption on or off and changing the passphrase, in place and
crash-safe; unlocking at start.

What is encrypted (README "Encryption at rest"): the library database (SQLCipher: passages, the
full-text index, vectors, folders, file names, chats) and the caches in ``vectors/`` (sealed with
AES-256-GCM). The passphrase unwraps a random data key (``crypto.keys``); the lock file holds only
the scrypt parameters, the salt and the wrapped key.

A change is made beside the library and switched over in one step that survives a crash:

1. the database is copied under the new key to ``library.sqlite3.migrating`` (the old one is not
   touched), and the new lock file written to ``library.lock.json.migrating``;
2. the commit marker ``migration.commit`` is written (fsynced): from here on the change is done;
3. the new files are renamed over the old ones, the caches of the old key deleted, the marker removed.

``recover`` (run before anything opens the library) finishes step 3 when the marker exists, and
otherwise deletes the leftovers of steps 1-2: a crash at any point leaves either the old or the new
library, whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .crypto import (
    DEFAULT_KDF,
    KdfParams,
    LibraryKey,
    forget,
    key_check,
    keyring_available,
    new_library_key,
    read_lock,
    recall,
    remember,
    unwrap_key,
    wrap_key,
    write_lock,
)
from .errors import UserError
from .index.keyword_index import KEYWORD_FILE, SEALED_KEYWORD_FILE, KeywordIndex
from .index.store.rekey import export_database
from .index.vector_index import INDEX_FILE, META_FILE, SEALED_FILE, VectorIndex
from .paths import AppPaths, private_file

#: Every cache file in vectors/, plain or sealed, with their temporary names.
CACHE_FILES = tuple(
    name + suffix for name in (INDEX_FILE, META_FILE, KEYWORD_FILE, SEALED_FILE, SEALED_KEYWORD_FILE) for suffix in ("", ".tmp")
)


class LibraryLocked(UserError):
    """The library is encrypted and no (right) passphrase was given."""


def is_encrypted(paths: AppPaths) -> bool:
    """Whether the library in ``paths`` is encrypted (after finishing an interrupted change)."""
    recover(paths)
    return paths.lock_file.exists()


def unlock(paths: AppPaths, passphrase: str) -> LibraryKey:
    """The data key of the encrypted library; raises WrongPassphrase (nothing is changed) or
    UserError when the library is not encrypted."""
    recover(paths)
    record = read_lock(paths.lock_file)
    if record is None:
        raise UserError("the library is not encrypted: there is nothing to unlock")
    return unwrap_key(record, passphrase)


def change_key(paths: AppPaths, old_key: LibraryKey | None, passphrase: str | None, kdf: KdfParams = DEFAULT_KDF) -> LibraryKey | None:
    """Re-encrypt the library in place: under a fresh data key wrapped by ``passphrase``, or (None)
    in plain. ``old_key``: the current key (None: it is plain now). Close every engine on the
    library first. The caches of the old key are deleted (the engine writes them anew; a library
    opened after a crash rebuilds them from the database). Returns the new key."""
    recover(paths)
    encrypted_now = paths.lock_file.exists()
    if encrypted_now != (old_key is not None):
        raise UserError("the library's encryption state changed; open it again")
    if old_key is None and passphrase is None:
        return None  # plain already
    new_key = None if passphrase is None else new_library_key()
    record = None if new_key is None else wrap_key(new_key, passphrase, kdf)
    new_db, *_, new_lock, commit = paths.migration_files
    _remove(paths.migration_files)  # what a crash left is rolled back by recover(); this is belt and braces
    private_file(new_db, create=True)  # owner-only from the first byte (an empty file is a new database)
    if paths.database.exists():
        export_database(paths.database, old_key, new_db, new_key)
        _fsync(new_db)
    _reached("exported")
    if record is not None:
        write_lock(new_lock, record)
    _reached("lock written")
    with open(private_file(commit, create=True), "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"encrypted": record is not None}))
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(paths.root)
    _reached("committed")
    remembered = old_key is not None and recall(_account(paths)) == old_key
    _roll_forward(paths)
    if remembered:  # "remember on this computer" follows the library to its new key (or ends)
        remember_key(paths, new_key, new_key is not None)
    return new_key


def _account(paths: AppPaths) -> str:
    return str(paths.root)


def remembered_key(paths: AppPaths) -> LibraryKey | None:
    """The key kept in the OS keyring for this library ("remember on this computer"), when it is
    this library's current key; None otherwise (then the passphrase is asked)."""
    recover(paths)
    record = read_lock(paths.lock_file)
    if record is None or not keyring_available():
        return None
    key = recall(_account(paths))
    if key is None or record.get("key_check") != key_check(key):
        return None
    return key


def remember_key(paths: AppPaths, key: LibraryKey | None, on: bool) -> bool:
    """Keep ``key`` in the OS keyring for this library (``on``), or forget it; False when the keyring
    could not keep it."""
    if on and key is not None:
        return remember(_account(paths), key)
    forget(_account(paths))
    return True


def recover(paths: AppPaths) -> None:
    """Finish a change that reached its commit marker, or undo one that did not."""
    commit = paths.migration_files[-1]
    if commit.exists():
        _roll_forward(paths)
    else:
        _remove(paths.migration_files)


def _roll_forward(paths: AppPaths) -> None:
    """Step 3; every step may be repeated (a crash here is finished by the next start)."""
    new_db, *_, new_lock, commit = paths.migration_files
    try:
        encrypted = bool(json.loads(commit.read_text(encoding="utf-8"))["encrypted"])
    except (OSError, ValueError, KeyError):
        encrypted = new_lock.exists()  # a torn marker: it was written last, so the new files are whole
    db = paths.database
    if new_db.exists():
        # The old database's WAL must not be applied to the new file: it was checkpointed into the copy.
        _remove([Path(f"{db}{suffix}") for suffix in ("-wal", "-shm", "-journal")])
        os.replace(new_db, db)
        _reached("database replaced")
    if encrypted and new_lock.exists():
        os.replace(new_lock, paths.lock_file)
    elif not encrypted:
        paths.lock_file.unlink(missing_ok=True)
    _reached("lock replaced")
    _remove([paths.vectors_dir / name for name in CACHE_FILES])
    _fsync_dir(paths.root)
    commit.unlink(missing_ok=True)
    _remove(paths.migration_files)
    _fsync_dir(paths.root)


def _reached(step: str) -> None:
    """A named point of a change (the crash tests stop the process at each)."""


def _remove(files: list[Path]) -> None:
    for file in files:
        file.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_key(paths: AppPaths, key: LibraryKey | None) -> LibraryKey | None:
    """The key a new engine opens the library with: raises LibraryLocked for an encrypted library
    without one; None for a plain library. Caches in the other form (a plain one beside an
    encrypted library, left by a crash or an older version) are deleted."""
    recover(paths)
    if not paths.lock_file.exists():
        key = None
        stale = (SEALED_FILE, SEALED_KEYWORD_FILE)
    elif key is None:
        raise LibraryLocked("the library is encrypted: unlock it with its passphrase")
    else:
        stale = (INDEX_FILE, META_FILE, KEYWORD_FILE)
    _remove([paths.vectors_dir / name for stem in stale for name in (stem, stem + ".tmp")])
    return key


def rekey_engine(engine, passphrase: str | None) -> None:
    """``RagEngine.set_passphrase``: change the key of the engine's library (``change_key``) while
    holding its writer and cache locks, then reopen the database and seal the caches anew (loaded
    before the change, so nothing is rebuilt, re-read or re-embedded)."""
    with engine._writer, engine._vectors_lock, engine._keywords_lock:
        library_id, folder = engine.store.library_id, engine.paths.vectors_dir
        vectors, keywords = engine._vectors, engine._keywords  # (empty ones are falsy: compare with None)
        if vectors is None:
            vectors = VectorIndex.load(folder, None, engine.embedder.model_id, library_id, engine.key)
        if keywords is None:
            keywords = KeywordIndex.load(folder, library_id, key=engine.key)
        engine.store.close_all()
        try:
            engine.key = change_key(engine.paths, engine.key, passphrase)
        finally:  # the old library when the change failed, the new one when it was made
            engine.store.reopen(engine.key)  # the same Store: chat sessions holding it go on
        for cache in (vectors, keywords):
            if cache is not None:
                cache.key = engine.key
                cache.save(folder)
        engine._vectors = engine._keywords = None  # loaded with the new key on next use
