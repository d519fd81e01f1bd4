"""PyInstaller hook for llama-cpp-python: its shared libraries live in ``llama_cpp/lib``.

llama_cpp loads them with ctypes at import time from its own package folder
(``llama_cpp/lib/libllama.so`` / ``libllama.dylib`` / ``llama.dll`` and the ggml ones),
which PyInstaller's import analysis cannot see. They are collected to the same relative
place (``_internal/llama_cpp/lib``) so the package finds them exactly as in a venv.

On Linux the wheel holds three identical copies of each library (``libllama.so``,
``libllama.so.0`` and ``libllama.so.0.5.0``): the plain name is what llama_cpp opens, the
``.so.0`` name (SONAME) is what the libraries ask for from each other; the fully
versioned one is referenced by nothing and left out.
"""

import re
from pathlib import Path

from PyInstaller.utils.hooks import get_package_paths

_, package_dir = get_package_paths("llama_cpp")
lib_dir = Path(package_dir) / "lib"
_FULLY_VERSIONED = re.compile(r"\.so\.\d+\.\d+")  # libllama.so.0.5.0, libggml.so.0.25.3

binaries = []
if lib_dir.is_dir():
    for path in sorted(lib_dir.iterdir()):
        if path.is_file() and not _FULLY_VERSIONED.search(path.name):
            if path.suffix in (".so", ".dylib", ".dll") or re.search(r"\.so\.\d+$", path.name):
                binaries.append((str(path), "llama_cpp/lib"))

# llama_cpp's chat formats use jinja2 templates (imported lazily in places).
hiddenimports = ["jinja2"]
