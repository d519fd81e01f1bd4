"""CPU features llama.cpp may use but this machine cannot run.

A llama.cpp built for a CPU with Intel AMX multiplies matrices with AMX tile instructions through
its "extra buffer types". Some virtual machines report AMX (``amx_tile`` in ``/proc/cpuinfo``) and
even grant it to the process, yet fault on the first tile instruction: the app would die with a
segmentation fault at the first answer. So on such CPUs a child process first evaluates one token
of the model with the default settings; if the child dies, models are loaded without the extra
buffer types (plain CPU kernels, same results). The verdict is remembered for the session.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

_PROBE = """
import sys, llama_cpp
llm = llama_cpp.Llama(sys.argv[1], n_ctx=64, n_batch=8, n_threads=1, n_gpu_layers=0, verbose=False)
llm.eval(llm.tokenize(b"probe")[:2])
print("ok")
"""


def _reports_amx() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return "amx_tile" in f.read(200_000)
    except OSError:
        return False


def _built_with_amx() -> bool:
    """Whether this llama.cpp has AMX kernels at all (the Makefile's AVX2 build has none)."""
    try:
        import llama_cpp

        return b"AMX" in llama_cpp.llama_print_system_info()
    except Exception:  # noqa: BLE001 - unknown: probe to be safe
        return True


@functools.cache
def extra_buffers_crash(model_path: str) -> bool:
    """True when llama.cpp's default CPU kernels crash on this machine (probed once, in a child)."""
    if not _reports_amx() or getattr(sys, "frozen", False) or not _built_with_amx():
        return False  # (a packaged app cannot run ``python -c``; it ships the AVX2 build)
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, model_path], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return False
    crashed = done.returncode < 0  # killed by a signal (SIGSEGV, SIGILL); a Python error is not this
    if crashed:
        log.warning("llama.cpp's AMX kernels crash on this CPU (exit %s): loading models without them", done.returncode)
    return crashed


@contextlib.contextmanager
def safe_model_params(llama_cpp, model_path: Path) -> Iterator[None]:
    """While loading a model: without extra buffer types when they crash on this machine."""
    if not extra_buffers_crash(str(model_path)):
        yield
        return
    module = llama_cpp.llama.llama_cpp  # what Llama() calls for its default model parameters
    original = module.llama_model_default_params

    def without_extra_buffers():
        params = original()
        params.use_extra_bufts = False
        return params

    module.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        module.llama_model_default_params = original
