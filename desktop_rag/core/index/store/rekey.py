"""Copying the library database under another key: the heart of turning encryption on or off and
of changing the passphrase (SQLCipher's ``sqlcipher_export``: schema, rows, full-text index,
sequences; ``user_version`` is carried over here)."""

from __future__ import annotations

from pathlib import Path

from ...crypto import LibraryKey
from ...errors import UserError
from .connection import sqlcipher


def export_database(source: Path, source_key: LibraryKey | None, target: Path, target_key: LibraryKey | None) -> None:
    """Write a complete copy of ``source`` (opened with ``source_key``; None: plain) to the new file
    ``target``, encrypted with ``target_key`` (None: plain). ``source`` is not changed; writers are
    held off while the copy is made."""
    if sqlcipher is None:
        raise UserError("encryption needs SQLCipher (the sqlcipher3 package), which this desktop-rag lacks")
    conn = sqlcipher.connect(str(source), timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if source_key is not None:
            conn.execute(f"PRAGMA key = {source_key.sqlcipher_key}")
        conn.execute("PRAGMA temp_store = MEMORY")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        literal = "''" if target_key is None else target_key.sqlcipher_key
        conn.execute(f"ATTACH DATABASE ? AS target KEY {literal}", (str(target),))
        conn.execute("BEGIN IMMEDIATE")  # no writer changes the source while it is copied
        try:
            conn.execute("SELECT sqlcipher_export('target')")
            conn.execute(f"PRAGMA target.user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE target")
    finally:
        conn.close()
