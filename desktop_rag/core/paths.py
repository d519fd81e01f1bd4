"""The one owner of on-disk locations.

Everything lives under one data folder: the platformdirs user data dir by default,
or the folder named by ``--data-dir`` / ``$DESKTOP_RAG_DATA_DIR`` (tests, portable installs).
On POSIX the folders are owner-only (0700) and the files in them (database, settings, logs,
vector cache) owner-only (0600), whatever the umask: see ``private_dir`` / ``private_file``.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "desktop-rag"
DATA_DIR_ENV = "DESKTOP_RAG_DATA_DIR"
# Where built-in models are prepared; defaults to <data dir>/models (tests share one).
MODELS_DIR_ENV = "DESKTOP_RAG_MODELS_DIR"


@dataclass(frozen=True)
class AppPaths:
    """Locations of the database, vector cache, settings, models and logs."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "library.sqlite3"

    @property
    def vectors_dir(self) -> Path:
        return self.root / "vectors"

    @property
    def lock_file(self) -> Path:
        """Present when the library is encrypted: scrypt parameters and the wrapped data key."""
        return self.root / "library.lock.json"

    @property
    def migration_files(self) -> list[Path]:
        """What turning encryption on/off or changing the passphrase writes before it switches over
        (see core/encryption.py): the new database, the new lock file, the commit marker."""
        new_db = Path(f"{self.database}.migrating")
        return [
            new_db, *(Path(f"{new_db}{suffix}") for suffix in ("-wal", "-shm", "-journal")),
            Path(f"{self.lock_file}.migrating"), self.root / "migration.commit",
        ]

    @property
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def models_dir(self) -> Path:
        override = os.environ.get(MODELS_DIR_ENV)
        return Path(override).expanduser().resolve() if override else self.root / "models"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def owned_entries(self) -> list[Path]:
        """Every file and folder the app writes in the data folder (a models folder set by
        $DESKTOP_RAG_MODELS_DIR lies elsewhere and is not the app's to delete)."""
        db = self.database
        return [
            db, *(Path(f"{db}{suffix}") for suffix in ("-wal", "-shm", "-journal")),
            self.lock_file, *self.migration_files,
            self.settings_file, self.settings_file.with_suffix(".tmp"),
            self.vectors_dir, self.logs_dir, self.root / "models",
        ]

    def delete_all(self) -> list[Path]:
        """Delete everything the app keeps (library, chats, settings, vectors, logs, its models
        folder); returns what was there. Close the engine and the log first (core.logs.close_logging).
        Other files someone put in the folder are left alone."""
        removed = []
        for entry in self.owned_entries():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            elif entry.exists() or entry.is_symlink():
                entry.unlink()
            else:
                continue
            removed.append(entry)
        return removed

    def ensure(self) -> AppPaths:
        """Create the folders, owner-only; returns self for chaining."""
        for folder in (self.root, self.vectors_dir, self.logs_dir):
            private_dir(folder)
        if self.models_dir == self.root / "models":
            private_dir(self.models_dir)
        else:  # $DESKTOP_RAG_MODELS_DIR: a folder of model files elsewhere, perhaps shared
            self.models_dir.mkdir(parents=True, exist_ok=True)
        return self


#: Owner-only permissions for everything the app writes into its data folder (POSIX).
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(folder: Path) -> Path:
    """Create ``folder`` (and parents) and make it owner-only (0700), whatever the umask.

    An existing folder the user cannot change (say a shared, read-only models folder) is left as it is.
    """
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        try:
            os.chmod(folder, PRIVATE_DIR_MODE)
        except PermissionError:
            if not existed:
                raise
    return folder


def private_file(path: Path | str, create: bool = False) -> Path:
    """Make ``path`` owner-only (0600), whatever the umask; ``create`` makes an empty one first
    (so that e.g. SQLite, which gives its -wal/-shm files the database's mode, starts private)."""
    path = Path(path)
    if create and not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | getattr(os, "O_BINARY", 0), PRIVATE_FILE_MODE))
    if os.name == "posix" and path.exists():
        os.chmod(path, PRIVATE_FILE_MODE)
    return path


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Explicit ``data_dir`` wins, then ``$DESKTOP_RAG_DATA_DIR``, then the platform default."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    return AppPaths(Path(chosen).expanduser().resolve())
