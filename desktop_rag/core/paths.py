"""The one owner of on-disk locations.

Everything lives under one data folder: the platformdirs user data dir by default,
or the folder named by ``--data-dir`` / ``$DESKTOP_RAG_DATA_DIR`` (tests, portable installs).
"""

from __future__ import annotations

import os
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
    def settings_file(self) -> Path:
        return self.root / "settings.json"

    @property
    def models_dir(self) -> Path:
        override = os.environ.get(MODELS_DIR_ENV)
        return Path(override).expanduser().resolve() if override else self.root / "models"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> AppPaths:
        """Create the folders; returns self for chaining."""
        for folder in (self.root, self.vectors_dir, self.models_dir, self.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def resolve_paths(data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
    """Explicit ``data_dir`` wins, then ``$DESKTOP_RAG_DATA_DIR``, then the platform default."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    return AppPaths(Path(chosen).expanduser().resolve())
