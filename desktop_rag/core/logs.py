"""Logging: named loggers per subsystem, a rotating file in the data folder.

No log line carries passage text. For an encrypted library the file goes further (``private``):
it keeps each message's wording but none of its values (file names, folder and collection names,
questions, exception messages), and tracebacks as code locations only; what happened and where
in the code is still there, nothing about the documents is.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from pathlib import Path

from .paths import private_dir, private_file
from .privacy.pii import RedactingFilter


class _PrivateLogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are owner-only (0600), whatever the umask."""

    def _open(self):
        private_file(self.baseFilename, create=True)
        return super()._open()


_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


class PrivateFormatter(logging.Formatter):
    """Writes a record's message template with its values left out, and an exception as its type
    and code locations: what an encrypted library's log may hold (nothing from the documents)."""

    def __init__(self) -> None:
        super().__init__(_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        template = str(record.msg)
        message = _PLACEHOLDER.sub(lambda m: "%" if m.group() == "%%" else "<hidden>", template) if record.args else template
        line = f"{self.formatTime(record)} {record.levelname} {record.name}: {message}"
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            frames = " < ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(traceback.extract_tb(exc.__traceback__)))
            line += f"\n  {type(exc).__name__} (message hidden) at {frames or 'unknown'}"
        return line


def setup_logging(logs_dir: Path, level: int = logging.INFO, redact: bool = False, private: bool = False) -> Path:
    """Send the app's logs to ``logs_dir/desktop-rag.log`` (rotated); returns the file path.

    ``redact`` (the ``redact_personal_data`` setting) masks personal data in what is written to
    the file; ``private`` (an encrypted library) leaves every value out (``PrivateFormatter``).
    Calling again with other values switches them on or off.
    """
    private_dir(logs_dir)
    path = logs_dir / "desktop-rag.log"
    root = logging.getLogger("desktop_rag")
    handler = next((h for h in root.handlers if isinstance(h, logging.handlers.RotatingFileHandler)), None)
    if handler is None:
        handler = _PrivateLogFile(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        root.addHandler(handler)
    handler.setFormatter(PrivateFormatter() if private else logging.Formatter(_FORMAT))
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
