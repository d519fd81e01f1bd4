"""What the commands share: opening the engine, the personal-data filter for what the terminal
shows, and the progress bar on stderr.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ..core.config import Settings
from ..core.errors import UserError
from ..core.paths import AppPaths
from ..core.types import Progress


def _redaction_on(paths: AppPaths) -> bool:
    """The personal-data filter setting (a broken settings file is reported by the command itself)."""
    try:
        return Settings.load(paths.settings_file).redact_personal_data
    except UserError:
        return False


def _shown(paths: AppPaths):
    """What personal data the terminal may show: masked when the filter is on."""
    from ..core.privacy import redact

    return redact if _redaction_on(paths) else _identity


def _identity(text: str) -> str:
    return text


def _engine(paths: AppPaths, args=None):
    """The engine on ``paths``; an encrypted library is unlocked first (cli/passphrase.py)."""
    from ..core.engine import RagEngine
    from .passphrase import unlock_key

    return RagEngine(paths, key=unlock_key(args, paths))


class _ProgressBar:
    """One line on stderr, redrawn in place on a terminal, every few seconds otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last = 0.0
        self._drawn = False

    def update(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < (0.1 if self.tty else 5.0) and p.phase == "indexing":
            return
        self._last = now
        total = max(p.files_total, 1)
        done = min(p.files_done, total)
        filled = int(30 * done / total)
        eta = f" ETA {p.eta_s:.0f}s" if p.eta_s is not None and p.phase == "indexing" else ""
        name = p.detail or (Path(p.current_file).name[:40] if p.current_file else "")
        line = (
            f"{p.phase:9} [{'#' * filled}{'.' * (30 - filled)}] {done}/{p.files_total} files, "
            f"{p.chunks_done} chunks, {p.chunks_per_s:.1f} chunks/s{eta} {name}"
        )
        if self.tty:
            sys.stderr.write("\r\033[K" + line)
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
        self._drawn = True

    def finish(self) -> None:
        if self.enabled and self._drawn and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
