"""Which of PyInstaller's collected files the spec keeps (importable, so that it can be tested).

PyInstaller gives the spec TOC entries ``(dest_name, src_name, typecode)``. A shared library that is
reached through a symbolic link comes as two entries: the library itself (``BINARY``) and a
``SYMLINK`` entry whose ``src_name`` is the link target relative to the link's folder. Dropping the
library but not its link leaves a dangling ``libcudart.so`` in the build, so every link whose target
is dropped (or never collected) is dropped with it. PyInstaller 6 files such ``SYMLINK`` entries under
``a.datas``, not ``a.binaries`` (seen: ``('libcudart.so', 'libcudart.so.13', 'SYMLINK')`` in datas), so
the spec filters both lists together (:func:`keep_collected`).

Where a CUDA runtime comes from: transformers/utils/import_utils.py calls
``ctypes.CDLL("libcudart.so")``; PyInstaller's ctypes scan resolves that name on the build machine's
library path, which on a workstation with a CUDA toolkit (``/usr/local/cuda-13.0/lib``) finds
``libcudart.so`` -> ``libcudart.so.13``. build.py removes CUDA folders from the library path
PyInstaller sees (:func:`without_cuda_paths`); :func:`keep_binaries` is the second line.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable

# Any CUDA library (the CPU build of torch has none; this makes sure). Libraries only: torch's
# Python modules named after them (torch/backends/cudnn) are imported on every start.
CUDA_LIBRARY = re.compile(
    r"(cudart|cudnn|cublas|cufft|curand|cusolver|cusparse|cupti|nccl|nvrtc|nvjitlink|nvtoolsext|libcuda)"
    r"[^\\/]*\.(so|dll|dylib)|[\\/]nvidia[\\/]",
    re.IGNORECASE,
)

Entry = tuple[str, str, str]


def _norm(path: str) -> str:
    return posixpath.normpath(path.replace("\\", "/"))


def keep_binaries(entries: Iterable[Entry], drop: re.Pattern[str] | None = None) -> list[Entry]:
    """``entries`` without CUDA libraries, without those ``drop`` matches (on the bundle path), and
    without any SYMLINK whose target (followed through chains of links) is not kept."""
    entries = list(entries)
    dropped = {
        _norm(dest) for dest, _src, _type in entries
        if CUDA_LIBRARY.search(dest) or (drop is not None and drop.search(dest))
    }
    kept_files = {_norm(dest) for dest, _src, kind in entries if kind != "SYMLINK" and _norm(dest) not in dropped}
    links = {_norm(dest): _norm(posixpath.join(posixpath.dirname(_norm(dest)), src))
             for dest, src, kind in entries if kind == "SYMLINK"}

    def resolves(dest: str) -> bool:
        seen = set()
        while dest in links and dest not in seen:
            seen.add(dest)
            dest = links[dest]
        return dest in kept_files

    return [
        entry for entry in entries
        if _norm(entry[0]) not in dropped and (entry[2] != "SYMLINK" or resolves(_norm(entry[0])))
    ]


def keep_collected(binaries: Iterable[Entry], datas: Iterable[Entry],
                   drop: re.Pattern[str] | None = None) -> tuple[list[Entry], list[Entry]]:
    """:func:`keep_binaries` over ``a.binaries`` and ``a.datas`` as one bundle (a link in one list may
    point at a library in the other); returns the two lists filtered, each in its own order."""
    binaries, datas = list(binaries), list(datas)
    kept = set(map(id, keep_binaries(binaries + datas, drop)))
    return [e for e in binaries if id(e) in kept], [e for e in datas if id(e) in kept]


def without_cuda_paths(value: str) -> str:
    """A library search path (``LD_LIBRARY_PATH``) without the folders of a CUDA toolkit."""
    parts = [p for p in value.split(os.pathsep) if p and not re.search(r"cuda|nvidia", p, re.IGNORECASE)]
    return os.pathsep.join(parts)
