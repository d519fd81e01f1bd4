"""How much memory and how many cores this computer has, and whether a model fits.

Loading a model bigger than physical memory does not fail cleanly: the system swaps
until it is unusable or the process is killed. So refuse up front, in plain words.
"""

from __future__ import annotations

import os

from ..errors import UserError
from .gguf import GGUFInfo, format_size

try:
    import psutil
except ImportError:  # pragma: no cover - psutil is a dependency; the fallbacks keep odd installs working
    psutil = None

# Fraction of physical memory a model may take; the OS and the app need the rest.
MAX_MEMORY_FRACTION = 0.9
# llama.cpp's compute buffers and scratch space beyond weights and KV cache.
_OVERHEAD_FRACTION = 0.10
_OVERHEAD_BYTES = 256 * 1024 * 1024


class ModelTooLarge(UserError):
    """The model (with the chosen context) would not fit in this computer's memory."""


def total_memory_bytes() -> int:
    """Physical memory installed."""
    if psutil is not None:
        return int(psutil.virtual_memory().total)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * 1024**3  # unknown: assume a modest laptop


def available_memory_bytes() -> int:
    """Memory free for a new program right now (without swapping)."""
    if psutil is not None:
        return int(psutil.virtual_memory().available)
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return total_memory_bytes()


def physical_cores() -> int:
    """Physical cores (llama.cpp runs best with one thread per core), else logical CPUs."""
    if psutil is not None:
        try:
            cores = psutil.cpu_count(logical=False)
        except Exception:  # psutil can fail in containers without /sys
            cores = None
        if cores:
            return int(cores)
    return os.cpu_count() or 1


def estimate_model_memory_bytes(info: GGUFInfo, n_ctx: int) -> int:
    """Weights (the file size) + KV cache for ``n_ctx`` tokens + compute buffers."""
    weights = info.file_size
    return weights + info.kv_cache_bytes(n_ctx) + int(weights * _OVERHEAD_FRACTION) + _OVERHEAD_BYTES


def check_model_fits(info: GGUFInfo, n_ctx: int, *, total_bytes: int | None = None) -> None:
    """Raise ModelTooLarge when the model would need more than ~90% of physical memory."""
    total = total_bytes if total_bytes is not None else total_memory_bytes()
    limit = total * MAX_MEMORY_FRACTION
    needed = estimate_model_memory_bytes(info, n_ctx)
    if needed <= limit:
        return
    message = (
        f"{info.path.name} needs about {format_size(needed)} of memory with a {n_ctx:,}-token context, "
        f"but this computer has {format_size(total)}. Choose a smaller (more quantized) model or a shorter context."
    )
    fitting = _largest_fitting_context(info, n_ctx, limit)
    if fitting:
        message += f" About {fitting:,} tokens of context would fit."
    raise ModelTooLarge(message)


def _largest_fitting_context(info: GGUFInfo, n_ctx: int, limit: float) -> int | None:
    """The largest multiple of 1,024 tokens below ``n_ctx`` that fits, when the weights fit at all."""
    base = estimate_model_memory_bytes(info, 0)
    per_token = info.kv_cache_bytes(1)
    if base >= limit or per_token <= 0:
        return None
    tokens = int((limit - base) // per_token) // 1024 * 1024
    return tokens if 1024 <= tokens < n_ctx else None
