"""Logging: named loggers per subsystem, a rotating file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from .pii import RedactingFilter


def setup_logging(logs_dir: Path, level: int = logging.INFO, redact: bool = False) -> Path:
    """Send the app's logs to ``logs_dir/desktop-rag.log`` (rotated); returns the file path.

    ``redact`` (the ``redact_personal_data`` setting) masks personal data in what is written to
    the file; calling again with another value switches it on or off.
    """
    logs_dir.mkdir(parents=True, exist_ok=True)
    path = logs_dir / "desktop-rag.log"
    root = logging.getLogger("desktop_rag")
    handler = next((h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)), None)
    if handler is None:
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    redacting = [f for f in handler.filters if isinstance(f, RedactingFilter)]
    if redact and not redacting:
        handler.addFilter(RedactingFilter())
    elif not redact:
        for f in redacting:
            handler.removeFilter(f)
    root.setLevel(level)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    return path
