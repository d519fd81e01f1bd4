"""Walking a folder: which files to index, and which paths could not be read."""

from __future__ import annotations

import errno
import os
import stat as stat_module
from dataclasses import dataclass, field
from pathlib import Path

from ..types import FileError

# Folders no one wants in a document index.
_SKIP_DIRS = frozenset({"node_modules", "__pycache__", "venv", ".venv", "$RECYCLE.BIN", "System Volume Information"})


@dataclass(frozen=True)
class FileEntry:
    path: str  # absolute
    size: int
    mtime_ns: int


@dataclass
class ScanResult:
    files: list[FileEntry] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    skipped: int = 0  # files of types we do not read


def scan_folder(root: Path, extensions: frozenset[str]) -> ScanResult:
    """Every readable file under ``root`` with a supported extension.

    Directory symlinks are not followed (no loops, no escaping the folder); file
    symlinks are, unless they are broken or loop. Hidden files and folders are skipped.
    Problems (unreadable folders, broken links, undecodable names) become per-path errors,
    and so do named pipes and devices with a document's name (reading one would block
    forever or never end: ``notes.txt -> /dev/zero``).
    """
    result = ScanResult()
    stack = [str(root)]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as exc:
            result.errors.append(FileError(_display(directory), f"folder not readable: {exc.strerror or exc}"))
            continue
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if name not in _SKIP_DIRS:
                    stack.append(entry.path)
                continue
            if entry.is_symlink() and _is_dir_link(entry.path):
                continue  # a linked folder: not followed
            if os.path.splitext(name)[1].lower() not in extensions:
                result.skipped += 1
                continue
            if not _is_utf8(entry.path):
                result.errors.append(FileError(_display(entry.path), "file name is not valid UTF-8; rename the file to index it"))
                continue
            try:
                stat = entry.stat(follow_symlinks=True)
            except OSError as exc:
                result.errors.append(FileError(entry.path, _stat_error(entry, exc)))
                continue
            if not stat_module.S_ISREG(stat.st_mode):
                result.errors.append(FileError(entry.path, f"not a regular file ({_kind(stat.st_mode)}); skipped"))
                continue
            result.files.append(FileEntry(entry.path, stat.st_size, stat.st_mtime_ns))
    result.files.sort(key=lambda f: f.path)
    return result


def _stat_error(entry: os.DirEntry, exc: OSError) -> str:
    if exc.errno == getattr(errno, "ELOOP", 40):
        return "symbolic link loop"
    if exc.errno == errno.ENOENT and entry.is_symlink():
        return "broken symbolic link (its target does not exist)"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return f"cannot read: {exc.strerror or exc}"


def _kind(mode: int) -> str:
    if stat_module.S_ISFIFO(mode):
        return "named pipe"
    if stat_module.S_ISSOCK(mode):
        return "socket"
    if stat_module.S_ISCHR(mode) or stat_module.S_ISBLK(mode):
        return "device"
    return "special file"


def _is_dir_link(path: str) -> bool:
    try:
        return os.path.isdir(path)
    except OSError:
        return False


def _is_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:  # undecodable bytes surface as lone surrogates
        return False


def _display(path: str) -> str:
    return os.fsencode(path).decode("utf-8", errors="replace")
