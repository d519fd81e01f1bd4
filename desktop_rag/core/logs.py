"""Logging: named loggers per subsystem, a rotating file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path


def setup_logging(logs_dir: Path, level: int = logging.INFO) -> Path:
    """Send the app's logs to ``logs_dir/desktop-rag.log`` (rotated); returns the file path."""
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / "desktop-rag.log"
    root = logging.getLogger("desktop_rag")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    return path
