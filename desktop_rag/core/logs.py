"""Logging: named loggers per subsystem, a rotating file in the data folder."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from .paths import private_dir, private_file
from .privacy.pii import RedactingFilter


class _PrivateLogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are owner-only (0600), whatever the umask."""

    def _open(self):
        private_file(self.baseFilename, create=True)
        return super()._open()


def setup_logging(logs_dir: Path, level: int = logging.INFO, redact: bool = False) -> Path:
    """Send the app's logs to ``logs_dir/desktop-rag.log`` (rotated); returns the file path.

    ``redact`` (the ``redact_personal_data`` setting) masks personal data in what is written to
    the file; calling again with another value switches it on or off.
    """
    private_dir(logs_dir)
    path = logs_dir / "desktop-rag.log"
    root = logging.getLogger("desktop_rag")
    handler = next((h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)), None)
    if handler is None:
        handler = _PrivateLogFile(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
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


def close_logging() -> None:
    """Stop writing the log file and close it (before the data folder is deleted)."""
    root = logging.getLogger("desktop_rag")
    for handler in [h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        root.removeHandler(handler)
        handler.close()
