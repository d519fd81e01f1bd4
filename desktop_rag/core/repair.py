"""The way out of a damaged library database: move it aside, start a new one, re-index the folders.

``desktop-rag repair`` and the window both call ``repair_library``. Nothing is deleted: the damaged
file (with its -wal/-shm) is renamed to ``library.sqlite3.damaged-<time>``. What can still be read
from it is carried over: the folder list (collection, path, watched), which is then re-indexed from
the files on disk, and the saved chats. The vector cache is dropped (it is rebuilt from SQLite).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Settings
from .crypto import LibraryKey
from .encryption import CACHE_FILES
from .errors import LibraryError
from .index.store import Error, Store
from .index.store.connection import connect
from .models.embedder import Embedder
from .paths import AppPaths
from .types import IndexReport, Progress

log = logging.getLogger(__name__)

_FOLDERS_SQL = (
    "SELECT c.name, f.path, f.watched FROM folders f JOIN collections c ON c.id = f.collection_id ORDER BY f.id"
)


@dataclass
class RepairReport:
    problem: str | None  # why the library could not be used; None: it was healthy
    moved_to: Path | None = None  # where the old database went (None: nothing was done)
    folders_readable: bool = False  # False: the folders must be added again by hand
    reindexed: list[IndexReport] = field(default_factory=list)
    missing_folders: list[str] = field(default_factory=list)  # listed in the old library, gone from disk
    conversations: int | None = None  # chats carried over; None: they could not be read

    @property
    def repaired(self) -> bool:
        return self.moved_to is not None


def check_library(paths: AppPaths, key: LibraryKey | None = None) -> str | None:
    """Why the library database cannot be used (damaged, too new), or None when it opens and passes
    SQLite's quick_check in full. Other failures (locked, unreadable) are raised as UserError."""
    if not paths.database.exists() or paths.database.stat().st_size == 0:
        return None
    try:
        store = Store(paths.database, key)
    except LibraryError as exc:
        return str(exc)
    try:
        store.check_integrity()
    except LibraryError as exc:
        return str(exc)
    finally:
        store.close()
    return None


def repair_library(
    paths: AppPaths,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    force: bool = False,
    progress: Callable[[Progress], None] | None = None,
    key: LibraryKey | None = None,
) -> RepairReport:
    """Move a damaged (or, with ``force``, any) library database aside and rebuild the library.

    Close every engine on this data folder first. ``embedder``/``settings``/``key`` as for RagEngine
    (an encrypted library is rebuilt encrypted, under the same key).
    """
    from .engine import RagEngine  # engine imports the store; keep this module importable from both

    paths.ensure()
    problem = check_library(paths, key)
    if problem is None and not force:
        return RepairReport(problem=None)
    report = RepairReport(problem=problem or "rebuilt on request")
    report.moved_to = _move_aside(paths.database)
    for name in CACHE_FILES:
        (paths.vectors_dir / name).unlink(missing_ok=True)  # its labels are the old database's chunk ids
    folders, chats = _salvage(report.moved_to, key)
    report.folders_readable = folders is not None
    engine = RagEngine(paths, settings, embedder=embedder, key=key)
    try:
        if chats is not None:
            report.conversations = _restore_chats(engine.store, chats)
        present = []
        for collection, folder, watched in folders or []:
            if not Path(folder).is_dir():
                report.missing_folders.append(folder)
                continue
            # Listed before any is indexed: if this is interrupted, the new library still names them all.
            engine.store.set_folder_watched(engine.store.ensure_folder(collection, folder), watched)
            present.append((collection, folder))
        for collection, folder in present:
            report.reindexed.append(engine.index_folder(folder, collection, progress=progress))
    finally:
        engine.close()
    log.warning("library repaired: old database moved to %s (%s)", report.moved_to, report.problem)
    return report


def _move_aside(database: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = database.with_name(f"{database.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = database.with_name(f"{database.name}.damaged-{stamp}-{n}")
    for suffix in ("", "-wal", "-shm"):  # same suffixes: SQLite still finds the WAL beside the moved file
        source = Path(f"{database}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{target}{suffix}"))
    return target


def _salvage(
    path: Path, key: LibraryKey | None = None
) -> tuple[list[tuple[str, str, bool]] | None, dict[str, tuple[list[str], list]] | None]:
    """(folders, chats) still readable from the moved-aside database; None for what is not."""
    try:
        db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) if key is None else connect(path, key)
    except Error as exc:
        log.warning("cannot open %s to salvage from: %s", path, exc)
        return None, None
    try:
        folders = None
        for writable_schema in (False, True):  # ON: SQLite overlooks damage in unrelated schema entries
            try:
                if writable_schema:
                    db.execute("PRAGMA writable_schema = ON")
                folders = [(str(c), str(p), bool(w)) for c, p, w in db.execute(_FOLDERS_SQL)]
                break
            except Error as exc:
                log.warning("folders unreadable in %s (writable_schema=%s): %s", path, writable_schema, exc)
        chats: dict[str, tuple[list[str], list]] | None = {}
        try:
            for table in ("conversations", "messages"):
                columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
                chats[table] = (columns, db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall())
        except Error as exc:
            log.warning("chats unreadable in %s: %s", path, exc)
            chats = None
        return folders, chats
    finally:
        db.close()


def _restore_chats(store: Store, chats: dict[str, tuple[list[str], list]]) -> int:
    """Copy the salvaged chats (the columns both schemas have) into the new database."""
    try:
        with store.transaction() as db:
            for table in ("conversations", "messages"):
                old_columns, rows = chats[table]
                new_columns = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
                keep = [i for i, c in enumerate(old_columns) if c in new_columns]
                names = [old_columns[i] for i in keep]
                result = names.index("result") if table == "messages" and "result" in names else None
                values = []
                for row in rows:
                    picked = [row[i] for i in keep]
                    if result is not None:
                        picked[result] = _without_chunk_ids(picked[result])
                    values.append(picked)
                db.executemany(
                    f"INSERT INTO {table}({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values
                )
        return len(chats["conversations"][1])
    except (*Error, ValueError) as exc:
        log.warning("saved chats could not be carried over: %s", exc)
        return 0


def _without_chunk_ids(result: str) -> str:
    """Saved sources name chunk ids of the old database; the new one reuses those numbers for other passages."""
    try:
        payload = json.loads(result)
        for source in payload.get("sources") or []:
            source.pop("chunk_id", None)
        return json.dumps(payload, ensure_ascii=False)
    except (TypeError, ValueError, AttributeError):
        return result
