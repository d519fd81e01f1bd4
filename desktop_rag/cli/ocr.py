"""Text recognition from the command line: ``index --ocr/--no-ocr --ocr-languages``, and
``desktop-rag ocr status|import FILE``."""

from __future__ import annotations

from ..core.errors import UserError
from ..core.paths import AppPaths
from .common import _engine


def apply_ocr_flags(engine, args) -> None:
    """Override the OCR settings for this run from ``--ocr/--no-ocr`` and ``--ocr-languages``."""
    if getattr(args, "ocr", None) is not None:
        engine.settings.ocr_enabled = args.ocr
    if getattr(args, "ocr_languages", None):
        engine.settings.ocr_languages = [part.strip() for part in args.ocr_languages.split(",") if part.strip()]
    engine.settings.validate()
    if engine.settings.ocr_enabled:
        missing = [lang for lang in engine.settings.ocr_languages if lang not in engine.ocr_languages()]
        if missing:
            raise UserError(
                f"no OCR model for {', '.join(missing)}: import it first with `desktop-rag ocr import {missing[0]}.traineddata`"
            )


def _cmd_ocr(args, paths: AppPaths) -> int:
    engine = _engine(paths)
    try:
        if args.ocr_command == "import":
            language = engine.import_ocr_model(args.file)
            print(f"imported the {language} OCR model; OCR languages: {', '.join(engine.settings.ocr_languages)}")
            print("re-index your folders to read scanned pages in it (unchanged files are re-read only where needed)")
            return 0
        installed = engine.ocr_languages()
        state = "on" if engine.settings.ocr_enabled else "off"
        print(f"text recognition (OCR): {state}; languages: {', '.join(engine.settings.ocr_languages)}")
        print(f"installed models: {', '.join(installed) or 'none'}")
        if "kor" not in installed:
            print("Korean: no model installed; import kor.traineddata with `desktop-rag ocr import FILE`")
        return 0
    finally:
        engine.close()
